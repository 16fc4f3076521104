import { Command } from "commander";
import { usageError, wholeNumber } from "../cli-error.js";
import { byteSize } from "@optml/runner";
import { openConnection, type JobStatus, type JobSummary } from "../connection.js";
import { colourEnabled, dateTime, formatDuration, paintStatus, style } from "../display.js";
import { endpointOption } from "../submit.js";
import { tuningJobsTable } from "../tuning-display.js";

interface JobsOptions {
  status?: string;
  name?: string;
  limit: number;
  tuning?: boolean;
  endpoint?: string;
  json?: boolean;
}

const STATUSES: readonly JobStatus[] = ["InProgress", "Completed", "Failed", "Stopping", "Stopped"];

/** A status as SageMaker spells it, from any case ("failed", "in-progress"). */
export function parseStatus(given: string): JobStatus {
  const wanted = given.replace(/[-_\s]/g, "").toLowerCase();
  const found = STATUSES.find((s) => s.toLowerCase() === wanted);
  if (!found) throw usageError(`--status takes one of ${STATUSES.join(", ")}; got '${given}'`);
  return found;
}

/** `optml jobs`: the training jobs, newest first, then the tuning jobs. */
export function jobsCommand(): Command {
  return new Command("jobs")
    .summary("list training jobs and tuning jobs")
    .description("list training jobs, newest first, with their status and the disk their files take (SIZE); then tuning jobs, newest first")
    .option("--status <status>", `only jobs in this status: ${STATUSES.join(", ")}`)
    .option("--name <text>", "only jobs whose name contains this text")
    .option("--limit <n>", "at most this many jobs (of each kind)", wholeNumber("--limit"), 50)
    .option("--tuning", "only tuning jobs")
    .addOption(endpointOption())
    .option(
      "--json",
      "print ListTrainingJobs' TrainingJobSummaries as a JSON array (with optml's OptmlDiskBytes); with --tuning, ListHyperParameterTuningJobs' HyperParameterTuningJobSummaries",
    )
    .addHelpText(
      "after",
      `
SIZE: the bytes the job's files take under the control plane's home (its work dir: each host's
/opt/ml, staged channels, logs), as du counts them; 'optml rm' and 'optml prune' free them.

Tuning jobs ('optml tune') follow in a table of their own when there are any: TRAINING JOBS is how
many training jobs each has made, of its MaxNumberOfTrainingJobs. Those training jobs are in the
first table too.

Examples:
  optml jobs
  optml jobs --status failed --name tabular
  optml jobs --json | jq -r '.[].TrainingJobName'
  optml jobs --tuning --status InProgress`,
    )
    .action(async (options: JobsOptions) => {
      const statusEquals = options.status !== undefined ? parseStatus(options.status) : undefined;
      if (options.limit === 0) throw usageError("--limit must be at least 1");
      const conn = await openConnection("optml jobs", options.endpoint);
      try {
        const query = { statusEquals, nameContains: options.name, limit: options.limit };
        const jobs = options.tuning ? [] : await conn.listTrainingJobs(query);
        // Tuning jobs are left out of --json without --tuning: its array stays ListTrainingJobs'.
        const tuning = options.json && !options.tuning ? [] : await conn.listTuningJobs(query);
        const s = style(colourEnabled(process.stdout));
        if (options.json) process.stdout.write(`${JSON.stringify(options.tuning ? tuning : jobs, null, 2)}\n`);
        else if (jobs.length === 0 && tuning.length === 0) {
          const kind = options.tuning ? "tuning jobs" : "training jobs";
          const start = options.tuning ? "'optml tune tuning.json'" : "'optml train job.json' or 'optml run -- train.py'";
          process.stderr.write(`optml: no ${kind}${statusEquals || options.name ? " match" : ` yet: start one with ${start}`}\n`);
        } else {
          const tables = [jobs.length ? jobsTable(jobs) : undefined, tuning.length ? tuningJobsTable(s, tuning) : undefined];
          process.stdout.write(tables.filter((t) => t !== undefined).join("\n"));
        }
      } catch (e) {
        conn.leave();
        throw e;
      }
      await conn.close();
    });
}

/** NAME, STATUS, SECONDARY, CREATED, DURATION, SIZE, aligned; statuses in colour on a terminal. */
function jobsTable(jobs: readonly JobSummary[]): string {
  const s = style(colourEnabled(process.stdout));
  const rows = jobs.map((j) => {
    const running = j.TrainingJobStatus === "InProgress" || j.TrainingJobStatus === "Stopping";
    const end = j.TrainingEndTime ?? (running ? undefined : j.LastModifiedTime);
    const seconds = j.CreationTime ? ((end?.getTime() ?? Date.now()) - j.CreationTime.getTime()) / 1000 : undefined;
    const size = j.OptmlDiskBytes !== undefined ? byteSize(j.OptmlDiskBytes) : "-";
    return [j.TrainingJobName ?? "", j.TrainingJobStatus ?? "", j.SecondaryStatus ?? "", dateTime(j.CreationTime), seconds !== undefined ? formatDuration(seconds) : "-", size];
  });
  const header = ["NAME", "STATUS", "SECONDARY", "CREATED", "DURATION", "SIZE"];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const pad = (text: string, column: number) => (column === header.length - 1 ? text : text.padEnd(widths[column]!));
  const cell = (text: string, column: number) => (column === 1 || column === 2 ? paintStatus(s, text) + pad(text, column).slice(text.length) : pad(text, column));
  return [s.bold(header.map(pad).join("  ")), ...rows.map((row) => row.map(cell).join("  "))].map((line) => `${line}\n`).join("");
}
