/**
 * How tuning jobs look in a terminal and in a pipe (display.ts does the same for training jobs):
 * the table of a tuning job's training jobs (name, tuned hyperparameters, final objective, status)
 * with the best so far marked; on a terminal a block redrawn in place as the tuning job runs, in a
 * pipe one line per training job that starts or ends; the summary of an ended tuning job (the best
 * training job, its tuned values, objective and artifacts); `optml jobs`' tuning section and
 * `optml describe`'s view of a tuning job. Pure functions of the API's answers, apart from
 * LiveBlock, which writes the block to a stream.
 */
import type { TrainingJob, Trial, TuningJob, TuningJobSummary } from "./connection.js";
import { artifactLocations, clockTime, dateTime, formatDuration, paintStatus, shownLocation, type Output, type Style } from "./display.js";
import { compactFailureReason, fullFailureReason } from "./failure-reason.js";

export type ObjectiveType = "Minimize" | "Maximize";

export interface Objective {
  readonly type: ObjectiveType;
  readonly metric: string;
}

/** The tuning job's objective: its config's, else the first definition's (TrainingJobDefinitions). */
export function objectiveOf(tuning: TuningJob): Objective | undefined {
  const given =
    tuning.HyperParameterTuningJobConfig?.HyperParameterTuningJobObjective ??
    tuning.TrainingJobDefinition?.TuningObjective ??
    tuning.TrainingJobDefinitions?.find((d) => d.TuningObjective)?.TuningObjective;
  if (!given?.MetricName || (given.Type !== "Minimize" && given.Type !== "Maximize")) return undefined;
  return { type: given.Type, metric: given.MetricName };
}

/**
 * The tuned hyperparameters' names, for the table's columns: those the ranges name (integer,
 * continuous, categorical, in the request's order, every definition's), then any other a training
 * job was given (Hyperband's resource, Autotune's choices).
 */
export function parameterNames(tuning: TuningJob, trials: readonly Trial[]): string[] {
  const names = new Set<string>();
  const ranges = [
    tuning.HyperParameterTuningJobConfig?.ParameterRanges,
    tuning.TrainingJobDefinition?.HyperParameterRanges,
    ...(tuning.TrainingJobDefinitions ?? []).map((d) => d.HyperParameterRanges),
  ];
  for (const r of ranges) {
    for (const p of [...(r?.IntegerParameterRanges ?? []), ...(r?.ContinuousParameterRanges ?? []), ...(r?.CategoricalParameterRanges ?? []), ...(r?.AutoParameters ?? [])]) {
      if (p.Name) names.add(p.Name);
    }
  }
  for (const t of trials) for (const name of Object.keys(t.TunedHyperParameters ?? {})) names.add(name);
  return [...names];
}

/** A trial's final objective value, when it has one. */
export function objectiveValue(trial: Trial): number | undefined {
  const value = trial.FinalHyperParameterTuningJobObjectiveMetric?.Value;
  return typeof value === "number" && Number.isFinite(value) ? value : undefined;
}

/** Creation order (the NNN of the names), as the tuning job made them. */
export function orderTrials(trials: readonly Trial[]): Trial[] {
  return [...trials].sort(
    (a, b) => (a.CreationTime?.getTime() ?? 0) - (b.CreationTime?.getTime() ?? 0) || (a.TrainingJobName ?? "").localeCompare(b.TrainingJobName ?? ""),
  );
}

/**
 * The best trial so far, as DescribeHyperParameterTuningJob's BestTrainingJob picks it: the best
 * final objective (Minimize: lowest, Maximize: highest) among trials that have one; a tie goes to
 * the earlier trial (`trials` in creation order).
 */
export function bestTrial(trials: readonly Trial[], type: ObjectiveType): Trial | undefined {
  let best: Trial | undefined;
  let bestValue = 0;
  for (const t of trials) {
    const value = objectiveValue(t);
    if (value === undefined) continue;
    if (best === undefined || (type === "Minimize" ? value < bestValue : value > bestValue)) {
      best = t;
      bestValue = value;
    }
  }
  return best;
}

