import { Command, CommanderError } from "commander";
import { ContractError } from "@optml/contract";
import { CliError, EXIT, type Outcome } from "./cli-error.js";
import { cacheCommand } from "./commands/cache.js";
import { describeCommand } from "./commands/describe.js";
import { envCommand } from "./commands/env.js";
import { initCommand } from "./commands/init.js";
import { jobsCommand } from "./commands/jobs.js";
import { logsCommand } from "./commands/logs.js";
import { processCommand } from "./commands/process.js";
import { pruneCommand } from "./commands/prune.js";
import { rmCommand } from "./commands/rm.js";
import { runCommand } from "./commands/run.js";
import { serveCommand } from "./commands/serve.js";
import { stopCommand } from "./commands/stop.js";
import { trainCommand } from "./commands/train.js";
import { tuneCommand } from "./commands/tune.js";

export function buildProgram(outcome: Outcome = { exitCode: EXIT.ok }): Command {
  const program = new Command("optml")
    .description("Run SageMaker training jobs anywhere, with the exact contract SageMaker gives a job.")
    .version("0.1.0")
    .enablePositionalOptions()
    .showHelpAfterError()
    .exitOverride()
    .addHelpText(
      "after",
      `
Exit codes: 0 ok (a followed job Completed), 1 failed (a followed job Failed, or an error),
2 bad usage or input, 3 a followed job Stopped, 130 interrupted.

Examples:
  optml train examples/tabular-ts/job.json
  optml run --channel train=./data -- python train.py --epochs 10
  optml tune examples/tuning/tuning.json
  optml process examples/processing/job.json
  optml jobs --status Failed
  optml prune --older-than 7d
  optml init my-model`,
    );
  program.addCommand(trainCommand(outcome));
  program.addCommand(runCommand(outcome));
  program.addCommand(tuneCommand(outcome));
  program.addCommand(processCommand(outcome));
  program.addCommand(jobsCommand());
  program.addCommand(describeCommand());
  program.addCommand(logsCommand(outcome));
  program.addCommand(stopCommand(outcome));
  program.addCommand(rmCommand(outcome));
  program.addCommand(pruneCommand());
  program.addCommand(serveCommand());
  program.addCommand(initCommand());
  program.addCommand(envCommand());
  program.addCommand(cacheCommand());
  for (const command of program.commands) command.showHelpAfterError().exitOverride();
  return program;
}

/** Run the CLI; returns the exit code. Errors become one line on stderr. */
export async function runCli(argv: string[]): Promise<number> {
  const outcome: Outcome = { exitCode: EXIT.ok };
  try {
    await buildProgram(outcome).parseAsync(argv, { from: "user" });
    return outcome.exitCode;
  } catch (e) {
    if (e instanceof CommanderError) {
      // Commander already printed its message (and usage); help and version exit 0.
      return e.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    if (e instanceof CliError) {
      process.stderr.write(`optml: ${e.message}\n`);
      return e.exitCode;
    }
    if (e instanceof ContractError) {
      process.stderr.write(`optml: ${e.message}\n`);
      return EXIT.failed;
    }
    const message = e instanceof Error ? e.message : String(e);
    process.stderr.write(`optml: unexpected error: ${message.split("\n")[0]}\n`);
    return EXIT.failed;
  }
}
