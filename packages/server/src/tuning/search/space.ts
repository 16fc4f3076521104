/**
 * The parameter space: ParameterRanges (text, as the API gives them) turned into parameters the
 * strategies can sample and model, and back into the text a training job receives.
 *
 * Each parameter has a *unit* coordinate: a numeric range maps onto [0, 1] by its scaling type
 * (Linear; Logarithmic, for ranges of positive values; ReverseLogarithmic, for continuous ranges
 * within [0, 1), searching log(1 - x)), and a categorical parameter is an index into its values.
 * A `RawPoint` holds one coordinate per parameter; `features` gives the model's view of it (unit
 * coordinates, and one-hot columns for categories). Integers take the unit interval in equal
 * bins (on the log scale for Logarithmic) around each value, so sampling the unit coordinate
 * uniformly gives each integer its share of the scale, and a value's canonical coordinate is the
 * centre of its bin. ScalingType Auto is searched linearly.
 */
import { formatContinuous, formatInteger } from "./format.js";
import type { Hyperparameters, ParameterRangesInput } from "./types.js";
import type { Rng } from "./prng.js";

export type Scaling = "Linear" | "Logarithmic" | "ReverseLogarithmic";

export interface NumericParameter {
  readonly kind: "Integer" | "Continuous";
  readonly name: string;
  readonly min: number;
  readonly max: number;
  readonly scaling: Scaling;
}

export interface CategoricalParameter {
  readonly kind: "Categorical";
  readonly name: string;
  readonly values: readonly string[];
}

export type Parameter = NumericParameter | CategoricalParameter;

/** One coordinate per parameter: a unit value in [0, 1] (numeric) or a value's index (categorical). */
export type RawPoint = readonly number[];

/** A range the search cannot use; the message names the range and what is wrong. */
export class SearchSpaceError extends Error {
  override readonly name = "SearchSpaceError";
}

export class SearchSpace {
  /** The model's columns: one per numeric parameter, one per category of each categorical one. */
  readonly width: number;
  /** For each parameter, its columns in `features`. */
  readonly columns: readonly (readonly number[])[];

  constructor(readonly parameters: readonly Parameter[]) {
    if (parameters.length === 0) throw new SearchSpaceError("ParameterRanges: no hyperparameter ranges to search");
    const columns: number[][] = [];
    let width = 0;
    for (const p of parameters) {
      const n = p.kind === "Categorical" ? p.values.length : 1;
      columns.push(Array.from({ length: n }, (_, i) => width + i));
      width += n;
    }
    this.columns = columns;
    this.width = width;
  }

  static fromRanges(ranges: ParameterRangesInput): SearchSpace {
    const parameters: Parameter[] = [];
    for (const r of ranges.IntegerParameterRanges ?? []) parameters.push(numericParameter("Integer", r));
    for (const r of ranges.ContinuousParameterRanges ?? []) parameters.push(numericParameter("Continuous", r));
    for (const r of ranges.CategoricalParameterRanges ?? []) {
      if (r.Values.length === 0) throw new SearchSpaceError(`CategoricalParameterRange '${r.Name}': Values is empty`);
      if (new Set(r.Values).size !== r.Values.length) {
        throw new SearchSpaceError(`CategoricalParameterRange '${r.Name}': Values repeat a value (${r.Values.join(", ")})`);
      }
      parameters.push({ kind: "Categorical", name: r.Name, values: [...r.Values] });
    }
    const seen = new Set<string>();
    for (const p of parameters) {
      if (seen.has(p.name)) throw new SearchSpaceError(`ParameterRanges: the hyperparameter '${p.name}' has more than one range`);
      seen.add(p.name);
    }
    return new SearchSpace(parameters);
  }

  /** A point drawn uniformly on every parameter's scale. */
  sample(rng: Rng): RawPoint {
    return this.parameters.map((p) => (p.kind === "Categorical" ? rng.int(p.values.length) : rng.next()));
  }