/** A long decimal (a continuous hyperparameter, an objective) to 6 significant digits; any other text as it is. */
export function shortValue(text: string): string {
  if (text.length <= 10) return text;
  const n = Number(text);
  if (text.trim() === "" || !Number.isFinite(n)) return text;
  return String(Number(n.toPrecision(6)));
}

/** An objective value for the table: 6 significant digits. */
export function shortNumber(value: number): string {
  return String(Number(value.toPrecision(6)));
}

/** A string's width on a terminal, colour codes left out. */
export function visibleLength(text: string): number {
  let n = 0;
  for (const _ of text.replace(/\x1b\[[0-9;]*m/g, "")) n++;
  return n;
}

const NUMBER = /^-?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i;

export interface TrialTableOptions {
  /** The tuned hyperparameters' columns, in order (parameterNames). */
  readonly params: readonly string[];
  /** The best trial's name, marked `*`. */
  readonly best?: string | undefined;
  /** A DEFINITION column (a request with TrainingJobDefinitions). */
  readonly definitions?: boolean;
  /**
   * At most this many lines below the header (a terminal's height): the latest trials and the
   * best, below a line that counts the trials left out.
   */
  readonly maxRows?: number;
}

/**
 * The trials as a table, one line each (no newlines): a marker column (`*` for the best), TRAINING
 * JOB, DEFINITION (optional), one column per tuned hyperparameter, OBJECTIVE, STATUS. Columns of
 * numbers (and "-" for none) are right-aligned; widths are those of every trial, shown or not, so that the columns
 * stay put as the table grows.
 */
export function trialTable(s: Style, trials: readonly Trial[], options: TrialTableOptions): string[] {
  const header = ["TRAINING JOB", ...(options.definitions ? ["DEFINITION"] : []), ...options.params, "OBJECTIVE", "STATUS"];
  const cells = trials.map((t) => {
    const value = objectiveValue(t);
    return [
      t.TrainingJobName ?? "",
      ...(options.definitions ? [t.TrainingJobDefinitionName ?? "-"] : []),
      ...options.params.map((p) => {
        const v = t.TunedHyperParameters?.[p];
        return v === undefined ? "-" : shortValue(v);
      }),
      value === undefined ? "-" : shortNumber(value),
      t.TrainingJobStatus ?? "?",
    ];
  });
  const last = header.length - 1;
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((r) => r[i]!.length)));
  // OBJECTIVE, and the columns of numbers, right-aligned ("-" where there is none yet).
  const numeric = header.map((_, i) => i > 0 && i < last && cells.every((r) => r[i] === "-" || NUMBER.test(r[i]!)));
  const pad = (text: string, i: number) => (i === last ? text : numeric[i] ? text.padStart(widths[i]!) : text.padEnd(widths[i]!));
  const line = (marker: string, row: readonly string[], paint: (text: string, i: number) => string) => `${marker} ${row.map((c, i) => paint(pad(c, i), i)).join("  ")}`.trimEnd();

  let shown = trials.map((_, i) => i);
  let hidden = 0;
  const max = options.maxRows;
  if (max !== undefined && trials.length > max) {
    const room = Math.max(1, max - 1);
    const bestAt = trials.findIndex((t) => t.TrainingJobName === options.best);
    const tail = shown.slice(-room);
    shown = bestAt >= 0 && !tail.includes(bestAt) ? [bestAt, ...tail.slice(1)] : tail;
    hidden = trials.length - shown.length;
  }
  const lines = [s.bold(line(" ", header, (text) => text))];
  if (hidden > 0) lines.push(s.dim(`  ... ${hidden} more training job${hidden === 1 ? "" : "s"} not shown`));
  for (const i of shown) {
    const isBest = options.best !== undefined && trials[i]!.TrainingJobName === options.best;
    lines.push(
      line(isBest ? s.green("*") : " ", cells[i]!, (text, column) => {
        if (column === last) return paintStatus(s, text);
        return isBest && (column === 0 || column === last - 1) ? s.bold(s.green(text)) : text;
      }),
    );
  }
  return lines;
}

