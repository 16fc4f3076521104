import { Command, CommanderError } from "commander";
import { ContractError } from "@optml/contract";
import { CliError } from "./cli-error.js";
import { envCommand } from "./commands/env.js";
import { serveCommand } from "./commands/serve.js";

export function buildProgram(): Command {
  const program = new Command("optml")
    .description("Run SageMaker training jobs anywhere, with the exact contract SageMaker gives a job.")
    .version("0.1.0")
    .showHelpAfterError()
    .exitOverride();
  program.addCommand(envCommand());
  program.addCommand(serveCommand());
  for (const command of program.commands) command.showHelpAfterError().exitOverride();
  return program;
}

/** Run the CLI; returns the exit code. Errors become one line on stderr. */
export async function runCli(argv: string[]): Promise<number> {
  try {
    await buildProgram().parseAsync(argv, { from: "user" });
    return 0;
  } catch (e) {
    if (e instanceof CommanderError) {
      // Commander already printed its message (and usage); help and version exit 0.
      return e.exitCode === 0 ? 0 : 2;
    }
    if (e instanceof CliError) {
      process.stderr.write(`optml: ${e.message}\n`);
      return e.exitCode;
    }
    if (e instanceof ContractError) {
      process.stderr.write(`optml: ${e.message}\n`);
      return 1;
    }
    const message = e instanceof Error ? e.message : String(e);
    process.stderr.write(`optml: unexpected error: ${message}\n`);
    return 1;
  }
}
