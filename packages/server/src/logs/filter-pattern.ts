import { invalidParameterException } from "../protocol/errors.js";

/**
 * CloudWatch Logs' term filter patterns: `ERROR` (must contain), `"exact phrase"`, `-DEBUG` (must
 * not contain), `?WARN ?ERROR` (contains at least one of them). An empty pattern matches every
 * line. JSON and space-delimited patterns (`{ $.x = 1 }`, `[ip, user]`) are refused.
 */
export function compileFilterPattern(pattern: string | undefined): (message: string) => boolean {
  const text = (pattern ?? "").trim();
  if (text === "") return () => true;
  if (text.startsWith("{") || text.startsWith("[")) {
    throw invalidParameterException(`Invalid filter pattern: optml supports term patterns only, not '${text.slice(0, 40)}'`);
  }
  const must: string[] = [];
  const mustNot: string[] = [];
  const anyOf: string[] = [];
  for (const m of text.matchAll(/([?-]?)(?:"((?:[^"\\]|\\.)*)"|(\S+))/g)) {
    const term = m[2] !== undefined ? m[2].replace(/\\(.)/g, "$1") : m[3]!;
    (m[1] === "-" ? mustNot : m[1] === "?" ? anyOf : must).push(term);
  }
  return (message) =>
    must.every((t) => message.includes(t)) && !mustNot.some((t) => message.includes(t)) && (anyOf.length === 0 || anyOf.some((t) => message.includes(t)));
}
