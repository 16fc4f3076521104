/**
 * Bayesian search: a Gaussian process over the encoded space (unit coordinates, one-hot
 * categories) models the objective; the next trial maximises expected improvement over the best
 * objective so far.
 *
 * - The first trials, until `initialPoints` have an objective, follow a shifted Halton design.
 * - Observations are oriented to minimisation and standardised; trials that ended without an
 *   objective count as the worst value seen (failed configurations are not worth repeating).
 * - Running trials enter the model as believed observations, the model's mean at their point but
 *   never better than the best so far (kriging believer / constant liar), so that the proposals
 *   made while trials run (MaxParallelTrainingJobs > 1) spread out instead of piling up.
 * - Expected improvement (as its logarithm, which stays ordered where EI underflows) is maximised
 *   over random candidates and candidates around the best points, then refined by a shrinking
 *   local search; a point already tried is never proposed again where another is left.
 *
 * Everything random comes from a generator derived from the seed and the number of trials, so
 * the same seed and history give the same proposal.
 */
import { haltonPoint } from "./design.js";
import { fitGaussianProcess, GaussianProcess } from "./gaussian-process.js";
import { logExpectedImprovement } from "./normal.js";
import { createRng, type Rng } from "./prng.js";
import { triedKeys } from "./random.js";
import type { RawPoint, SearchSpace } from "./space.js";
import type { ObjectiveType, Proposal, SearchStrategy, TrialState } from "./types.js";

const STREAM_BAYES = 0x62617965; // "baye"
/** Most observations the hyperparameters are fitted on, and the model holds (the best half, then the latest). */
const FIT_LIMIT = 60;
const MODEL_LIMIT = 200;

export interface BayesianOptions {
  /** Trials with an objective before the model takes over (default: max(3, parameters + 1)). */
  readonly initialPoints?: number;
  /** Random candidates per proposal (default: 300 + 100 per parameter, at most 2000). */
  readonly candidates?: number;
}

interface Scored {
  readonly raw: RawPoint;
  readonly score: number;
}

export class BayesianStrategy implements SearchStrategy {
  private readonly initialPoints: number;
  private readonly candidates: number;

  constructor(
    private readonly space: SearchSpace,
    private readonly objectiveType: ObjectiveType,
    private readonly seed: number,
    options: BayesianOptions = {},
  ) {
    const d = space.parameters.length;
    this.initialPoints = options.initialPoints ?? Math.max(3, d + 1);
    this.candidates = options.candidates ?? Math.min(2000, 300 + 100 * d);
  }

  next(trials: readonly TrialState[]): Proposal {
    const tried = triedKeys(this.space, trials);
    if (tried.size >= this.space.size()) return "exhausted";
    const rng = createRng(this.seed, trials.length, STREAM_BAYES);
    const observed = trials.filter((t) => isObjective(t.objective) && this.space.encode(t.hyperparameters) !== undefined);
    if (observed.length < this.initialPoints) return this.designPoint(trials.length, tried, rng);
    const raw = this.maximiseExpectedImprovement(trials, tried, rng);
    return { hyperparameters: this.space.decode(raw) };
  }

  /** The design's next point not tried yet (a random one if the design keeps repeating). */
  private designPoint(k: number, tried: Set<string>, rng: Rng): Proposal {
    const dims = this.space.parameters.length;
    for (let i = k; i < k + 64; i++) {
      const h = this.space.decode(this.fromUnitCube(haltonPoint(this.seed, i, dims)));
      if (!tried.has(this.space.key(h))) return { hyperparameters: h };
    }
    return { hyperparameters: this.space.decode(this.untried(tried, rng)) };
  }

