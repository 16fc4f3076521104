/**
 * MetricDefinitions applied to log lines, as SageMaker does: each definition's regex is searched
 * in every line and its first capture group, read as a number, is a sample of that metric.
 * The regexes are written for Python/Java; `(?P<name>...)` groups are accepted.
 */
export interface MetricMatcher {
  readonly name: string;
  readonly regex: RegExp;
}

/** Compile the definitions; a regex JavaScript cannot compile is reported with its metric's name. */
export function compileMetricDefinitions(defs: readonly { name: string; regex: string }[]): MetricMatcher[] {
  return defs.map((d) => {
    try {
      return { name: d.name, regex: new RegExp(d.regex.replace(/\(\?P</g, "(?<")) };
    } catch (e) {
      throw new MetricDefinitionError(d.name, d.regex, (e as Error).message);
    }
  });
}

export class MetricDefinitionError extends Error {
  override readonly name = "MetricDefinitionError";
  constructor(
    readonly metric: string,
    readonly pattern: string,
    reason: string,
  ) {
    super(`MetricDefinitions: the Regex of metric '${metric}' is not a valid regular expression (${pattern}): ${reason}`);
  }
}

/** The metric values one log line holds. */
export function matchMetrics(matchers: readonly MetricMatcher[], line: string): { name: string; value: number }[] {
  const found: { name: string; value: number }[] = [];
  for (const m of matchers) {
    const hit = m.regex.exec(line);
    if (!hit) continue;
    const text = hit[1] ?? hit[0];
    const value = Number.parseFloat(text);
    if (Number.isFinite(value) || /^[-+]?(inf|infinity|nan)$/i.test(text.trim())) {
      found.push({ name: m.name, value: Number.isNaN(value) ? parseSpecial(text) : value });
    }
  }
  return found;
}

function parseSpecial(text: string): number {
  const t = text.trim().toLowerCase();
  if (t.includes("nan")) return NaN;
  return t.startsWith("-") ? -Infinity : Infinity;
}
