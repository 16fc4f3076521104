import { Command } from "commander";
import { usageError, wholeNumber } from "../cli-error.js";
import { byteSize } from "@optml/runner";
import { openConnection, type JobStatus, type JobSummary } from "../connection.js";
import { colourEnabled, dateTime, formatDuration, paintStatus, style } from "../display.js";
import { processingJobsTable } from "../follow-processing.js";
import { endpointOption } from "../submit.js";
import { tuningJobsTable } from "../tuning-display.js";

interface JobsOptions {
  status?: string;
  name?: string;
  limit: number;
  tuning?: boolean;
  processing?: boolean;
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

/** `optml jobs`: the training jobs, newest first, then the tuning jobs, then the processing jobs. */
export function jobsCommand(): Command {
  return new Command("jobs")
    .summary("list training jobs, tuning jobs and processing jobs")
    .description(
      "list training jobs, newest first, with their status and the disk their files take (SIZE); then tuning jobs, newest first; then processing jobs, newest first",
    )
    .option("--status <status>", `only jobs in this status: ${STATUSES.join(", ")}`)
    .option("--name <text>", "only jobs whose name contains this text")
    .option("--limit <n>", "at most this many jobs (of each kind)", wholeNumber("--limit"), 50)
    .option("--tuning", "only tuning jobs")
    .option("--processing", "only processing jobs")
    .addOption(endpointOption())
    .option(
      "--json",
      "print ListTrainingJobs' TrainingJobSummaries as a JSON array (with optml's OptmlDiskBytes); with --tuning, ListHyperParameterTuningJobs' HyperParameterTuningJobSummaries; with --processing, ListProcessingJobs' ProcessingJobSummaries",
    )
    .addHelpText(
      "after",
      `
SIZE: the bytes the job's files take under the control plane's home (its work dir: each host's
/opt/ml, staged channels, logs), as du counts them; 'optml rm' and 'optml prune' free them.

Tuning jobs ('optml tune') follow in a table of their own when there are any: TRAINING JOBS is how
many training jobs each has made, of its MaxNumberOfTrainingJobs. Those training jobs are in the
first table too. Processing jobs ('optml process') follow in a third table.

Examples:
  optml jobs
  optml jobs --status failed --name tabular
  optml jobs --json | jq -r '.[].TrainingJobName'
  optml jobs --tuning --status InProgress
  optml jobs --processing --json`,
    )
    .action(async (options: JobsOptions) => {
      const statusEquals = options.status !== undefined ? parseStatus(options.status) : undefined;
      if (options.limit === 0) throw usageError("--limit must be at least 1");
      const conn = await openConnection("optml jobs", options.endpoint);
      try {
        if (options.tuning && options.processing) throw usageError("--tuning and --processing: give one of them");
        const query = { statusEquals, nameContains: options.name, limit: options.limit };
        const only = options.tuning ? "tuning" : options.processing ? "processing" : undefined;
        const jobs = only ? [] : await conn.listTrainingJobs(query);
        // Tuning and processing jobs are left out of --json without their flag: its array stays ListTrainingJobs'.
        const tuning = (options.json && only !== "tuning") || only === "processing" ? [] : await conn.listTuningJobs(query);
        const processing = (options.json && only !== "processing") || only === "tuning" ? [] : await conn.listProcessingJobs(query);
        const s = style(colourEnabled(process.stdout));
        if (options.json) process.stdout.write(`${JSON.stringify(only === "tuning" ? tuning : only === "processing" ? processing : jobs, null, 2)}\n`);
        else if (jobs.length === 0 && tuning.length === 0 && processing.length === 0) {
          const kind = only ? `${only} jobs` : "training jobs";
          const start = only === "tuning" ? "'optml tune tuning.json'" : only === "processing" ? "'optml process job.json'" : "'optml train job.json' or 'optml run -- train.py'";
          process.stderr.write(`optml: no ${kind}${statusEquals || options.name ? " match" : ` yet: start one with ${start}`}\n`);
        } else {
          const tables = [
            jobs.length ? jobsTable(jobs) : undefined,
            tuning.length ? tuningJobsTable(s, tuning) : undefined,
            processing.length ? processingJobsTable(s, processing) : undefined,
          ];
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
