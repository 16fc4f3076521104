/**
 * Request validation for the hyperparameter tuning operations, in the three steps of validate.ts:
 * 1. JSON types per the request shape (tuning-shapes.ts) -> SerializationException;
 * 2. the model's constraints -> one ValidationException listing every violation, in AWS's form;
 * 3. the rules between members that the model cannot express -> a ValidationException naming
 *    every broken rule (each in SageMaker's words where SageMaker's are known: the tuning objective
 *    missing from the metric definitions, Hyperband with early stopping, not enough combinations,
 *    MaxResource not inferable, logarithmic scaling of ranges that reach 0 or below, ...), then the
 *    service limits (more parallel or total training jobs than SageMaker allows) ->
 *    ResourceLimitExceeded in SageMaker's account-limit form.
 *
 * Where SageMaker's wording is not known the message names the member and what to do, as the
 * other validation messages here do.
 */
import { resourceLimitExceeded, validationErrors, validationException } from "../protocol/errors.js";
import {
  objectiveOf,
  rangesOf,
  trainingDefinitions,
  type CreateHyperParameterTuningJobRequest,
  type HyperParameterTrainingJobDefinition,
  type IntegerParameterRange,
  type ParameterRanges,
} from "./tuning-request.js";
import {
  CREATE_TUNING_JOB_REQUEST,
  LIST_TRAINING_JOBS_FOR_TUNING_JOB_REQUEST,
  LIST_TUNING_JOBS_REQUEST,
  TUNING_JOB_NAME_REQUEST,
} from "./tuning-shapes.js";
import { crossMemberProblem, localViolations, type CreateRequestView } from "./validate.js";
import { checkTypes, collectViolations, type StructureShape } from "./validate-model.js";

/** Hyperparameters a tuning job can search (each range counts one): "Number of hyperparameters that can be searched". */
export const MAX_TUNED_HYPERPARAMETERS = 30;
/** Static plus tunable hyperparameters of one training definition. */
export const MAX_HYPERPARAMETERS = 100;
/** Environment variables of all training definitions together (the map's maximum, shared). */
export const MAX_ENVIRONMENT_VARIABLES = 48;
/** The largest MaxResource of HyperbandStrategyConfig ("The maximum value is 20,000 epochs"). */
export const MAX_HYPERBAND_RESOURCE = 20_000;
/** The static hyperparameters Hyperband infers MaxResource from, in this order. */
export const HYPERBAND_RESOURCE_KEYS = ["epochs", "numepochs", "n-epochs", "n_epochs", "num_epochs"] as const;

/**
 * SageMaker's limits for automatic model tuning, at the most they can be raised to (optml runs the
 * jobs on your machines, so the account defaults, e.g. 10 parallel training jobs, do not apply).
 */
export const TUNING_LIMITS = {
  parallelTrainingJobs: { name: "Number of parallel training jobs per hyperparameter tuning job", max: 100 },
  trainingJobs: {
    Bayesian: { name: "[Bayesian optimization] Number of training jobs per hyperparameter tuning job", max: 750 },
    Random: { name: "[Random search] Number of training jobs per hyperparameter tuning job", max: 10_000 },
    Hyperband: { name: "[Hyperband] Number of training jobs per hyperparameter tuning job", max: 750 },
    Grid: {
      name: "[Grid] Number of training jobs per hyperparameter tuning job, either specified explicitly or inferred from the search space",
      max: 750,
    },
  },
} as const;

// ---------------------------------------------------------------------------------------------
// The operations

export function validateCreateHyperParameterTuningJob(input: Record<string, unknown>): void {
  validateShape(CREATE_TUNING_JOB_REQUEST, input);
  const request = input as unknown as CreateHyperParameterTuningJobRequest;
  const problems = tuningJobProblems(request);
  if (problems.length > 0) throw validationException(problems.join(" "));
  const limit = tuningLimitProblem(request);
  if (limit !== undefined) throw resourceLimitExceeded(limit);
}

/** Describe/Stop/DeleteHyperParameterTuningJob: the tuning job's name, required and well formed. */
export function validateTuningJobName(input: Record<string, unknown>): string {
  validateShape(TUNING_JOB_NAME_REQUEST, input);
  return input.HyperParameterTuningJobName as string;
}