/** "4 Completed, 2 InProgress, 1 Failed": the nonzero TrainingJobStatusCounters (NonRetryableError is Failed). */
export function countersText(tuning: Pick<TuningJob, "TrainingJobStatusCounters">): string {
  const c = tuning.TrainingJobStatusCounters ?? {};
  const parts: [number | undefined, string][] = [
    [c.Completed, "Completed"],
    [c.InProgress, "InProgress"],
    [c.NonRetryableError, "Failed"],
    [c.RetryableError, "RetryableError"],
    [c.Stopped, "Stopped"],
  ];
  return parts
    .filter(([n]) => (n ?? 0) > 0)
    .map(([n, what]) => `${n} ${what}`)
    .join(", ");
}

/** How many training jobs the tuning job has made (every counter). */
export function trialCount(tuning: Pick<TuningJob, "TrainingJobStatusCounters">): number {
  const c = tuning.TrainingJobStatusCounters ?? {};
  return (c.Completed ?? 0) + (c.InProgress ?? 0) + (c.NonRetryableError ?? 0) + (c.RetryableError ?? 0) + (c.Stopped ?? 0);
}

function tuningSeconds(creation: Date | undefined, end: Date | undefined, now: number): number | undefined {
  return creation ? ((end?.getTime() ?? now) - creation.getTime()) / 1000 : undefined;
}

/** "Bayesian search, Minimize objective": what the tuning job does, said once at the start. */
export function tuningHeadline(tuning: TuningJob): string {
  const config = tuning.HyperParameterTuningJobConfig;
  const objective = objectiveOf(tuning);
  const limits = config?.ResourceLimits;
  const parts = [`${config?.Strategy ?? "?"} search`];
  if (objective) parts.push(`${objective.type} ${objective.metric}`);
  if (limits?.MaxNumberOfTrainingJobs !== undefined) parts.push(`up to ${limits.MaxNumberOfTrainingJobs} training jobs`);
  if (limits?.MaxParallelTrainingJobs !== undefined) parts.push(`${limits.MaxParallelTrainingJobs} at a time`);
  if (config?.TrainingJobEarlyStoppingType === "Auto") parts.push("early stopping");
  return parts.join(", ");
}

/** "InProgress 1 min 2 s: 7 of 20 training jobs: 4 Completed, 2 InProgress, 1 Failed" */
export function progressLine(s: Style, tuning: TuningJob, now = Date.now()): string {
  const seconds = tuningSeconds(tuning.CreationTime, tuning.HyperParameterTuningEndTime, now);
  const max = tuning.HyperParameterTuningJobConfig?.ResourceLimits?.MaxNumberOfTrainingJobs;
  const count = trialCount(tuning);
  const counters = countersText(tuning);
  const jobs = `${count}${max !== undefined ? ` of ${max}` : ""} training job${(max ?? count) === 1 ? "" : "s"}`;
  return `${paintStatus(s, tuning.HyperParameterTuningJobStatus ?? "?")}${seconds !== undefined ? ` ${formatDuration(seconds)}` : ""}: ${jobs}${counters ? `: ${counters}` : ""}`;
}

/** `x1=0.5 x2=3`, in the columns' order. */
function tunedText(trial: Trial, params: readonly string[]): string {
  const tuned = trial.TunedHyperParameters ?? {};
  const names = [...params.filter((p) => p in tuned), ...Object.keys(tuned).filter((k) => !params.includes(k))];
  return names.map((p) => `${p}=${shortValue(tuned[p]!)}`).join(" ");
}

