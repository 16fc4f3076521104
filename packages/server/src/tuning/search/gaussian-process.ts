/**
 * A Gaussian process regression model for Bayesian search: zero mean (the caller standardises
 * the observations), a Matérn 5/2 kernel with one lengthscale per parameter (a categorical
 * parameter's one-hot columns share theirs), a signal variance and a noise variance.
 *
 * The hyperparameters are fitted by maximising the log marginal likelihood plus weak log-normal
 * priors on the lengthscales and the signal variance (which keep a fit on a handful of points
 * sensible), with analytic gradients and resilient propagation (iRprop-) in log space, from
 * fixed starting points: deterministic, no random restarts.
 */
import { cholesky, choleskyInverse, choleskySolve } from "./linalg.js";

export interface GpHyperparameters {
  /** One per column group (parameter). */
  readonly lengthscales: readonly number[];
  readonly signalVariance: number;
  readonly noiseVariance: number;
}

export interface Prediction {
  readonly mean: number;
  readonly variance: number;
}

const SQRT5 = Math.sqrt(5);
/** Added to the diagonal, on top of the noise, so the factorisation stays stable. */
const JITTER = 1e-8;

const BOUNDS = {
  logLengthscale: [Math.log(0.01), Math.log(20)] as const,
  logSignal: [Math.log(0.05), Math.log(20)] as const,
  logNoise: [Math.log(1e-6), Math.log(1)] as const,
};
const PRIOR = {
  logLengthscale: { mean: Math.log(0.5), sd: 1 },
  logSignal: { mean: 0, sd: 1 },
};

export class GaussianProcess {
  readonly n: number;
  private readonly chol: Float64Array;
  private readonly alpha: Float64Array;
  private readonly scaled: Float64Array[]; // inputs divided by their columns' lengthscales
  private readonly inverseLengthscale: Float64Array; // per column
  private readonly scratch: { point: Float64Array; ks: Float64Array; v: Float64Array };

  /**
   * @param x inputs, each of `columnScale.length` columns
   * @param y observations (standardised by the caller)
   * @param groups each parameter's columns
   */
  constructor(
    readonly x: readonly Float64Array[],
    readonly y: readonly number[],
    readonly groups: readonly (readonly number[])[],
    readonly hyper: GpHyperparameters,
  ) {
    this.n = x.length;
    const inv = columnInverseLengthscales(groups, hyper.lengthscales);
    this.inverseLengthscale = inv;
    this.scaled = x.map((row) => scaleRow(row, inv));
    this.scratch = { point: new Float64Array(inv.length), ks: new Float64Array(this.n), v: new Float64Array(this.n) };
    const k = this.covariance();
    let chol = cholesky(k, this.n);
    // Near-duplicate inputs with a tiny noise can defeat the factorisation: add jitter until it holds.
    for (let extra = 1e-6; chol === undefined && extra <= 1; extra *= 10) {
      for (let i = 0; i < this.n; i++) k[i * this.n + i]! += extra;
      chol = cholesky(k, this.n);
    }
    if (chol === undefined) throw new Error("GaussianProcess: the covariance matrix is not positive definite");
    this.chol = chol;
    this.alpha = choleskySolve(chol, this.n, y);
  }

  /** The same hyperparameters, on more data (e.g. believed values at running trials' points). */
  with(x: readonly Float64Array[], y: readonly number[]): GaussianProcess {
    return new GaussianProcess([...this.x, ...x], [...this.y, ...y], this.groups, this.hyper);
  }

  predict(point: Float64Array): Prediction {
    const { ks, v } = this.scratch;
    const p = this.scratch.point;
    const inv = this.inverseLengthscale;
    for (let c = 0; c < p.length; c++) p[c] = point[c]! * inv[c]!;
    const n = this.n;
    const s2 = this.hyper.signalVariance;
    let mean = 0;
    for (let i = 0; i < n; i++) {
      ks[i] = s2 * matern52(Math.sqrt(squaredDistance(p, this.scaled[i]!)));
      mean += ks[i]! * this.alpha[i]!;
    }
    // v = L⁻¹ k*, by forward substitution in place; the variance is s2 - |v|².
    const l = this.chol;
    let vv = 0;
    for (let i = 0; i < n; i++) {
      const ri = i * n;
      let s = ks[i]!;
      for (let k = 0; k < i; k++) s -= l[ri + k]! * v[k]!;
      const vi = s / l[ri + i]!;
      v[i] = vi;
      vv += vi * vi;
    }
    return { mean, variance: Math.max(s2 - vv, 1e-12) };
  }