export function validateListHyperParameterTuningJobs(input: Record<string, unknown>): void {
  validateShape(LIST_TUNING_JOBS_REQUEST, input);
}

/** ListTrainingJobsForHyperParameterTuningJob: the tuning job's name (the filters are checked too). */
export function validateListTrainingJobsForTuningJob(input: Record<string, unknown>): string {
  validateShape(LIST_TRAINING_JOBS_FOR_TUNING_JOB_REQUEST, input);
  return input.HyperParameterTuningJobName as string;
}

function validateShape(shape: StructureShape, input: Record<string, unknown>): void {
  checkTypes(shape, input);
  const violations = collectViolations(shape, input);
  if (violations.length > 0) throw validationErrors(violations);
}

// ---------------------------------------------------------------------------------------------
// Rules between members (the request has passed the shape checks, so its types hold)

/** Every rule between members the request breaks, as messages, in the order of the request. */
export function tuningJobProblems(request: CreateHyperParameterTuningJobRequest): string[] {
  const problems: string[] = [];
  if (isSet(request.TrainingJobDefinition) === isSet(request.TrainingJobDefinitions)) {
    problems.push("Specify exactly one of TrainingJobDefinition or TrainingJobDefinitions.");
  }
  if (isSet(request.Autotune)) {
    problems.push(
      "optml does not run Autotune: leave Autotune out and give the Strategy, ResourceLimits and parameter ranges of the tuning job yourself.",
    );
  }

  const definitions = trainingDefinitions(request);
  const several = isSet(request.TrainingJobDefinitions);
  problems.push(...definitionNameProblems(definitions, several));
  for (const [i, definition] of definitions.entries()) {
    const where = several ? `training job definition '${definition.DefinitionName ?? i + 1}'` : "the training job definition";
    // What a trial's training job could not take (channels '.' and '..', NUL characters).
    const path = several ? `trainingJobDefinitions.${i + 1}.member.` : "trainingJobDefinition.";
    problems.push(...localViolations(definition as Parameters<typeof localViolations>[0], path).map((v) => `${v}.`));
    problems.push(...definitionProblems(request, definition, where));
  }
  const environment = definitions.reduce((n, d) => n + Object.keys(d.Environment ?? {}).length, 0);
  if (environment > MAX_ENVIRONMENT_VARIABLES) {
    problems.push(
      `The training job definitions set ${environment} environment variables together; ` +
        `a tuning job can set at most ${MAX_ENVIRONMENT_VARIABLES} across all of its training job definitions.`,
    );
  }

  problems.push(...strategyProblems(request, definitions));
  problems.push(...warmStartProblems(request));
  // Definitions that share the tuning job's ranges would repeat the ranges' problems.
  return [...new Set(problems)];
}

/** Several definitions: each has a DefinitionName, and no two the same one. */
function definitionNameProblems(definitions: readonly HyperParameterTrainingJobDefinition[], several: boolean): string[] {
  if (!several) return [];
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const [i, definition] of definitions.entries()) {
    const name = definition.DefinitionName;
    if (name === undefined || name === null) {
      problems.push(`Training job definition ${i + 1} has no DefinitionName; each of several TrainingJobDefinitions needs one.`);
    } else if (seen.has(name)) {
      problems.push(`The DefinitionName '${name}' is used by more than one training job definition; each needs a name of its own.`);
    }
    if (name) seen.add(name);
  }
  return problems;
}

