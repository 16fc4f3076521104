/**
 * How jobs look in a terminal and in a pipe: colour only on a TTY and never with NO_COLOR, a
 * spinner only on a TTY, log lines prefixed with their host, status transitions, and the summary
 * of an ended job (final metrics, artifact locations, duration).
 */
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { TrainingJob } from "./connection.js";
import { compactFailureReason, importHint } from "./failure-reason.js";

export interface Output {
  write(text: string): unknown;
  readonly isTTY?: boolean;
}

/** Colour on a terminal, unless NO_COLOR is set to anything but "" (https://no-color.org). */
export function colourEnabled(stream: Output, env: NodeJS.ProcessEnv = process.env): boolean {
  return stream.isTTY === true && (env.NO_COLOR === undefined || env.NO_COLOR === "") && env.TERM !== "dumb";
}

export interface Style {
  readonly bold: (s: string) => string;
  readonly dim: (s: string) => string;
  readonly red: (s: string) => string;
  readonly green: (s: string) => string;
  readonly yellow: (s: string) => string;
  readonly cyan: (s: string) => string;
}

export function style(enabled: boolean): Style {
  const sgr = (open: number, close: number) => (s: string) => (enabled ? `\x1b[${open}m${s}\x1b[${close}m` : s);
  return { bold: sgr(1, 22), dim: sgr(2, 22), red: sgr(31, 39), green: sgr(32, 39), yellow: sgr(33, 39), cyan: sgr(36, 39) };
}

/** The colour of a status, primary or secondary. */
export function paintStatus(s: Style, status: string): string {
  if (status === "Completed") return s.green(status);
  if (status === "Failed") return s.red(status);
  if (status === "Stopped" || status === "Stopping" || status === "MaxRuntimeExceeded" || status === "Interrupted") return s.yellow(status);
  return s.cyan(status);
}

/** 0.4 s, 12.3 s, 2 min 5 s, 1 h 2 min. */
export function formatDuration(seconds: number): string {
  if (seconds < 60) return `${seconds < 10 ? seconds.toFixed(1) : Math.round(seconds)} s`;
  const whole = Math.round(seconds);
  if (whole < 3600) return `${Math.floor(whole / 60)} min ${whole % 60} s`;
  return `${Math.floor(whole / 3600)} h ${Math.floor((whole % 3600) / 60)} min`;
}

/** HH:MM:SS, local time. */
export function clockTime(date: Date | number): string {
  const d = typeof date === "number" ? new Date(date) : date;
  return [d.getHours(), d.getMinutes(), d.getSeconds()].map((n) => String(n).padStart(2, "0")).join(":");
}

/** `2024-01-31 23:59:59`, local time. */
export function dateTime(date: Date | undefined): string {
  if (!date) return "-";
  const day = [date.getFullYear(), date.getMonth() + 1, date.getDate()].map((n) => String(n).padStart(2, "0")).join("-");
  return `${day} ${clockTime(date)}`;
}

/** The host of a log stream `<job>/algo-1-1700000000`: `algo-1`. */
export function hostOfStream(stream: string): string {
  const last = stream.slice(stream.lastIndexOf("/") + 1);
  return last.replace(/-\d+$/, "") || last;
}

/** A local path for a file:// URI (what a person opens), the URI otherwise. */
export function shownLocation(uri: string): string {
  if (!uri.startsWith("file://")) return uri;
  try {
    return fileURLToPath(uri);
  } catch {
    return uri;
  }
}

export const RUNNER_PREFIX = "[optml-train] ";

/** How the control plane writes a job's warning into each host's log. */
export const WARNING_LOG_PREFIX = "[optml] warning: ";

/** One of the job's warnings (DescribeTrainingJob's OptmlWarnings), shown once. */
export function warningLine(s: Style, warning: string): string {
  return `${s.yellow(`optml: warning: ${warning}`)}\n`;
}

/** What runs the job, said once its hosts are launched: "optml: executor: local processes". */
export function executorLine(s: Style, executor: NonNullable<TrainingJob["OptmlExecutor"]>): string {
  return `${s.dim(`optml: executor: ${executor.Description}`)}\n`;
}

export function logLine(s: Style, host: string, message: string): string {
  const text = message.startsWith(RUNNER_PREFIX) ? s.dim(message) : message;
  return `${s.dim(`[${host}]`)} ${text}\n`;
}

export function transitionLine(s: Style, at: Date | undefined, status: string, message: string | undefined): string {
  return `${s.dim(at ? clockTime(at) : "--:--:--")} ${paintStatus(s, status.padEnd(12))} ${message ?? ""}`.trimEnd() + "\n";
}