  /** The values of a point, as text. */
  decode(raw: RawPoint): Hyperparameters {
    const out: Record<string, string> = {};
    this.parameters.forEach((p, i) => {
      const c = raw[i]!;
      if (p.kind === "Categorical") out[p.name] = p.values[clampIndex(c, p.values.length)]!;
      else if (p.kind === "Integer") out[p.name] = formatInteger(integerFromUnit(p, c));
      else out[p.name] = formatContinuous(continuousFromUnit(p, c));
    });
    return out;
  }

  /**
   * A trial's values as a canonical point, or undefined when one is missing or unreadable (a
   * warm-start parent may have tuned other hyperparameters). Values outside a range are clamped
   * onto it; an integer given as a decimal is rounded.
   */
  encode(h: Hyperparameters): RawPoint | undefined {
    const raw: number[] = [];
    for (const p of this.parameters) {
      const text = h[p.name];
      if (text === undefined) return undefined;
      if (p.kind === "Categorical") {
        const i = p.values.indexOf(text);
        if (i < 0) return undefined;
        raw.push(i);
        continue;
      }
      const x = Number(text);
      if (text.trim() === "" || !Number.isFinite(x)) return undefined;
      raw.push(p.kind === "Integer" ? integerToUnit(p, Math.round(x)) : continuousToUnit(p, x));
    }
    return raw;
  }

  /**
   * The point a training job with these coordinates really gets: integers at their bin centres,
   * categories as whole indices, unit coordinates within [0, 1] (what `encode(decode(raw))` gives,
   * without the text in between).
   */
  canonical(raw: RawPoint): RawPoint {
    return this.parameters.map((p, i) => {
      const c = raw[i]!;
      if (p.kind === "Categorical") return clampIndex(c, p.values.length);
      if (p.kind === "Integer") return integerToUnit(p, integerFromUnit(p, c));
      return p.max === p.min ? 0.5 : clampUnit(c);
    });
  }

  /** The model's view of a point: unit coordinates, and one-hot columns for categories. */
  features(raw: RawPoint): Float64Array {
    const f = new Float64Array(this.width);
    this.parameters.forEach((p, i) => {
      const cols = this.columns[i]!;
      if (p.kind === "Categorical") f[cols[clampIndex(raw[i]!, p.values.length)]!] = 1;
      else f[cols[0]!] = raw[i]!;
    });
    return f;
  }

  /** A trial's identity for "was this already tried": its values in parameter order. */
  key(h: Hyperparameters): string {
    const raw = this.encode(h);
    if (raw === undefined) return JSON.stringify(this.parameters.map((p) => h[p.name] ?? null));
    return JSON.stringify(Object.values(this.decode(raw)));
  }

  /** How many distinct points there are: Infinity when a continuous range spans more than one value. */
  size(): number {
    let n = 1;
    for (const p of this.parameters) {
      if (p.kind === "Categorical") n *= p.values.length;
      else if (p.kind === "Integer") n *= p.max - p.min + 1;
      else if (p.max > p.min) return Number.POSITIVE_INFINITY;
    }
    return n;
  }
}