function definitionProblems(
  request: CreateHyperParameterTuningJobRequest,
  definition: HyperParameterTrainingJobDefinition,
  where: string,
): string[] {
  const problems: string[] = [];
  const within = (message: string) => (where === "the training job definition" ? message : `In ${where}: ${message}`);

  // The rules a CreateTrainingJob request keeps (one image or algorithm, spot wait time, channels, ...).
  const view = { ...definition, ResourceConfig: definition.ResourceConfig ?? {} } as unknown as CreateRequestView;
  const training = crossMemberProblem(view);
  if (training !== undefined) problems.push(within(training));

  if (isSet(definition.ResourceConfig) === isSet(definition.HyperParameterTuningResourceConfig)) {
    problems.push(within("A training job definition must specify exactly one of ResourceConfig or HyperParameterTuningResourceConfig."));
  }
  const flexible = definition.HyperParameterTuningResourceConfig;
  if (flexible) {
    if (isSet(flexible.InstanceConfigs) && [flexible.InstanceType, flexible.InstanceCount, flexible.VolumeSizeInGB].some(isSet)) {
      problems.push(within("If you use InstanceConfigs, do not provide values for InstanceType, VolumeSizeInGB or InstanceCount."));
    }
    if (!isSet(flexible.InstanceConfigs) && (!isSet(flexible.InstanceType) || !isSet(flexible.InstanceCount))) {
      problems.push(within("HyperParameterTuningResourceConfig needs InstanceType and InstanceCount, or InstanceConfigs."));
    }
  }

  const objective = objectiveOf(request, definition);
  if (objective === undefined || objective === null) {
    problems.push(
      within(
        "A tuning objective is required: give HyperParameterTuningJobConfig.HyperParameterTuningJobObjective " +
          "(or the TuningObjective of each training job definition).",
      ),
    );
  } else if (isSet(definition.AlgorithmSpecification.TrainingImage)) {
    const metrics = definition.AlgorithmSpecification.MetricDefinitions ?? [];
    if (!metrics.some((m) => m.Name === objective.MetricName)) {
      // SageMaker's words; the objective's metric must be one the training image's MetricDefinitions extract.
      problems.push(within("A metric is required for this hyperparameter tuning job objective. Provide a metric in the metric definitions."));
    }
  }

  const ranges = rangesOf(request, definition);
  problems.push(...rangeProblems(ranges).map(within));

  const tuned = tunedNames(ranges);
  const statics = Object.keys(definition.StaticHyperParameters ?? {});
  for (const name of statics.filter((s) => tuned.includes(s))) {
    problems.push(
      within(`The hyperparameter '${name}' is both static (StaticHyperParameters) and tuned (a parameter range); it can be only one of them.`),
    );
  }
  if (statics.length + tuned.length > MAX_HYPERPARAMETERS) {
    problems.push(
      within(
        `You can use up to ${MAX_HYPERPARAMETERS} hyperparameters in total (static + tunable); ` +
          `there are ${statics.length} static and ${tuned.length} tunable ones.`,
      ),
    );
  }

  if (request.HyperParameterTuningJobConfig.Strategy === "Hyperband") problems.push(...hyperbandResourceProblems(request, definition).map(within));
  return problems;
}

// ---------------------------------------------------------------------------------------------
// Parameter ranges

type RangeKind = "integer" | "continuous";

function rangeProblems(ranges: ParameterRanges): string[] {
  const problems: string[] = [];
  for (const range of ranges.IntegerParameterRanges ?? []) problems.push(...numericRangeProblems(range, "integer"));
  for (const range of ranges.ContinuousParameterRanges ?? []) problems.push(...numericRangeProblems(range, "continuous"));
  for (const range of ranges.CategoricalParameterRanges ?? []) {
    const repeated = range.Values.filter((v, i) => range.Values.indexOf(v) !== i);
    if (repeated.length > 0) {
      problems.push(`The categorical parameter range '${range.Name}' lists '${repeated[0]}' more than once; each value may appear once.`);
    }
  }
  if ((ranges.AutoParameters ?? []).length > 0) {
    problems.push("optml does not run Autotune, so it has no use for AutoParameters: give each hyperparameter's range instead.");
  }

  const names = tunedNames(ranges);
  for (const name of new Set(names.filter((n, i) => names.indexOf(n) !== i))) {
    problems.push(`The hyperparameter '${name}' has more than one parameter range; each tuned hyperparameter has exactly one.`);
  }
  if (names.length > MAX_TUNED_HYPERPARAMETERS) {
    problems.push(
      `A tuning job can search at most ${MAX_TUNED_HYPERPARAMETERS} hyperparameters; the parameter ranges name ${names.length}.`,
    );
  }
  return problems;
}