  private covariance(): Float64Array {
    const n = this.n;
    const k = new Float64Array(n * n);
    const s2 = this.hyper.signalVariance;
    for (let i = 0; i < n; i++) {
      k[i * n + i] = s2 + this.hyper.noiseVariance + JITTER;
      for (let j = 0; j < i; j++) {
        const v = s2 * matern52(Math.sqrt(squaredDistance(this.scaled[i]!, this.scaled[j]!)));
        k[i * n + j] = v;
        k[j * n + i] = v;
      }
    }
    return k;
  }
}

/** Matérn 5/2 correlation at scaled distance r. */
export function matern52(r: number): number {
  const s = SQRT5 * r;
  return (1 + s + (s * s) / 3) * Math.exp(-s);
}

/**
 * The hyperparameters that maximise the (penalised) log marginal likelihood of y at x, and the
 * model with them, by `iterations` steps from each start (every lengthscale at that value; by
 * default one start, 0.3: with the priors, more starts did not find better proposals on Branin
 * and Hartmann-6, and each costs as much as the first).
 */
export function fitGaussianProcess(
  x: readonly Float64Array[],
  y: readonly number[],
  groups: readonly (readonly number[])[],
  options: { iterations?: number; starts?: readonly number[] } = {},
): GaussianProcess {
  const iterations = options.iterations ?? 40;
  const starts = options.starts ?? [0.3];
  const g = groups.length;
  const pairs = pairwiseGroupDistances(x, groups);
  let best: { theta: Float64Array; value: number } | undefined;
  for (const ell of starts) {
    const theta = new Float64Array(g + 2);
    theta.fill(Math.log(ell), 0, g);
    theta[g] = 0;
    theta[g + 1] = Math.log(1e-3);
    const fitted = rprop(theta, (t) => objective(t, y, pairs, g), iterations, boundsOf(g));
    if (best === undefined || fitted.value > best.value) best = fitted;
  }
  return new GaussianProcess(x, y, groups, hyperOf(best!.theta, g));
}

/** The penalised log marginal likelihood at θ = (log ℓ₁..ℓ_g, log σ_f², log σ_n²) and its gradient. */
export function objective(
  theta: Float64Array,
  y: readonly number[],
  pairs: PairwiseDistances,
  g: number,
): { value: number; gradient: Float64Array } | undefined {
  const n = y.length;
  const s2 = Math.exp(theta[g]!);
  const noise = Math.exp(theta[g + 1]!);
  const invL2 = new Float64Array(g);
  for (let q = 0; q < g; q++) invL2[q] = Math.exp(-2 * theta[q]!);
  const k = new Float64Array(n * n);
  // dk/dlogℓ_q = s2 (5/3)(1 + √5 r) e^(-√5 r) · S_q, with S_q the group's scaled squared distance.
  const common = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    k[i * n + i] = s2 + noise + JITTER;
    for (let j = 0; j < i; j++) {
      const base = (i * (i - 1)) / 2 + j;
      let r2 = 0;
      for (let q = 0; q < g; q++) r2 += pairs.d[q * pairs.m + base]! * invL2[q]!;
      const s = SQRT5 * Math.sqrt(r2);
      const e = Math.exp(-s);
      const v = s2 * (1 + s + (s * s) / 3) * e;
      k[i * n + j] = v;
      k[j * n + i] = v;
      common[i * n + j] = s2 * (5 / 3) * (1 + s) * e;
    }
  }
  const l = cholesky(k, n);
  if (l === undefined) return undefined;
  const alpha = choleskySolve(l, n, y);
  let fit = 0;
  for (let i = 0; i < n; i++) fit += y[i]! * alpha[i]!;
  let logDet = 0;
  for (let i = 0; i < n; i++) logDet += Math.log(l[i * n + i]!);
  let value = -0.5 * fit - logDet - 0.5 * n * Math.log(2 * Math.PI);
  const kinv = choleskyInverse(l, n);
  // W = α αᵀ - K⁻¹; ∂/∂θ = ½ Σ W ∘ ∂K/∂θ.
  const gradient = new Float64Array(g + 2);
  for (let i = 0; i < n; i++) {
    const wii = alpha[i]! * alpha[i]! - kinv[i * n + i]!;
    gradient[g]! += 0.5 * wii * s2;
    gradient[g + 1]! += 0.5 * wii * noise;
    for (let j = 0; j < i; j++) {
      const w = alpha[i]! * alpha[j]! - kinv[i * n + j]!; // symmetric: both (i,j) and (j,i), so no ½
      gradient[g]! += w * k[i * n + j]!;
      const c = w * common[i * n + j]!;
      if (c === 0) continue;
      const base = (i * (i - 1)) / 2 + j;
      for (let q = 0; q < g; q++) gradient[q]! += c * pairs.d[q * pairs.m + base]! * invL2[q]!;
    }
  }
  for (let q = 0; q < g; q++) {
    const z = (theta[q]! - PRIOR.logLengthscale.mean) / PRIOR.logLengthscale.sd;
    value -= 0.5 * z * z;
    gradient[q]! -= z / PRIOR.logLengthscale.sd;
  }
  const zs = (theta[g]! - PRIOR.logSignal.mean) / PRIOR.logSignal.sd;
  value -= 0.5 * zs * zs;
  gradient[g]! -= zs / PRIOR.logSignal.sd;
  return { value, gradient };
}