function numericParameter(
  kind: "Integer" | "Continuous",
  r: { Name: string; MinValue: string; MaxValue: string; ScalingType?: string },
): NumericParameter {
  const what = `${kind}ParameterRange '${r.Name}'`;
  const min = readNumber(r.MinValue, `${what}: MinValue`, kind);
  const max = readNumber(r.MaxValue, `${what}: MaxValue`, kind);
  if (min > max) throw new SearchSpaceError(`${what}: MinValue ${r.MinValue} is greater than MaxValue ${r.MaxValue}`);
  const type = r.ScalingType ?? "Auto";
  let scaling: Scaling;
  if (type === "Auto" || type === "Linear") scaling = "Linear";
  else if (type === "Logarithmic") {
    if (min <= 0) throw new SearchSpaceError(`${what}: Logarithmic scaling needs values greater than 0, and MinValue is ${r.MinValue}`);
    scaling = "Logarithmic";
  } else if (type === "ReverseLogarithmic") {
    if (kind === "Integer") throw new SearchSpaceError(`${what}: ReverseLogarithmic scaling is only for continuous ranges`);
    if (min < 0 || max >= 1) {
      throw new SearchSpaceError(`${what}: ReverseLogarithmic scaling needs a range within 0 <= x < 1.0, and the range is [${r.MinValue}, ${r.MaxValue}]`);
    }
    scaling = "ReverseLogarithmic";
  } else {
    throw new SearchSpaceError(`${what}: unknown ScalingType '${type}' (Auto, Linear, Logarithmic or ReverseLogarithmic)`);
  }
  return { kind, name: r.Name, min, max, scaling };
}

function readNumber(text: string, what: string, kind: "Integer" | "Continuous"): number {
  const x = Number(text);
  if (text.trim() === "" || !Number.isFinite(x)) throw new SearchSpaceError(`${what} '${text}' is not a number`);
  if (kind === "Integer" && !Number.isSafeInteger(x)) throw new SearchSpaceError(`${what} '${text}' is not an integer`);
  return x;
}

function clampIndex(c: number, n: number): number {
  return Math.min(n - 1, Math.max(0, Math.round(c)));
}

function clampUnit(u: number): number {
  return u <= 0 ? 0 : u > 1 ? 1 : u; // no -0
}

/** The scale's end points: values (Linear), logs (Logarithmic) or logs of 1 - x (ReverseLogarithmic). */
function scaleEnds(p: NumericParameter): [number, number] {
  const widen = p.kind === "Integer" ? 0.5 : 0;
  const lo = p.min - widen;
  const hi = p.max + widen;
  if (p.scaling === "Logarithmic") return [Math.log(lo), Math.log(hi)];
  if (p.scaling === "ReverseLogarithmic") return [Math.log1p(-lo), Math.log1p(-hi)];
  return [lo, hi];
}

function fromScale(p: NumericParameter, s: number): number {
  if (p.scaling === "Logarithmic") return Math.exp(s);
  if (p.scaling === "ReverseLogarithmic") return -Math.expm1(s);
  return s;
}

function toScale(p: NumericParameter, x: number): number {
  if (p.scaling === "Logarithmic") return Math.log(x);
  if (p.scaling === "ReverseLogarithmic") return Math.log1p(-x);
  return x;
}

function continuousFromUnit(p: NumericParameter, u: number): number {
  // The ends exactly (exp(log(x)) need not be x).
  if (u <= 0) return p.min;
  if (u >= 1) return p.max;
  const [a, b] = scaleEnds(p);
  const x = fromScale(p, a + clampUnit(u) * (b - a));
  return Math.min(p.max, Math.max(p.min, x));
}

function continuousToUnit(p: NumericParameter, x: number): number {
  if (p.max === p.min) return 0.5;
  const clamped = Math.min(p.max, Math.max(p.min, x));
  const [a, b] = scaleEnds(p);
  return clampUnit((toScale(p, clamped) - a) / (b - a));
}

function integerFromUnit(p: NumericParameter, u: number): number {
  const [a, b] = scaleEnds(p);
  const v = Math.round(fromScale(p, a + clampUnit(u) * (b - a)));
  return Math.min(p.max, Math.max(p.min, v));
}

function integerToUnit(p: NumericParameter, v: number): number {
  const clamped = Math.min(p.max, Math.max(p.min, v));
  const [a, b] = scaleEnds(p);
  // The centre of the value's bin on the scale: the unit interval's share of [v - 0.5, v + 0.5].
  const lo = Math.max(a, toScale(p, clamped - 0.5));
  const hi = Math.min(b, toScale(p, clamped + 0.5));
  return clampUnit(((lo + hi) / 2 - a) / (b - a));
}