function numericRangeProblems(range: IntegerParameterRange, kind: RangeKind): string[] {
  const what = `the ${kind} parameter range '${range.Name}'`;
  const min = parseBound(range.MinValue, kind);
  const max = parseBound(range.MaxValue, kind);
  const problems: string[] = [];
  const shape = kind === "integer" ? "an integer" : "a number";
  if (min === undefined) problems.push(`The MinValue '${range.MinValue}' of ${what} is not ${shape}.`);
  if (max === undefined) problems.push(`The MaxValue '${range.MaxValue}' of ${what} is not ${shape}.`);
  if (min === undefined || max === undefined) return problems;

  if (min >= max) problems.push(`The MinValue ${range.MinValue} of ${what} must be less than its MaxValue ${range.MaxValue}.`);
  if (range.ScalingType === "Logarithmic" && min <= 0) {
    problems.push(`${capitalize(what)} has ScalingType Logarithmic: logarithmic scaling works only for ranges that have only values greater than 0.`);
  }
  if (range.ScalingType === "ReverseLogarithmic") {
    if (kind === "integer") {
      problems.push(`${capitalize(what)} has ScalingType ReverseLogarithmic, which is not supported for IntegerParameterRange.`);
    } else if (min < 0 || max >= 1) {
      problems.push(
        `${capitalize(what)} has ScalingType ReverseLogarithmic: reverse logarithmic scaling works only for ranges that are entirely within the range 0<=x<1.0.`,
      );
    }
  }
  return problems;
}

const INTEGER_TEXT = /^\s*[-+]?\d+\s*$/;

/** A range bound as the API gives it (a string), or undefined when it is not a finite number of its kind. */
export function parseBound(text: string, kind: RangeKind): number | undefined {
  if (kind === "integer") {
    if (!INTEGER_TEXT.test(text)) return undefined;
    const n = Number(text);
    return Number.isSafeInteger(n) ? n : undefined;
  }
  if (text.trim() === "") return undefined;
  const n = Number(text);
  return Number.isFinite(n) ? n : undefined;
}

/** The names of the tuned hyperparameters, in the order of the ranges (integer, continuous, categorical). */
export function tunedNames(ranges: ParameterRanges): string[] {
  return [
    ...(ranges.IntegerParameterRanges ?? []).map((r) => r.Name),
    ...(ranges.ContinuousParameterRanges ?? []).map((r) => r.Name),
    ...(ranges.CategoricalParameterRanges ?? []).map((r) => r.Name),
  ];
}

/**
 * How many distinct combinations the ranges allow: the product of the integer ranges' sizes and the
 * categorical ranges' value counts; Infinity when a continuous range is among them.
 */
export function combinations(ranges: ParameterRanges): number {
  if ((ranges.ContinuousParameterRanges ?? []).length > 0) return Infinity;
  let n = 1;
  for (const r of ranges.IntegerParameterRanges ?? []) {
    const min = parseBound(r.MinValue, "integer");
    const max = parseBound(r.MaxValue, "integer");
    if (min === undefined || max === undefined || max < min) return Infinity;
    n *= max - min + 1;
  }
  for (const r of ranges.CategoricalParameterRanges ?? []) n *= new Set(r.Values).size;
  return n;
}

// ---------------------------------------------------------------------------------------------
// The strategy and the resource limits

