/**
 * The search behind hyperparameter tuning jobs: the parameter space, the four strategies
 * (Bayesian, Random, Grid, Hyperband) and the early-stopping rules. Pure: no I/O, no clock, no
 * hidden state; each call gets every trial so far, and the same seed and history give the same
 * proposal, so a restarted tuner carries on where it was.
 */
import { BayesianStrategy } from "./bayesian.js";
import { GridStrategy } from "./grid.js";
import { RandomStrategy } from "./random.js";
import { SearchSpace } from "./space.js";
import type { SearchStrategy, StrategyConfig } from "./types.js";

export type {
  Hyperparameters,
  ObjectiveType,
  ParameterRangesInput,
  ProgressOfTrial,
  Proposal,
  SearchStrategy,
  StrategyConfig,
  TrialState,
} from "./types.js";
export { hyperbandRungs, hyperbandStops, medianStoppingRule } from "./early-stopping.js";
export { formatContinuous, formatInteger } from "./format.js";
export { gridSize } from "./grid.js";
export { SearchSpaceError } from "./space.js";

/**
 * The strategy for a tuning job's config. Throws SearchSpaceError, naming the range, for ranges
 * it cannot search (the API's validation should have refused them first), and for Grid with a
 * numeric range.
 */
export function createStrategy(config: StrategyConfig): SearchStrategy {
  const space = SearchSpace.fromRanges(config.ranges);
  switch (config.strategy) {
    case "Bayesian":
      return new BayesianStrategy(space, config.objectiveType, config.seed);
    case "Random":
    case "Hyperband":
      return new RandomStrategy(space, config.seed);
    case "Grid":
      return new GridStrategy(space);
    default:
      throw new Error(`createStrategy: unknown strategy '${String(config.strategy)}' (Bayesian, Random, Grid or Hyperband)`);
  }
}
