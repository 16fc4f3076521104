/**
 * Processing jobs in the CLI: following one (DescribeProcessingJob for its status, its hosts' lines
 * from /aws/sagemaker/ProcessingJobs), submitting one (`optml process`), and how one reads (the
 * summary at its end, `optml describe`, the table of `optml jobs`).
 */
import { setTimeout as sleep } from "node:timers/promises";
import { LOG_GROUPS } from "@optml/server";
import { ENDED, type Connection, type ProcessingJob, type ProcessingJobSummary } from "./connection.js";
import { dateTime, formatDuration, paintStatus, shownLocation, transitionLine, warningLine, type Style } from "./display.js";
import { newLogItems, printItems, type FollowOptions, type Item } from "./follow.js";
import { exitCodeForStatus, followToEnd, submitThenFollow, type SubmitOptions } from "./submit.js";

const STATUS_MESSAGES: Record<string, string> = {
  InProgress: "Processing job in progress",
  Stopping: "Stopping the processing job",
  Completed: "Processing job completed",
  Stopped: "Processing job stopped",
};

export interface FollowedProcessing {
  readonly job: ProcessingJob;
  readonly interrupted: boolean;
}

/** Print a processing job's status changes (with `transitions`) and its hosts' lines, until it ends when `untilEnd`. */
export async function followProcessingJob(conn: Connection, name: string, options: FollowOptions): Promise<FollowedProcessing> {
  const s = options.style;
  const json = options.format === "json";
  const tokens = new Map<string, string | undefined>();
  const shownWarnings = new Set<string>();
  let lastStatus: string | undefined;
  let order = 0;
  for (;;) {
    const job = await conn.describeProcessingJob(name);
    const status = job.ProcessingJobStatus ?? "?";
    const ended = ENDED.includes(status);
    const items: Item[] = [];
    if (options.transitions && !json && status !== lastStatus) {
      const at = ended ? (job.ProcessingEndTime ?? job.LastModifiedTime) : lastStatus === undefined ? job.CreationTime : job.LastModifiedTime;
      const message = status === "Failed" ? job.FailureReason : STATUS_MESSAGES[status];
      items.push({ at: at?.getTime() ?? Date.now(), order: order++, text: transitionLine(s, at, status, message), last: ended });
      for (const w of (job.OptmlWarnings ?? []).filter((w) => !shownWarnings.has(w))) {
        shownWarnings.add(w);
        items.push({ at: at?.getTime() ?? Date.now(), order: order++, text: warningLine(s, w) });
      }
      lastStatus = status;
    }
    order = await newLogItems(conn, name, LOG_GROUPS.processing, tokens, { style: s, json, shownWarnings }, items, order);
    printItems(options, items);
    if (ended || !options.untilEnd) {
      options.spinner?.stop();
      return { job, interrupted: false };
    }
    options.spinner?.set(STATUS_MESSAGES[status] ?? status);
    if (!options.signal?.aborted) await sleep(options.pollMs ?? 250, undefined, options.signal ? { signal: options.signal } : {}).catch(() => undefined);
    if (options.signal?.aborted) {
      options.spinner?.stop();
      return { job, interrupted: true };
    }
  }
}

/** Poll a processing job until it has ended. */
export async function waitForProcessingEnd(conn: Connection, name: string, pollMs = 250): Promise<ProcessingJob> {
  for (;;) {
    const job = await conn.describeProcessingJob(name);
    if (ENDED.includes(job.ProcessingJobStatus ?? "")) return job;
    await sleep(pollMs);
  }
}

function seconds(job: Pick<ProcessingJob, "CreationTime" | "ProcessingEndTime" | "LastModifiedTime" | "ProcessingJobStatus">): number | undefined {
  if (!job.CreationTime) return undefined;
  const end = job.ProcessingEndTime ?? (ENDED.includes(job.ProcessingJobStatus ?? "") ? job.LastModifiedTime : undefined);
  return ((end?.getTime() ?? Date.now()) - job.CreationTime.getTime()) / 1000;
}

/** The summary of an ended processing job: status, name, duration, failure reason, exit message, outputs. */
export function processingSummary(s: Style, job: ProcessingJob): string {
  const duration = seconds(job);
  const lines = [`${s.bold(paintStatus(s, job.ProcessingJobStatus ?? "?"))} ${s.bold(job.ProcessingJobName ?? "")}${duration !== undefined ? ` in ${formatDuration(duration)}` : ""}`];
  if (job.FailureReason) lines.push(`  ${s.red("Failure reason:")} ${job.FailureReason}`);
  if (job.ExitMessage) lines.push(`  Exit message: ${job.ExitMessage.trimEnd()}`);
  for (const o of job.ProcessingOutputConfig?.Outputs ?? []) if (o.S3Output) lines.push(`  Output ${o.OutputName}: ${shownLocation(o.S3Output.S3Uri ?? "")}`);
  return `${lines.join("\n")}\n`;
}

