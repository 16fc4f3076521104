/**
 * What a failed `pip install` could not install, in one message: the requirements pip found no
 * distribution for, the package index (and find-links) it looked in, and why the index did not
 * answer when it did not. Pure: pip's output in, the message out.
 */

/** pip's default index, which it does not name in its output. */
export const PYPI_SIMPLE = "https://pypi.org/simple";

const NOT_FOUND = /^ERROR: No matching distribution found for (.+)$/;
const NO_VERSION = /^ERROR: Could not find a version that satisfies the requirement (.+?) \(from versions:/;
const INDEXES = /^Looking in indexes: (.+)$/;
const LINKS = /^Looking in links: (.+)$/;
const RETRYING = /^WARNING: Retrying .* after connection broken by '(.+)': /;
const ERROR = /^ERROR: (.+)$/;

/** Why a connection failed, from urllib3's exception text: "Connection refused", "timed out", ... */
function connectionCause(text: string): string {
  const errno = /\[Errno -?\d+\] ([^'"),]+)/.exec(text);
  if (errno) return errno[1]!.trim();
  if (/timed out/i.test(text)) return "timed out";
  return text.replace(/<[^>]*>:?\s*/g, "").trim();
}

/** The lines of pip's output worth keeping for the message (the rest may be dropped). */
export function isPipSummaryLine(line: string): boolean {
  return INDEXES.test(line) || LINKS.test(line);
}

/**
 * One message for a failed pip run, or undefined when its output says nothing recognisable (the
 * failure file then carries the end of its stderr).
 */
export function pipFailureMessage(output: string, source: string): string | undefined {
  const lines = output.split(/\r?\n/).map((l) => l.trimEnd());
  const missing = new Set<string>();
  const causes = new Set<string>();
  const errors: string[] = [];
  let indexes: string | undefined;
  let links: string | undefined;
  for (const line of lines) {
    const m = NOT_FOUND.exec(line) ?? NO_VERSION.exec(line);
    if (m) missing.add(m[1]!.trim());
    else if (ERROR.test(line)) errors.push(ERROR.exec(line)![1]!);
    indexes = INDEXES.exec(line)?.[1] ?? indexes;
    links = LINKS.exec(line)?.[1] ?? links;
    const broken = RETRYING.exec(line);
    if (broken) causes.add(connectionCause(broken[1]!));
  }
  const where = `the package index ${indexes ?? `${PYPI_SIMPLE} (pip's default)`}${links ? ` and the links ${links}` : ""}`;
  if (missing.size > 0) {
    const what = [...missing].join(", ");
    if (causes.size > 0) {
      return (
        `could not install ${what} (${source}): ${where} did not answer (${[...causes].join("; ")}). ` +
        "Point pip at a reachable index (PIP_INDEX_URL, pip.conf) or at local packages (PIP_FIND_LINKS, PIP_NO_INDEX=1)"
      );
    }
    return `could not install ${what} (${source}): no matching distribution in ${where}; check the name and version`;
  }
  if (errors.length > 0) return `could not install ${source}: ${errors.join(" ")}`;
  return undefined;
}