export interface TrialEventOptions {
  readonly params: readonly string[];
  readonly best?: string | undefined;
  readonly at: Date;
}

/**
 * The lines of a pipe's display for one look at the trials: one for each trial whose status is not
 * the one `before` has for it (a new trial, one that ended), with its tuned values, and its
 * objective, "best so far" or failure reason once it has them.
 */
export function trialEvents(s: Style, before: ReadonlyMap<string, string>, trials: readonly Trial[], options: TrialEventOptions): string[] {
  const lines: string[] = [];
  for (const t of trials) {
    const name = t.TrainingJobName ?? "";
    const status = t.TrainingJobStatus ?? "?";
    if (before.get(name) === status) continue;
    const parts = [`${s.dim(clockTime(options.at))} ${paintStatus(s, status.padEnd(12))} ${name}`];
    const tuned = tunedText(t, options.params);
    if (tuned) parts.push(tuned);
    const value = objectiveValue(t);
    if (value !== undefined) parts.push(`objective ${value}${name === options.best ? ` ${s.green("(best so far)")}` : ""}`);
    if (t.FailureReason) parts.push(s.red(compactFailureReason(t.FailureReason, name)[0] ?? t.FailureReason));
    lines.push(parts.join("  "));
  }
  return lines;
}

/** The statuses of the trials, for the next trialEvents. */
export function statusesOf(trials: readonly Trial[]): Map<string, string> {
  return new Map(trials.map((t) => [t.TrainingJobName ?? "", t.TrainingJobStatus ?? "?"]));
}

/** The best training job's tuned values and objective, indented under a heading. */
function bestLines(s: Style, best: Trial, objective: Objective | undefined, params: readonly string[], indent: string): string[] {
  const lines = [`${indent}${s.bold("Best training job:")} ${s.green(best.TrainingJobName ?? "?")}`];
  const tuned = best.TunedHyperParameters ?? {};
  const names = [...params.filter((p) => p in tuned), ...Object.keys(tuned).filter((k) => !params.includes(k))];
  const width = Math.max(0, ...names.map((n) => n.length));
  lines.push(...names.map((n) => `${indent}  ${n.padEnd(width)} = ${tuned[n]}`));
  const metric = best.FinalHyperParameterTuningJobObjectiveMetric;
  if (metric?.Value !== undefined) {
    const type = metric.Type ?? objective?.type;
    lines.push(`${indent}${s.bold("Objective:")} ${metric.MetricName ?? objective?.metric ?? "?"} = ${metric.Value}${type ? ` (${type})` : ""}`);
  }
  return lines;
}

/**
 * The summary of an ended tuning job: status, name, duration, training jobs, failure reason, the
 * best training job (tuned values, objective) and its artifacts (`bestJob`: its
 * DescribeTrainingJob), the overall best of a warm start.
 */
export function tuningSummary(s: Style, tuning: TuningJob, bestJob?: TrainingJob, now = Date.now()): string {
  const status = tuning.HyperParameterTuningJobStatus ?? "?";
  const seconds = tuningSeconds(tuning.CreationTime, tuning.HyperParameterTuningEndTime ?? tuning.LastModifiedTime, now);
  const count = trialCount(tuning);
  const counters = countersText(tuning);
  const lines = [
    `${s.bold(paintStatus(s, status))} ${s.bold(tuning.HyperParameterTuningJobName ?? "")}${seconds !== undefined ? ` in ${formatDuration(seconds)}` : ""}: ${count} training job${count === 1 ? "" : "s"}${counters ? ` (${counters})` : ""}`,
  ];
  if (tuning.FailureReason) lines.push(`  ${s.red("Failure reason:")} ${tuning.FailureReason}`);
  const objective = objectiveOf(tuning);
  const params = parameterNames(tuning, tuning.BestTrainingJob ? [tuning.BestTrainingJob] : []);
  if (tuning.BestTrainingJob) {
    lines.push(...bestLines(s, tuning.BestTrainingJob, objective, params, "  "));
    const { model, output } = bestJob ? artifactLocations(bestJob) : {};
    if (model) lines.push(`  Model:  ${shownLocation(model)}`);
    if (output) lines.push(`  Output: ${shownLocation(output)}`);
  } else if (objective) {
    lines.push(`  ${s.yellow("No training job reported the objective metric")} ${objective.metric}: the MetricDefinitions' regex must match a line the program prints`);
  }
  const overall = tuning.OverallBestTrainingJob;
  if (overall && overall.TrainingJobName !== tuning.BestTrainingJob?.TrainingJobName) {
    const value = objectiveValue(overall);
    lines.push(`  Overall best, with the parent tuning jobs: ${overall.TrainingJobName}${value !== undefined ? ` (objective ${value})` : ""}`);
  }
  const converged = tuning.TuningJobCompletionDetails?.ConvergenceDetectedTime;
  if (converged) lines.push(`  Convergence detected at ${dateTime(converged)}`);
  return `${lines.join("\n")}\n`;
}

