/**
 * The search's interface types, as the tuning plan (TUNING-SPEC.md, "Search") fixes them: what the
 * tuner passes in (the ranges as the API gives them, every trial so far) and what it gets back.
 */

/** Hyperparameter values as text, as a training job receives them. */
export type Hyperparameters = Readonly<Record<string, string>>;

/** ParameterRanges as the API gives them (values are strings). */
export interface ParameterRangesInput {
  IntegerParameterRanges?: readonly { Name: string; MinValue: string; MaxValue: string; ScalingType?: string }[];
  ContinuousParameterRanges?: readonly { Name: string; MinValue: string; MaxValue: string; ScalingType?: string }[];
  CategoricalParameterRanges?: readonly { Name: string; Values: readonly string[] }[];
}

/** A trial as the strategy sees it: what it tried, and its final objective once it has one. */
export interface TrialState {
  readonly hyperparameters: Hyperparameters; // tuned ones only
  readonly objective?: number; // final objective, when the trial produced one
  readonly running: boolean;
}

/** The next trial's tuned values, or "exhausted" when the strategy has nothing left to try. */
export type Proposal = { readonly hyperparameters: Hyperparameters } | "exhausted";

export interface SearchStrategy {
  next(trials: readonly TrialState[]): Proposal;
}

export type ObjectiveType = "Minimize" | "Maximize";

export interface StrategyConfig {
  readonly strategy: "Bayesian" | "Random" | "Grid" | "Hyperband";
  readonly ranges: ParameterRangesInput;
  readonly objectiveType: ObjectiveType;
  readonly seed: number; // RandomSeed (default: any fixed number)
}

/** A trial's intermediate objective values in order (one per epoch), for early stopping. */
export interface ProgressOfTrial {
  readonly id: string;
  readonly running: boolean;
  readonly values: readonly number[];
}
