/**
 * Early stopping: which running trials to stop now, from every trial's intermediate objective
 * values (one per epoch, in order). Pure functions of the progress, so the tuner can ask again on
 * every new value and after a restart.
 */
import type { ObjectiveType, ProgressOfTrial } from "./types.js";

/**
 * TrainingJobEarlyStoppingType Auto, as SageMaker documents it ("Stop Training Jobs Early"): after
 * each epoch t of a running trial, take the running average of the objective up to epoch t of
 * every previous (finished) trial, and the median of those averages; when the trial's objective
 * at epoch t is worse than that median (higher when minimising, lower when maximising), stop it.
 * A finished trial with fewer than t values contributes the average of all it reported.
 */
export function medianStoppingRule(trials: readonly ProgressOfTrial[], objectiveType: ObjectiveType): string[] {
  const finished = trials.filter((t) => !t.running && t.values.some(Number.isFinite));
  if (finished.length === 0) return [];
  const stop: string[] = [];
  for (const trial of trials) {
    if (!trial.running || trial.values.length === 0) continue;
    const epoch = trial.values.length;
    const current = trial.values[epoch - 1]!;
    if (!Number.isFinite(current)) continue;
    const averages = finished.map((f) => runningAverage(f.values, epoch)).filter(Number.isFinite);
    if (averages.length === 0) continue;
    if (worse(current, median(averages), objectiveType)) stop.push(trial.id);
  }
  return stop;
}

/**
 * Hyperband's stopping, as SageMaker's Hyperband does it (asynchronous successive halving, ASHA):
 * rungs at minResource·eta^k epochs below maxResource. A running trial that has reached a rung is
 * stopped when its objective at its highest rung is worse than the best 1/eta of the objectives
 * every trial had at that rung (the (1 - 1/eta) quantile, interpolated); a trial with fewer than
 * minResource epochs is never stopped, and one that has reached maxResource epochs is stopped.
 */
export function hyperbandStops(
  trials: readonly ProgressOfTrial[],
  objectiveType: ObjectiveType,
  config: { minResource: number; maxResource: number; eta?: number },
): string[] {
  const eta = config.eta ?? 3;
  if (!(config.minResource >= 1) || !(config.maxResource >= config.minResource) || !(eta > 1)) {
    throw new RangeError(
      `hyperbandStops: needs 1 <= minResource <= maxResource and eta > 1 (minResource ${config.minResource}, maxResource ${config.maxResource}, eta ${eta})`,
    );
  }
  const rungs = hyperbandRungs(config.minResource, config.maxResource, eta);
  const stop: string[] = [];
  for (const trial of trials) {
    if (!trial.running) continue;
    const epochs = trial.values.length;
    if (epochs >= config.maxResource) {
      stop.push(trial.id);
      continue;
    }
    const rung = [...rungs].reverse().find((r) => r <= epochs);
    if (rung === undefined) continue;
    const own = trial.values[rung - 1]!;
    if (!Number.isFinite(own)) continue;
    const atRung = trials.map((t) => t.values[rung - 1]).filter((v): v is number => v !== undefined && Number.isFinite(v));
    // Oriented so that larger is better, the cutoff is the (1 - 1/eta) quantile.
    const oriented = atRung.map((v) => (objectiveType === "Minimize" ? -v : v));
    const cutoff = quantile(oriented, 1 - 1 / eta);
    if ((objectiveType === "Minimize" ? -own : own) < cutoff) stop.push(trial.id);
  }
  return stop;
}

/** The rungs (epochs at which trials are compared): minResource·eta^k below maxResource. */
export function hyperbandRungs(minResource: number, maxResource: number, eta = 3): number[] {
  const rungs: number[] = [];
  for (let r = minResource; r < maxResource; r *= eta) rungs.push(Math.round(r));
  return rungs;
}

function runningAverage(values: readonly number[], epoch: number): number {
  const head = values.slice(0, epoch).filter(Number.isFinite);
  return head.length === 0 ? Number.NaN : head.reduce((a, b) => a + b, 0) / head.length;
}

function worse(value: number, than: number, objectiveType: ObjectiveType): boolean {
  return objectiveType === "Minimize" ? value > than : value < than;
}

export function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** The q-quantile with linear interpolation between order statistics (numpy's default). */
export function quantile(values: readonly number[], q: number): number {
  const s = [...values].sort((a, b) => a - b);
  const h = (s.length - 1) * q;
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, s.length - 1);
  return s[lo]! + (h - lo) * (s[hi]! - s[lo]!);
}