/** The job's duration: from creation to its end (or now, while it runs). */
export function jobSeconds(job: TrainingJob, now = Date.now()): number | undefined {
  if (!job.CreationTime) return undefined;
  const end = job.TrainingEndTime ?? (["Completed", "Failed", "Stopped"].includes(job.TrainingJobStatus ?? "") ? job.LastModifiedTime : undefined);
  return ((end?.getTime() ?? now) - job.CreationTime.getTime()) / 1000;
}

/** Time in training (TrainingStartTime to TrainingEndTime), to the millisecond where the times allow. */
export function trainingSeconds(job: TrainingJob): number | undefined {
  if (job.TrainingStartTime && job.TrainingEndTime) return (job.TrainingEndTime.getTime() - job.TrainingStartTime.getTime()) / 1000;
  return job.TrainingTimeInSeconds;
}

/** "4.1 s (training 3.9 s)" */
export function durationText(job: TrainingJob): string | undefined {
  const seconds = jobSeconds(job);
  if (seconds === undefined) return undefined;
  const training = trainingSeconds(job);
  return `${formatDuration(seconds)}${training !== undefined ? ` (training ${formatDuration(training)})` : ""}`;
}

/** model.tar.gz, and output.tar.gz beside it when it is there. */
export function artifactLocations(job: TrainingJob): { model?: string; output?: string } {
  const model = job.ModelArtifacts?.S3ModelArtifacts;
  if (!model) return {};
  const output = model.replace(/model\.tar\.gz$/, "output.tar.gz");
  const outputThere = output !== model && (!output.startsWith("file://") || existsSync(shownLocation(output)));
  return { model, ...(outputThere && output.startsWith("file://") ? { output } : {}) };
}

/** The summary of an ended job: status, name, duration, failure reason, final metrics, artifacts. */
export function jobSummary(s: Style, job: TrainingJob): string {
  const status = job.SecondaryStatus === "MaxRuntimeExceeded" ? "Stopped (MaxRuntimeExceeded)" : (job.TrainingJobStatus ?? "?");
  const duration = durationText(job);
  const lines = [`${s.bold(paintStatus(s, status))} ${s.bold(job.TrainingJobName ?? "")}${duration !== undefined ? ` in ${duration}` : ""}`];
  if (job.FailureReason) {
    const [first, ...rest] = compactFailureReason(job.FailureReason, job.TrainingJobName);
    lines.push(`  ${s.red("Failure reason:")} ${first}`, ...rest.map((l) => `    ${l}`));
    const hint = importHint(job);
    if (hint.length) lines.push(`  ${s.yellow("Hint:")} ${hint[0]}`, ...hint.slice(1).map((l) => `    ${l}`));
  }
  const metrics = job.FinalMetricDataList ?? [];
  if (metrics.length) {
    const width = Math.max(...metrics.map((m) => (m.MetricName ?? "").length));
    lines.push("  Final metrics:", ...metrics.map((m) => `    ${(m.MetricName ?? "").padEnd(width)}  ${m.Value}`));
  }
  const { model, output } = artifactLocations(job);
  if (model) lines.push(`  Model:  ${shownLocation(model)}`);
  if (output) lines.push(`  Output: ${shownLocation(output)}`);
  return `${lines.join("\n")}\n`;
}

const FRAMES = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];

/** One line on a terminal that shows what the job waits for and for how long; nothing elsewhere. */
export class Spinner {
  private text: string | undefined;
  private since = Date.now();
  private frame = 0;
  private shown = false;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly stream: Output,
    private readonly enabled: boolean,
  ) {}

  /** Show `text` (undefined hides the spinner); the clock restarts when the text changes. */
  set(text: string | undefined): void {
    if (!this.enabled) return;
    if (text !== this.text) this.since = Date.now();
    this.text = text;
    if (text === undefined) {
      this.clear();
      if (this.timer) clearInterval(this.timer);
      this.timer = undefined;
      return;
    }
    if (!this.timer) {
      this.timer = setInterval(() => this.draw(), 100);
      this.timer.unref();
    }
    this.draw();
  }

  /** Write above the spinner. */
  print(out: Output, text: string): void {
    this.clear();
    out.write(text);
    if (this.text !== undefined) this.draw();
  }

  stop(): void {
    this.set(undefined);
  }

  private clear(): void {
    if (this.shown) this.stream.write("\r\x1b[2K");
    this.shown = false;
  }

  private draw(): void {
    if (this.text === undefined) return;
    const seconds = Math.floor((Date.now() - this.since) / 1000);
    this.frame = (this.frame + 1) % FRAMES.length;
    this.stream.write(`\r\x1b[2K${FRAMES[this.frame]} ${this.text} ${seconds}s`);
    this.shown = true;
  }
}