function strategyProblems(
  request: CreateHyperParameterTuningJobRequest,
  definitions: readonly HyperParameterTrainingJobDefinition[],
): string[] {
  const config = request.HyperParameterTuningJobConfig;
  const strategy = config.Strategy;
  const maxJobs = config.ResourceLimits.MaxNumberOfTrainingJobs ?? undefined;
  const problems: string[] = [];

  if (isSet(config.StrategyConfig?.HyperbandStrategyConfig) && strategy !== "Hyperband") {
    problems.push(
      `StrategyConfig.HyperbandStrategyConfig should be provided only if Hyperband is selected as the Strategy; the Strategy is ${strategy}.`,
    );
  }
  if (strategy === "Hyperband" && config.TrainingJobEarlyStoppingType === "Auto") {
    problems.push(
      "Because the Hyperband strategy has its own advanced internal early stopping mechanism, TrainingJobEarlyStoppingType must be Off to use Hyperband.",
    );
  }

  // Without a training job definition there is no search space to count (reported above).
  if (definitions.length === 0) return problems;
  const rangesOfEach = definitions.map((d) => rangesOf(request, d));
  if (strategy === "Grid") {
    const numeric = rangesOfEach.some((r) => (r.IntegerParameterRanges ?? []).length + (r.ContinuousParameterRanges ?? []).length > 0);
    if (numeric) {
      problems.push(
        "Only categorical parameters are supported when using the grid search strategy: " +
          "give the values to try as CategoricalParameterRanges instead of integer or continuous ranges.",
      );
    } else if (rangesOfEach.some((r) => (r.CategoricalParameterRanges ?? []).length === 0)) {
      problems.push("The Grid strategy searches categorical parameter ranges: give at least one CategoricalParameterRange.");
    } else {
      const total = gridSize(request);
      if (maxJobs !== undefined && maxJobs !== total) {
        problems.push(
          `With the Grid strategy, MaxNumberOfTrainingJobs (${maxJobs}) must equal the total number of distinct categorical ` +
            `combinations possible (${total}), or be left out.`,
        );
      }
    }
    return problems;
  }

  if (maxJobs === undefined) {
    problems.push(
      `ResourceLimits.MaxNumberOfTrainingJobs is required with the ${strategy} strategy (only Grid infers it from the search space).`,
    );
    return problems;
  }
  const total = rangesOfEach.reduce((n, r) => n + combinations(r), 0);
  if (total < maxJobs) {
    // SageMaker's words, numbers in its brackets.
    problems.push(
      "You don't have enough combinations of hyperparameter ranges. The total number of hyperparameter combinations for the " +
        `provided ranges [${javaDouble(total)}] must be equal or greater than the value of MaxNumberOfJobs, [${maxJobs}]. Provide additional ranges.`,
    );
  }
  return problems;
}

/** The training jobs a Grid tuning job runs: every combination of the categorical values, of every definition. */
export function gridSize(request: CreateHyperParameterTuningJobRequest): number {
  return trainingDefinitions(request).reduce((n, d) => n + combinations(rangesOf(request, d)), 0);
}

/** Hyperband's MaxResource: given, or inferred from the static hyperparameters as SageMaker does. */
export function hyperbandMaxResource(
  request: CreateHyperParameterTuningJobRequest,
  definition: HyperParameterTrainingJobDefinition,
): number | undefined {
  const given = request.HyperParameterTuningJobConfig.StrategyConfig?.HyperbandStrategyConfig?.MaxResource;
  if (given !== undefined && given !== null) return given;
  const statics = definition.StaticHyperParameters ?? {};
  for (const key of HYPERBAND_RESOURCE_KEYS) {
    const value = statics[key];
    if (value !== undefined && /^\s*\d+\s*$/.test(value) && Number(value) >= 1) return Number(value);
  }
  return undefined;
}

function hyperbandResourceProblems(request: CreateHyperParameterTuningJobRequest, definition: HyperParameterTrainingJobDefinition): string[] {
  const max = hyperbandMaxResource(request, definition);
  // SageMaker's words.
  if (max === undefined) return ["MaxResource parameter is not provided and could not be inferred from provided static hyperparameters of TrainingJobDefinition."];
  const problems: string[] = [];
  if (max > MAX_HYPERBAND_RESOURCE) problems.push(`The MaxResource of Hyperband is ${max}; the maximum value is ${MAX_HYPERBAND_RESOURCE} (epochs).`);
  const min = request.HyperParameterTuningJobConfig.StrategyConfig?.HyperbandStrategyConfig?.MinResource ?? 1;
  if (min > max) problems.push(`The MinResource of Hyperband (${min}) must not be greater than its MaxResource (${max}).`);
  return problems;
}

function warmStartProblems(request: CreateHyperParameterTuningJobRequest): string[] {
  const warm = request.WarmStartConfig;
  if (!warm) return [];
  const problems: string[] = [];
  const names = warm.ParentHyperParameterTuningJobs.map((p) => p.HyperParameterTuningJobName);
  names.forEach((name, i) => {
    if (name === undefined || name === null) problems.push(`WarmStartConfig.ParentHyperParameterTuningJobs ${i + 1} names no HyperParameterTuningJobName.`);
  });
  const given = names.filter((n): n is string => typeof n === "string");
  for (const name of new Set(given.filter((n, i) => given.indexOf(n) !== i))) {
    problems.push(`The parent tuning job '${name}' is named more than once in WarmStartConfig.ParentHyperParameterTuningJobs.`);
  }
  if (given.some((n) => n.toLowerCase() === request.HyperParameterTuningJobName.toLowerCase())) {
    problems.push(`A tuning job cannot warm start from itself: '${request.HyperParameterTuningJobName}' is among its ParentHyperParameterTuningJobs.`);
  }
  return problems;
}

