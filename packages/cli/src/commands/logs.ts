import { Command } from "commander";
import { EXIT, NoSuchJobError, type Outcome } from "../cli-error.js";
import { openConnection } from "../connection.js";
import { colourEnabled, Spinner, style } from "../display.js";
import { followJob } from "../follow.js";
import { followProcessingJob } from "../follow-processing.js";
import { endpointOption, exitCodeForStatus, exitCodeOf } from "../submit.js";

interface LogsOptions {
  follow?: boolean;
  endpoint?: string;
  json?: boolean;
}

/** `optml logs NAME [--follow]`: a job's log lines, from CloudWatch Logs, prefixed with their host. */
export function logsCommand(outcome: Outcome): Command {
  return new Command("logs")
    .summary("print a training job's or a processing job's log lines")
    .description("print a training job's (or a processing job's) log lines, each prefixed with its host")
    .argument("<name>", "the training job's name, or the processing job's")
    .option("-f, --follow", "keep printing lines until the job ends; the exit code then says how it ended")
    .addOption(endpointOption())
    .option("--json", "one JSON object per line: {host, logStream, timestamp, message}")
    .addHelpText(
      "after",
      `
The lines are the job's stdout and stderr; those of the runner itself start with [optml-train].
With --follow the exit code says how the job ended: 0 Completed, 1 Failed, 3 Stopped, 130 Ctrl-C.

Examples:
  optml logs tabular-ts-2025-01-31-12-00-00-000
  optml logs my-job --follow
  optml logs my-job --json | jq -r 'select(.message | test("accuracy")) | .message'`,
    )
    .action(async (name: string, options: LogsOptions) => {
      const conn = await openConnection("optml logs", options.endpoint);
      const s = style(colourEnabled(process.stdout));
      const leave = new AbortController();
      const onSignal = () => leave.abort();
      process.on("SIGINT", onSignal);
      try {
        const spinner = options.follow && !options.json ? new Spinner(process.stderr, process.stderr.isTTY === true) : undefined;
        const follow = {
          out: process.stdout,
          style: s,
          ...(spinner ? { spinner } : {}),
          transitions: false,
          format: options.json ? ("json" as const) : ("text" as const),
          untilEnd: options.follow === true,
          signal: leave.signal,
        };
        // A training job's, else a processing job's of that name.
        const followed = await followJob(conn, name, follow).then(
          (f) => ({ interrupted: f.interrupted, exitCode: exitCodeOf(f.job) }),
          async (e: unknown) => {
            if (!(e instanceof NoSuchJobError) || !(await conn.hasProcessingJob(name))) throw e;
            const f = await followProcessingJob(conn, name, follow);
            return { interrupted: f.interrupted, exitCode: exitCodeForStatus(f.job.ProcessingJobStatus) };
          },
        );
        if (options.follow) outcome.exitCode = followed.interrupted ? EXIT.interrupted : followed.exitCode;
        if (followed.interrupted) {
          conn.leave();
          return;
        }
      } catch (e) {
        conn.leave();
        throw e;
      } finally {
        process.off("SIGINT", onSignal);
      }
      await conn.close();
    });
}