/** `optml jobs`' tuning section: TUNING JOB, STATUS, STRATEGY, TRAINING JOBS, CREATED, DURATION. */
export function tuningJobsTable(s: Style, jobs: readonly TuningJobSummary[], now = Date.now()): string {
  const rows = jobs.map((j) => {
    const running = j.HyperParameterTuningJobStatus === "InProgress" || j.HyperParameterTuningJobStatus === "Stopping";
    const seconds = tuningSeconds(j.CreationTime, j.HyperParameterTuningEndTime ?? (running ? undefined : j.LastModifiedTime), now);
    const max = j.ResourceLimits?.MaxNumberOfTrainingJobs;
    const inProgress = j.TrainingJobStatusCounters?.InProgress ?? 0;
    const count = `${trialCount(j)}${max !== undefined ? `/${max}` : ""}${inProgress > 0 ? ` (${inProgress} running)` : ""}`;
    return [j.HyperParameterTuningJobName ?? "", j.HyperParameterTuningJobStatus ?? "", j.Strategy ?? "", count, dateTime(j.CreationTime), seconds !== undefined ? formatDuration(seconds) : "-"];
  });
  const header = ["TUNING JOB", "STATUS", "STRATEGY", "TRAINING JOBS", "CREATED", "DURATION"];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const pad = (text: string, column: number) => (column === header.length - 1 ? text : text.padEnd(widths[column]!));
  const cell = (text: string, column: number) => (column === 1 ? paintStatus(s, text) + pad(text, column).slice(text.length) : pad(text, column));
  return [s.bold(header.map(pad).join("  ")), ...rows.map((row) => row.map(cell).join("  "))].map((line) => `${line}\n`).join("");
}

function decoded(value: string): string {
  try {
    const v: unknown = JSON.parse(value);
    return typeof v === "string" ? v : value;
  } catch {
    return value;
  }
}

/** "x1: Continuous 0 to 10 (Logarithmic)", one per range. */
function rangeLines(tuning: TuningJob): string[] {
  const ranges = [
    tuning.HyperParameterTuningJobConfig?.ParameterRanges,
    tuning.TrainingJobDefinition?.HyperParameterRanges,
    ...(tuning.TrainingJobDefinitions ?? []).map((d) => d.HyperParameterRanges),
  ];
  const lines: string[] = [];
  for (const r of ranges) {
    const scaling = (t: string | undefined) => (t && t !== "Auto" ? ` (${t})` : "");
    for (const p of r?.IntegerParameterRanges ?? []) lines.push(`${p.Name}: Integer ${p.MinValue} to ${p.MaxValue}${scaling(p.ScalingType)}`);
    for (const p of r?.ContinuousParameterRanges ?? []) lines.push(`${p.Name}: Continuous ${p.MinValue} to ${p.MaxValue}${scaling(p.ScalingType)}`);
    for (const p of r?.CategoricalParameterRanges ?? []) lines.push(`${p.Name}: Categorical ${(p.Values ?? []).join(", ")}`);
    for (const p of r?.AutoParameters ?? []) lines.push(`${p.Name}: Auto (${p.ValueHint})`);
  }
  return lines;
}