/**
 * IdenticalDataAndAlgorithm warm start against one parent (the lead's control plane calls this
 * with each parent's stored request): SageMaker's message when the static plus tunable
 * hyperparameter names differ, and the training image must stay the same.
 */
export function warmStartParentProblem(
  child: CreateHyperParameterTuningJobRequest,
  parent: CreateHyperParameterTuningJobRequest,
): string | undefined {
  if (child.WarmStartConfig?.WarmStartType !== "IdenticalDataAndAlgorithm") return undefined;
  const namesOf = (request: CreateHyperParameterTuningJobRequest) =>
    new Set(trainingDefinitions(request).flatMap((d) => [...Object.keys(d.StaticHyperParameters ?? {}), ...tunedNames(rangesOf(request, d))]));
  const a = namesOf(child);
  const b = namesOf(parent);
  if (a.size !== b.size || [...a].some((n) => !b.has(n))) {
    return (
      "The set of tunable plus static HyperParameter names is not the same across current and parent tuning jobs. " +
      "Please ensure this set is constant when warm starting. Note that previously static HyperParameters can be tuned in warm start jobs and vice versa."
    );
  }
  const images = (request: CreateHyperParameterTuningJobRequest) =>
    trainingDefinitions(request).map((d) => d.AlgorithmSpecification.TrainingImage ?? d.AlgorithmSpecification.AlgorithmName);
  if (images(child).join("\n") !== images(parent).join("\n")) {
    return (
      `With WarmStartType IdenticalDataAndAlgorithm the training image must stay that of the parent tuning job ` +
      `'${parent.HyperParameterTuningJobName}'; use TransferLearning to warm start with another image or algorithm.`
    );
  }
  return undefined;
}

/** The first service limit the request goes over, in SageMaker's account-limit words; undefined when none. */
export function tuningLimitProblem(request: CreateHyperParameterTuningJobRequest): string | undefined {
  const config = request.HyperParameterTuningJobConfig;
  const parallel = config.ResourceLimits.MaxParallelTrainingJobs;
  if (parallel > TUNING_LIMITS.parallelTrainingJobs.max) return accountLimit(TUNING_LIMITS.parallelTrainingJobs, parallel);
  const limit = TUNING_LIMITS.trainingJobs[config.Strategy];
  const total = config.Strategy === "Grid" ? (config.ResourceLimits.MaxNumberOfTrainingJobs ?? gridSize(request)) : config.ResourceLimits.MaxNumberOfTrainingJobs;
  if (total !== undefined && total > limit.max) return accountLimit(limit, total);
  return undefined;
}

function accountLimit(limit: { name: string; max: number }, requested: number): string {
  return (
    `The account-level service limit '${limit.name}' is ${limit.max} Jobs, with current utilization of 0 Jobs ` +
    `and a request delta of ${requested} Jobs. ${limit.max} is the most SageMaker allows.`
  );
}

// ---------------------------------------------------------------------------------------------

const isSet = (value: unknown): boolean => value !== undefined && value !== null;
const capitalize = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);

/** A number as Java's Double.toString writes it (3 -> "3.0", 1e7 -> "1.0E7"), as SageMaker's messages show counts. */
export function javaDouble(n: number): string {
  if (!Number.isFinite(n)) return Number.isNaN(n) ? "NaN" : n > 0 ? "Infinity" : "-Infinity";
  const abs = Math.abs(n);
  if (abs === 0 || (abs >= 1e-3 && abs < 1e7)) return Number.isInteger(n) ? `${n}.0` : String(n);
  const [mantissa, exponent] = n.toExponential().split("e") as [string, string];
  return `${mantissa.includes(".") ? mantissa : `${mantissa}.0`}E${Number(exponent)}`;
}
