import { Command } from "commander";
import { byteSize } from "@optml/runner";
import { usageError } from "../cli-error.js";
import { ENDED, openConnection, type JobStatus, type JobSummary, type ProcessingJobSummary } from "../connection.js";
import { endpointOption } from "../submit.js";
import { parseStatus } from "./jobs.js";
import { freedText } from "./rm.js";

interface PruneOptions {
  olderThan?: number;
  status?: JobStatus[];
  dryRun?: boolean;
  endpoint?: string;
}

const UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400, w: 604_800 };

/** "7d", "12h", "30m", "90s", "2w" -> seconds. */
export function parseAge(given: string): number {
  const m = /^(\d+(?:\.\d+)?)([smhdw])$/.exec(given.trim());
  if (!m) throw usageError(`--older-than takes a number and a unit (s, m, h, d or w), like 7d or 12h; got '${given}'`);
  return Number(m[1]) * UNITS[m[2]!]!;
}

function endedStatus(given: string, previous: JobStatus[] | undefined): JobStatus[] {
  const status = parseStatus(given);
  if (!ENDED.includes(status)) throw usageError(`optml prune removes ended jobs: --status takes ${ENDED.join(", ")}; got '${given}'`);
  return [...(previous ?? []), status];
}

/** An ended job of either kind, as prune sees it. */
export interface PrunableJob {
  readonly name: string;
  readonly kind: "training" | "processing";
  readonly status: string;
  /** When it ended (epoch ms): its end time, else its last change. */
  readonly endedAt: number | undefined;
  readonly diskBytes: number | undefined;
}

export function prunableTraining(job: JobSummary): PrunableJob {
  return {
    name: job.TrainingJobName ?? "",
    kind: "training",
    status: job.TrainingJobStatus ?? "",
    endedAt: (job.TrainingEndTime ?? job.LastModifiedTime)?.getTime(),
    diskBytes: job.OptmlDiskBytes,
  };
}

export function prunableProcessing(job: ProcessingJobSummary): PrunableJob {
  return {
    name: job.ProcessingJobName ?? "",
    kind: "processing",
    status: job.ProcessingJobStatus ?? "",
    endedAt: (job.ProcessingEndTime ?? job.LastModifiedTime)?.getTime(),
    diskBytes: undefined,
  };
}

/** The ended jobs that `optml prune` removes, from a listing (pure). */
export function jobsToPrune(jobs: readonly PrunableJob[], statuses: readonly string[], olderThanSeconds: number | undefined, now: number): PrunableJob[] {
  return jobs.filter((job) => {
    if (!statuses.includes(job.status)) return false;
    if (olderThanSeconds === undefined) return true;
    return job.endedAt !== undefined && now - job.endedAt > olderThanSeconds * 1000;
  });
}

/** `optml prune`: DeleteTrainingJob (DeleteProcessingJob) for ended training (processing) jobs, by age and status. */
export function pruneCommand(): Command {
  return new Command("prune")
    .summary("remove ended training and processing jobs by age and status, and free their disk")
    .description("remove ended training and processing jobs (all of them, or those older than --older-than, in the statuses --status names) and their files")
    .option("--older-than <age>", "only jobs that ended longer ago than this: a number and s, m, h, d or w (7d, 12h)", parseAge)
    .option("--status <status>", `only jobs in this status (repeatable): ${ENDED.join(", ")} (default: all three)`, endedStatus)
    .option("--dry-run", "print what would be removed, and remove nothing")
    .addOption(endpointOption())
    .addHelpText(
      "after",
      `
Each job goes as with 'optml rm': its record, logs, metrics and files under $OPTML_HOME/jobs/;
its artifacts at the output path (such as ./optml-out/<job>/) stay. Running jobs are never pruned.
Prints each job removed with the bytes freed, then the total.

Examples:
  optml prune --older-than 7d --dry-run
  optml prune --older-than 7d
  optml prune --status failed --status stopped`,
    )
    .action(async (options: PruneOptions) => {
      const statuses = options.status ?? [...ENDED];
      const conn = await openConnection("optml prune", options.endpoint);
      try {
        const all = [
          ...(await conn.listTrainingJobs({ limit: Number.MAX_SAFE_INTEGER })).map(prunableTraining),
          ...(await conn.listProcessingJobs({ limit: Number.MAX_SAFE_INTEGER })).map(prunableProcessing),
        ];
        const doomed = jobsToPrune(all, statuses, options.olderThan, Date.now());
        let freed = 0;
        for (const job of doomed) {
          const label = `${job.kind === "processing" ? "processing job " : ""}${job.name} (${job.status})`;
          if (options.dryRun) {
            freed += job.diskBytes ?? 0;
            process.stdout.write(`would remove ${label}${freedText(job.diskBytes)}\n`);
            continue;
          }
          const bytes = job.kind === "processing" ? await conn.deleteProcessingJob(job.name) : await conn.deleteTrainingJob(job.name);
          freed += bytes ?? 0;
          process.stdout.write(`removed ${label}${freedText(bytes)}\n`);
        }
        const what = `${doomed.length} job(s), ${byteSize(freed)}`;
        process.stdout.write(options.dryRun ? `would remove ${what}; run again without --dry-run to remove them\n` : `removed ${what} freed\n`);
      } catch (e) {
        conn.leave();
        throw e;
      }
      await conn.close();
    });
}