/** A tuning job as a person reads it (`optml describe`), with the table of its training jobs. */
export function describeTuningText(s: Style, tuning: TuningJob, trials: readonly Trial[], now = Date.now()): string {
  const out: string[] = [];
  const field = (name: string, value: string | undefined) => {
    if (value !== undefined && value !== "") out.push(`${s.bold(`${name}:`.padEnd(15))}${value}`);
  };
  const config = tuning.HyperParameterTuningJobConfig;
  field("Tuning job", tuning.HyperParameterTuningJobName);
  field("ARN", tuning.HyperParameterTuningJobArn);
  field("Status", paintStatus(s, tuning.HyperParameterTuningJobStatus ?? "?"));
  if (tuning.FailureReason) {
    const [first, ...rest] = fullFailureReason(tuning.FailureReason);
    out.push(`${s.bold("Failure reason:")} ${first}`, ...rest.map((l) => `  ${l}`));
  }
  field("Search", tuningHeadline(tuning));
  const limits = config?.ResourceLimits;
  if (limits?.MaxRuntimeInSeconds !== undefined) field("Max runtime", formatDuration(limits.MaxRuntimeInSeconds));
  if (config?.RandomSeed !== undefined) field("Random seed", String(config.RandomSeed));
  const criteria = config?.TuningJobCompletionCriteria;
  if (criteria) {
    const parts = [
      criteria.TargetObjectiveMetricValue !== undefined ? `objective reaches ${criteria.TargetObjectiveMetricValue}` : undefined,
      criteria.BestObjectiveNotImproving?.MaxNumberOfTrainingJobsNotImproving !== undefined
        ? `best not improving for ${criteria.BestObjectiveNotImproving.MaxNumberOfTrainingJobsNotImproving} training jobs`
        : undefined,
      criteria.ConvergenceDetected?.CompleteOnConvergence === "Enabled" ? "convergence detected" : undefined,
    ].filter((p) => p !== undefined);
    if (parts.length) field("Completes when", parts.join("; "));
  }
  const parents = tuning.WarmStartConfig?.ParentHyperParameterTuningJobs ?? [];
  if (parents.length) field("Warm start", `${tuning.WarmStartConfig?.WarmStartType ?? "?"} from ${parents.map((p) => p.HyperParameterTuningJobName).join(", ")}`);
  field("Created", dateTime(tuning.CreationTime));
  if (tuning.HyperParameterTuningEndTime) field("Ended", dateTime(tuning.HyperParameterTuningEndTime));
  const running = tuning.HyperParameterTuningJobStatus === "InProgress" || tuning.HyperParameterTuningJobStatus === "Stopping";
  const seconds = tuningSeconds(tuning.CreationTime, tuning.HyperParameterTuningEndTime ?? (running ? undefined : tuning.LastModifiedTime), now);
  if (seconds !== undefined) field("Duration", formatDuration(seconds));
  const runtime = tuning.ConsumedResources?.RuntimeInSeconds;
  if (runtime !== undefined) field("Training time", formatDuration(runtime));
  const ranges = rangeLines(tuning);
  if (ranges.length) out.push(s.bold("Ranges:"), ...ranges.map((l) => `  ${l}`));
  const definitions = [tuning.TrainingJobDefinition, ...(tuning.TrainingJobDefinitions ?? [])].filter((d) => d !== undefined);
  for (const d of definitions) {
    const hps = d.StaticHyperParameters ?? {};
    const heading = definitions.length > 1 || d.DefinitionName ? `Definition ${d.DefinitionName ?? "?"}` : undefined;
    if (heading) out.push(s.bold(`${heading}:`));
    const indent = heading ? "  " : "";
    const sub = (name: string, value: string | undefined) => {
      if (value !== undefined && value !== "") out.push(`${indent}${s.bold(`${name}:`.padEnd(15 - indent.length))}${value}`);
    };
    sub("Image", d.AlgorithmSpecification?.TrainingImage ?? d.AlgorithmSpecification?.AlgorithmName);
    sub("Program", hps.sagemaker_program !== undefined ? decoded(hps.sagemaker_program) : undefined);
    sub("Code", hps.sagemaker_submit_directory !== undefined ? shownLocation(decoded(hps.sagemaker_submit_directory)) : undefined);
    const user = Object.entries(hps).filter(([k]) => !k.startsWith("sagemaker_"));
    if (user.length) out.push(`${indent}${s.bold("Static hyperparameters:")}`, ...user.sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, v]) => `${indent}  ${k} = ${v}`));
    sub("Output path", d.OutputDataConfig?.S3OutputPath ? shownLocation(d.OutputDataConfig.S3OutputPath) : undefined);
  }
  const counters = countersText(tuning);
  field("Training jobs", `${trialCount(tuning)}${counters ? ` (${counters})` : ""}`);
  const objectives = tuning.ObjectiveStatusCounters;
  if (objectives) field("Objectives", `${objectives.Succeeded ?? 0} Succeeded, ${objectives.Pending ?? 0} Pending, ${objectives.Failed ?? 0} Failed`);
  const objective = objectiveOf(tuning);
  const params = parameterNames(tuning, trials);
  if (tuning.BestTrainingJob) out.push(...bestLines(s, tuning.BestTrainingJob, objective, params, ""));
  const overall = tuning.OverallBestTrainingJob;
  if (overall && overall.TrainingJobName !== tuning.BestTrainingJob?.TrainingJobName) field("Overall best", overall.TrainingJobName);
  if (trials.length) {
    const definitionsColumn = (tuning.TrainingJobDefinitions?.length ?? 0) > 1;
    out.push("", ...trialTable(s, trials, { params, best: tuning.BestTrainingJob?.TrainingJobName, definitions: definitionsColumn }));
  }
  return `${out.join("\n")}\n`;
}

