import { Command } from "commander";
import { EXIT, type Outcome } from "../cli-error.js";
import { openConnection } from "../connection.js";
import { colourEnabled, jobSummary, style } from "../display.js";
import { waitForEnd } from "../follow.js";
import { processingSummary, waitForProcessingEnd } from "../follow-processing.js";
import { bestJobOf, waitForTuningEnd } from "../follow-tuning.js";
import { endpointOption } from "../submit.js";
import { tuningSummary } from "../tuning-display.js";

interface StopOptions {
  wait?: boolean;
  endpoint?: string;
}

/** `optml stop NAME`: StopTrainingJob, else StopHyperParameterTuningJob, else StopProcessingJob. */
export function stopCommand(outcome: Outcome): Command {
  return new Command("stop")
    .summary("stop a training job, a tuning job or a processing job")
    .description(
      "stop a training job: SIGTERM to its program, SIGKILL after the grace period, artifacts uploaded; or a tuning job: no more training jobs, and its running ones stopped; or a processing job: SIGTERM, SIGKILL after the grace period, its outputs uploaded",
    )
    .argument("<name>", "the training job's name, the tuning job's or the processing job's")
    .option("--wait", "wait until the job has ended, and print its summary")
    .addOption(endpointOption())
    .addHelpText(
      "after",
      `
Exit code: 0 when the job is stopping (with --wait: when it ended Stopped), 1 when it cannot be
stopped (it has already ended, or there is no such job). A name that is a training job's and a
tuning job's (or a processing job's) stops the training job.

Examples:
  optml stop tabular-ts-2025-01-31-12-00-00-000
  optml stop my-job --wait
  optml stop tuning-250131-120000 --wait`,
    )
    .action(async (name: string, options: StopOptions) => {
      const conn = await openConnection("optml stop", options.endpoint);
      try {
        const kind = await conn.stopAnyJob(name);
        process.stderr.write(`optml: stopping ${kind === "training" ? "" : `${kind} job `}${name}\n`);
        // An embedded control plane ends with this command: it always waits for the job to stop.
        if (options.wait || conn.embedded) {
          const s = style(colourEnabled(process.stdout));
          if (kind === "training") {
            const job = await waitForEnd(conn, name);
            process.stdout.write(jobSummary(s, job));
            outcome.exitCode = job.TrainingJobStatus === "Stopped" ? EXIT.ok : EXIT.failed;
          } else if (kind === "processing") {
            const job = await waitForProcessingEnd(conn, name);
            process.stdout.write(processingSummary(s, job));
            outcome.exitCode = job.ProcessingJobStatus === "Stopped" ? EXIT.ok : EXIT.failed;
          } else {
            const tuning = await waitForTuningEnd(conn, name);
            process.stdout.write(tuningSummary(s, tuning, await bestJobOf(conn, tuning)));
            outcome.exitCode = tuning.HyperParameterTuningJobStatus === "Stopped" ? EXIT.ok : EXIT.failed;
          }
        }
      } catch (e) {
        conn.leave();
        throw e;
      }
      await conn.close();
    });
}