  private maximiseExpectedImprovement(trials: readonly TrialState[], tried: Set<string>, rng: Rng): RawPoint {
    const sign = this.objectiveType === "Maximize" ? -1 : 1;
    const points: RawPoint[] = []; // with an objective, in trial order
    const values: number[] = [];
    const data: { x: Float64Array; failed: boolean; value: number }[] = []; // observed and failed, in trial order
    const running: Float64Array[] = [];
    for (const t of trials) {
      const raw = this.space.encode(t.hyperparameters);
      if (raw === undefined) continue;
      const x = this.space.features(raw);
      if (isObjective(t.objective)) {
        points.push(raw);
        values.push(sign * t.objective);
        data.push({ x, failed: false, value: sign * t.objective });
      } else if (t.running) running.push(x);
      else data.push({ x, failed: true, value: 0 });
    }
    // Standardise: zero mean, unit variance over the real observations.
    const mean = values.reduce((a, b) => a + b, 0) / values.length;
    const sd = Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / values.length) || 1;
    const y = values.map((v) => (v - mean) / sd);
    const best = Math.min(...y);
    const worst = Math.max(...y);
    const dataY = data.map((d) => (d.failed ? worst : (d.value - mean) / sd));
    const dataX = data.map((d) => d.x);
    // The hyperparameters from a bounded subset (fitting costs n³ per step), the model on a larger one.
    const groups = this.space.columns;
    const fitted = fitGaussianProcess(...pick(dataX, dataY, FIT_LIMIT), groups);
    const [modelX, modelY] = pick(dataX, dataY, MODEL_LIMIT);
    let model: GaussianProcess = modelX.length === fitted.n ? fitted : new GaussianProcess(modelX, modelY, groups, fitted.hyper);
    if (running.length > 0) {
      const believed = running.map((x) => Math.max(model.predict(x).mean, best));
      model = model.with(running, believed);
    }
    const score = (raw: RawPoint): number => {
      const p = model.predict(this.space.features(raw));
      return logExpectedImprovement(p.mean, Math.sqrt(p.variance), best);
    };

    // Candidates: random ones, and ones near the best observations.
    const pool: Scored[] = [];
    const consider = (raw: RawPoint): void => {
      const c = this.space.canonical(raw);
      pool.push({ raw: c, score: score(c) });
    };
    for (let i = 0; i < this.candidates; i++) consider(this.space.sample(rng));
    const order = points.map((_, i) => i).sort((a, b) => y[a]! - y[b]!);
    for (const i of order.slice(0, 5)) {
      for (let j = 0; j < 20; j++) consider(this.perturb(points[i]!, 0.1, rng));
    }
    pool.sort((a, b) => b.score - a.score);

    // Refine the best few by a local search with shrinking steps.
    const refined: Scored[] = [];
    for (const start of pool.slice(0, 5)) refined.push(this.refine(start, score, rng));
    const ranked = [...refined, ...pool].sort((a, b) => b.score - a.score);
    for (const c of ranked) {
      if (!tried.has(this.space.key(this.space.decode(c.raw)))) return c.raw;
    }
    return this.untried(tried, rng);
  }

  private refine(start: Scored, score: (raw: RawPoint) => number, rng: Rng): Scored {
    let current = start;
    for (let i = 0; i < 40; i++) {
      const step = 0.1 * Math.pow(0.9, i);
      const raw = this.space.canonical(this.perturb(current.raw, step, rng));
      const s = score(raw);
      if (s > current.score) current = { raw, score: s };
    }
    return current;
  }

  /** A nearby point: numeric coordinates moved by N(0, step²) (kept in [0, 1]); sometimes a category changed. */
  private perturb(raw: RawPoint, step: number, rng: Rng): RawPoint {
    const params = this.space.parameters;
    const flip = 1 / params.length;
    return raw.map((c, i) => {
      const p = params[i]!;
      if (p.kind === "Categorical") return rng.next() < flip ? rng.int(p.values.length) : c;
      const u = c + step * rng.normal();
      return u < 0 ? -u : u > 1 ? 2 - u : u; // reflect at the edges
    });
  }

  private fromUnitCube(u: readonly number[]): RawPoint {
    return this.space.parameters.map((p, i) =>
      p.kind === "Categorical" ? Math.min(p.values.length - 1, Math.floor(u[i]! * p.values.length)) : u[i]!,
    );
  }

  private untried(tried: Set<string>, rng: Rng): RawPoint {
    let raw = this.space.sample(rng);
    for (let i = 0; i < 200 && tried.has(this.space.key(this.space.decode(raw))); i++) raw = this.space.sample(rng);
    return raw;
  }
}

/** At most `limit` of the observations: the best half of the limit, then the latest others; in their order. */
function pick(x: readonly Float64Array[], y: readonly number[], limit: number): [Float64Array[], number[]] {
  if (x.length <= limit) return [[...x], [...y]];
  const keep = new Set(
    y
      .map((_, i) => i)
      .sort((a, b) => y[a]! - y[b]! || a - b)
      .slice(0, Math.ceil(limit / 2)),
  );
  for (let i = x.length - 1; keep.size < limit; i--) keep.add(i);
  const order = [...keep].sort((a, b) => a - b);
  return [order.map((i) => x[i]!), order.map((i) => y[i]!)];
}

function isObjective(v: number | undefined): v is number {
  return typeof v === "number" && Number.isFinite(v);
}
