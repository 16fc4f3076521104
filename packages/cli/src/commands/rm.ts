import { Command } from "commander";
import { byteSize } from "@optml/runner";
import { CliError, EXIT, NoSuchJobError, type Outcome } from "../cli-error.js";
import { openConnection } from "../connection.js";
import { endpointOption } from "../submit.js";

interface RmOptions {
  endpoint?: string;
}

/** "12.3 MiB", or nothing from a control plane that does not say. */
export function freedText(bytes: number | undefined): string {
  return bytes !== undefined ? ` (${byteSize(bytes)})` : "";
}

/** `optml rm JOB...`: DeleteTrainingJob for each (DeleteProcessingJob for a processing job's name). */
export function rmCommand(outcome: Outcome): Command {
  return new Command("rm")
    .summary("remove ended training jobs (or processing jobs) and their files")
    .description(
      "remove ended training jobs: their records, logs, metrics and files under the control plane's home (DeleteTrainingJob); a processing job's name: DeleteProcessingJob",
    )
    .argument("<job...>", "the training jobs' names (or processing jobs')")
    .addOption(endpointOption())
    .addHelpText(
      "after",
      `
What goes: the job's record, status transitions, log streams, metric samples, and its work dir
under $OPTML_HOME/jobs/ (each host's /opt/ml, staged channels, logs). What stays: the artifacts
at its output path (S3OutputPath, such as ./optml-out/<job>/), which are yours.
A running job is refused: stop it first ('optml stop JOB --wait').
Exit code: 0 when every job was removed, 1 when one could not be (the others still are).

Examples:
  optml rm train-2025-01-31-12-00-00-000
  optml rm $(optml jobs --status failed --json | jq -r '.[].TrainingJobName')`,
    )
    .action(async (names: string[], options: RmOptions) => {
      const conn = await openConnection("optml rm", options.endpoint);
      let failed = 0;
      try {
        for (const name of new Set(names)) {
          try {
            // A training job's name, else a processing job's.
            const freed = await conn.deleteTrainingJob(name).catch(async (e: unknown) => {
              if (!(e instanceof NoSuchJobError) || !(await conn.hasProcessingJob(name))) throw e;
              return conn.deleteProcessingJob(name);
            });
            process.stdout.write(`removed ${name}${freedText(freed)}\n`);
          } catch (e) {
            if (!(e instanceof CliError)) throw e;
            process.stderr.write(`optml: ${e.message}\n`);
            failed++;
          }
        }
      } catch (e) {
        conn.leave();
        throw e;
      }
      await conn.close();
      if (failed) outcome.exitCode = EXIT.failed;
    });
}