/** Each group's squared distance between every pair of inputs (lower triangle, i > j). */
export interface PairwiseDistances {
  readonly m: number; // pairs
  readonly d: Float64Array; // [group * m + pair]
}

export function pairwiseGroupDistances(x: readonly Float64Array[], groups: readonly (readonly number[])[]): PairwiseDistances {
  const n = x.length;
  const m = (n * (n - 1)) / 2;
  const d = new Float64Array(groups.length * m);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < i; j++) {
      const base = (i * (i - 1)) / 2 + j;
      groups.forEach((cols, q) => {
        let s = 0;
        for (const c of cols) {
          const diff = x[i]![c]! - x[j]![c]!;
          s += diff * diff;
        }
        d[q * m + base] = s;
      });
    }
  }
  return { m, d };
}

function boundsOf(g: number): [Float64Array, Float64Array] {
  const lo = new Float64Array(g + 2);
  const hi = new Float64Array(g + 2);
  lo.fill(BOUNDS.logLengthscale[0], 0, g);
  hi.fill(BOUNDS.logLengthscale[1], 0, g);
  [lo[g], hi[g]] = BOUNDS.logSignal;
  [lo[g + 1], hi[g + 1]] = BOUNDS.logNoise;
  return [lo, hi];
}

function hyperOf(theta: Float64Array, g: number): GpHyperparameters {
  return {
    lengthscales: Array.from(theta.subarray(0, g), Math.exp),
    signalVariance: Math.exp(theta[g]!),
    noiseVariance: Math.exp(theta[g + 1]!),
  };
}

/**
 * Maximise f by iRprop-: each coordinate moves by its own step against the sign of its gradient;
 * a step grows (x1.2) while the sign holds and shrinks (x0.5) when it flips. Kept within bounds.
 */
function rprop(
  start: Float64Array,
  f: (theta: Float64Array) => { value: number; gradient: Float64Array } | undefined,
  iterations: number,
  [lo, hi]: [Float64Array, Float64Array],
): { theta: Float64Array; value: number } {
  const dim = start.length;
  let theta = start.slice();
  let current = f(theta);
  if (current === undefined) return { theta, value: Number.NEGATIVE_INFINITY };
  let best = { theta: theta.slice(), value: current.value };
  const step = new Float64Array(dim).fill(0.3);
  const previous = new Float64Array(dim);
  for (let it = 0; it < iterations; it++) {
    const next = theta.slice();
    for (let i = 0; i < dim; i++) {
      let gi = current.gradient[i]!;
      if (gi * previous[i]! > 0) step[i] = Math.min(step[i]! * 1.2, 1);
      else if (gi * previous[i]! < 0) {
        step[i] = Math.max(step[i]! * 0.5, 1e-4);
        gi = 0;
      }
      previous[i] = gi;
      next[i] = Math.min(hi[i]!, Math.max(lo[i]!, theta[i]! + Math.sign(gi) * step[i]!));
    }
    const evaluated = f(next);
    if (evaluated === undefined) {
      for (let i = 0; i < dim; i++) step[i] = Math.max(step[i]! * 0.5, 1e-4);
      continue;
    }
    theta = next;
    current = evaluated;
    if (current.value > best.value) best = { theta: theta.slice(), value: current.value };
  }
  return best;
}

function columnInverseLengthscales(groups: readonly (readonly number[])[], lengthscales: readonly number[]): Float64Array {
  let width = 0;
  for (const cols of groups) for (const c of cols) width = Math.max(width, c + 1);
  const inv = new Float64Array(width);
  groups.forEach((cols, q) => {
    for (const c of cols) inv[c] = 1 / lengthscales[q]!;
  });
  return inv;
}

function scaleRow(row: Float64Array, inv: Float64Array): Float64Array {
  const out = new Float64Array(row.length);
  for (let i = 0; i < row.length; i++) out[i] = row[i]! * inv[i]!;
  return out;
}

function squaredDistance(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) {
    const d = a[i]! - b[i]!;
    s += d * d;
  }
  return s;
}
