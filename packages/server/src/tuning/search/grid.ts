/**
 * Grid search, as SageMaker documents it: categorical parameters only, every distinct combination
 * once (the number of training jobs is the number of combinations), in a fixed order: the
 * cartesian product of the ranges in the order given, the last range varying fastest. The next
 * point is the first combination no trial has used yet; when none is left, "exhausted".
 */
import { SearchSpace, SearchSpaceError, type CategoricalParameter } from "./space.js";
import type { Hyperparameters, ParameterRangesInput, Proposal, SearchStrategy, TrialState } from "./types.js";

export class GridStrategy implements SearchStrategy {
  private readonly parameters: readonly CategoricalParameter[];

  constructor(private readonly space: SearchSpace) {
    const other = space.parameters.find((p) => p.kind !== "Categorical");
    if (other !== undefined) {
      throw new SearchSpaceError(
        `Grid search supports only categorical parameters, and '${other.name}' is a${other.kind === "Integer" ? "n Integer" : " Continuous"}ParameterRange`,
      );
    }
    this.parameters = space.parameters as readonly CategoricalParameter[];
  }

  next(trials: readonly TrialState[]): Proposal {
    const tried = new Set(trials.map((t) => this.space.key(t.hyperparameters)));
    const total = this.space.size();
    for (let i = 0; i < total; i++) {
      const hyperparameters = this.point(i);
      if (!tried.has(this.space.key(hyperparameters))) return { hyperparameters };
    }
    return "exhausted";
  }

  /** The number of combinations. */
  size(): number {
    return this.space.size();
  }

  /** The i-th combination (mixed-radix digits of i, the last parameter least significant). */
  point(i: number): Hyperparameters {
    const out: Record<string, string> = {};
    for (let j = this.parameters.length - 1; j >= 0; j--) {
      const p = this.parameters[j]!;
      out[p.name] = p.values[i % p.values.length]!;
      i = Math.floor(i / p.values.length);
    }
    return Object.fromEntries(this.parameters.map((p) => [p.name, out[p.name]!]));
  }
}

/** The number of training jobs a grid search runs: the number of distinct combinations. */
export function gridSize(ranges: ParameterRangesInput): number {
  return new GridStrategy(SearchSpace.fromRanges(ranges)).size();
}