/** A processing job as a person reads it (`optml describe`). */
export function describeProcessingText(s: Style, job: ProcessingJob): string {
  const out: string[] = [];
  const field = (name: string, value: string | undefined) => {
    if (value !== undefined && value !== "") out.push(`${s.bold(`${name}:`.padEnd(15))}${value}`);
  };
  field("Name", job.ProcessingJobName);
  field("Kind", "processing job");
  field("ARN", job.ProcessingJobArn);
  field("Status", paintStatus(s, job.ProcessingJobStatus ?? "?"));
  if (job.FailureReason) out.push(`${s.bold("Failure reason:")} ${job.FailureReason}`);
  field("Exit message", job.ExitMessage?.trimEnd());
  for (const warning of job.OptmlWarnings ?? []) out.push(`${s.yellow("Warning:")} ${warning}`);
  field("Created", dateTime(job.CreationTime));
  if (job.ProcessingStartTime) field("Started", dateTime(job.ProcessingStartTime));
  if (job.ProcessingEndTime) field("Ended", dateTime(job.ProcessingEndTime));
  const duration = seconds(job);
  field("Duration", duration !== undefined ? formatDuration(duration) : undefined);
  const cluster = job.ProcessingResources?.ClusterConfig;
  if (cluster) field("Resources", `${cluster.InstanceCount ?? "?"} x ${cluster.InstanceType ?? "?"}`);
  field("Image", job.AppSpecification?.ImageUri);
  field("Executor", job.OptmlExecutor?.Description);
  field("Entrypoint", job.AppSpecification?.ContainerEntrypoint?.join(" "));
  field("Arguments", job.AppSpecification?.ContainerArguments?.join(" "));
  const inputs = job.ProcessingInputs ?? [];
  if (inputs.length) {
    out.push(s.bold("Inputs:"));
    for (const i of inputs) out.push(`  ${i.InputName}: ${i.S3Input ? `${shownLocation(i.S3Input.S3Uri ?? "")} -> ${i.S3Input.LocalPath}` : "(a dataset definition)"}`);
  }
  const outputs = job.ProcessingOutputConfig?.Outputs ?? [];
  if (outputs.length) {
    out.push(s.bold("Outputs:"));
    for (const o of outputs) out.push(`  ${o.OutputName}: ${o.S3Output ? `${o.S3Output.LocalPath} -> ${shownLocation(o.S3Output.S3Uri ?? "")} (${o.S3Output.S3UploadMode})` : "(not S3)"}`);
  }
  return `${out.join("\n")}\n`;
}

/** NAME, STATUS, CREATED, DURATION of processing jobs (`optml jobs`). */
export function processingJobsTable(s: Style, jobs: readonly ProcessingJobSummary[]): string {
  const rows = jobs.map((j) => {
    const d = seconds(j);
    return [j.ProcessingJobName ?? "", j.ProcessingJobStatus ?? "", dateTime(j.CreationTime), d !== undefined ? formatDuration(d) : "-"];
  });
  const header = ["PROCESSING JOB", "STATUS", "CREATED", "DURATION"];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const pad = (text: string, column: number) => (column === header.length - 1 ? text : text.padEnd(widths[column]!));
  const cell = (text: string, column: number) => (column === 1 ? paintStatus(s, text) + pad(text, column).slice(text.length) : pad(text, column));
  return [s.bold(header.map(pad).join("  ")), ...rows.map((row) => row.map(cell).join("  "))].map((line) => `${line}\n`).join("");
}

/** `optml process`: create the processing job and follow it to its end (Ctrl-C as for a training job). */
export async function submitProcessingAndFollow(request: Record<string, unknown>, options: SubmitOptions): Promise<number> {
  return submitThenFollow(options, {
    kind: "processing job",
    name: String(request.ProcessingJobName),
    members: ["ProcessingJobName", "ProcessingJobArn"],
    create: (conn) => conn.createProcessingJob(request),
    follow: (conn, name, display, s, json) =>
      followToEnd(conn, name, display, s, json, {
        stop: () => conn.stopProcessingJob(name),
        follow: (options) => followProcessingJob(conn, name, options),
        summary: (job) => processingSummary(s, job),
        exitCode: (job) => exitCodeForStatus(job.ProcessingJobStatus),
      }),
  });
}
