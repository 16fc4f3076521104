import { Command } from "commander";
import { EXIT, type Outcome } from "../cli-error.js";
import { openConnection } from "../connection.js";
import { colourEnabled, jobSummary, style } from "../display.js";
import { waitForEnd } from "../follow.js";
import { endpointOption } from "../submit.js";

interface StopOptions {
  wait?: boolean;
  endpoint?: string;
}

/** `optml stop NAME`: StopTrainingJob. */
export function stopCommand(outcome: Outcome): Command {
  return new Command("stop")
    .summary("stop a training job")
    .description("stop a training job: SIGTERM to its program, SIGKILL after the grace period, artifacts uploaded")
    .argument("<name>", "the training job's name")
    .option("--wait", "wait until the job has ended, and print its summary")
    .addOption(endpointOption())
    .addHelpText(
      "after",
      `
Exit code: 0 when the job is stopping (with --wait: when it ended Stopped), 1 when it cannot be
stopped (it has already ended, or there is no such job).

Examples:
  optml stop tabular-ts-2025-01-31-12-00-00-000
  optml stop my-job --wait`,
    )
    .action(async (name: string, options: StopOptions) => {
      const conn = await openConnection("optml stop", options.endpoint);
      try {
        await conn.stopTrainingJob(name);
        process.stderr.write(`optml: stopping ${name}\n`);
        // An embedded control plane ends with this command: it always waits for the job to stop.
        if (options.wait || conn.embedded) {
          const job = await waitForEnd(conn, name);
          process.stdout.write(jobSummary(style(colourEnabled(process.stdout)), job));
          outcome.exitCode = job.TrainingJobStatus === "Stopped" ? EXIT.ok : EXIT.failed;
        }
      } catch (e) {
        conn.leave();
        throw e;
      }
      await conn.close();
    });
}