/** The terminal rows that `lines` take at `columns` wide (a longer line wraps). */
export function screenRows(lines: readonly string[], columns: number | undefined): number {
  if (!columns || columns <= 0) return lines.length;
  return lines.reduce((rows, line) => rows + Math.max(1, Math.ceil(visibleLength(line) / columns)), 0);
}

/** A terminal (a TTY stream): its size, when known. */
export interface Screen extends Output {
  readonly columns?: number;
  readonly rows?: number;
}

/**
 * A block of lines at the bottom of a terminal, redrawn in place: each draw moves the cursor up
 * over the rows the last one took and clears to the end of the screen before writing the new
 * lines. Text printed meanwhile goes above the block.
 */
export class LiveBlock {
  private rows = 0;
  private lines: readonly string[] = [];

  constructor(private readonly screen: Screen) {}

  draw(lines: readonly string[]): void {
    this.lines = lines;
    this.screen.write(`${this.erase()}${lines.map((l) => `${l}\n`).join("")}`);
    this.rows = screenRows(lines, this.screen.columns);
  }

  /** Write `text` to `out` above the block (the same terminal), then the block again. */
  print(out: Output, text: string): void {
    this.screen.write(this.erase());
    this.rows = 0;
    out.write(text);
    if (this.lines.length) this.draw(this.lines);
  }

  /** The lines the block may take: the terminal's height, less a line for the cursor. */
  get height(): number {
    return Math.max(5, (this.screen.rows || 24) - 1);
  }

  private erase(): string {
    return this.rows > 0 ? `\x1b[${this.rows}A\r\x1b[J` : "";
  }
}
