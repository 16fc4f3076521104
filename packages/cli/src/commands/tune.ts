import { Command, Option } from "commander";
import type { Outcome } from "../cli-error.js";
import { codeSizeWarning } from "../code-dir.js";
import { submitTuningAndFollow } from "../follow-tuning.js";
import { endpointOption } from "../submit.js";
import { applyTuningOverrides, checkTuningRequest, loadTuningFile, localCodeDirs, nameTuningRequest, tuningFileNameBase } from "../tuning-request.js";

interface TuneOptions {
  name?: string;
  output?: string;
  wait: boolean;
  endpoint?: string;
  json?: boolean;
}

/** `optml tune tuning.json`: a CreateHyperParameterTuningJob request, submitted and followed to its end. */
export function tuneCommand(outcome: Outcome): Command {
  return new Command("tune")
    .summary("submit a tuning.json and follow the tuning job")
    .description(
      "submit a CreateHyperParameterTuningJob request (the JSON that 'aws sagemaker create-hyper-parameter-tuning-job --cli-input-json' takes) and follow its training jobs to the end",
    )
    .argument("<tuning.json>", "the request; file://./ and file://../ URIs in it are relative to its directory")
    .option("--name <name>", "the tuning job's name, at most 32 characters (default: its HyperParameterTuningJobName, else <directory of tuning.json>-<yymmdd-HHMMSS>)")
    .option("--output <path-or-uri>", "where every training job's artifacts go (each definition's OutputDataConfig.S3OutputPath)")
    .addOption(new Option("--no-wait", "submit and print the tuning job's name, without following it (needs a running control plane)"))
    .addOption(endpointOption())
    .option("--json", "print the final DescribeHyperParameterTuningJob response on stdout (the live display goes to stderr)")
    .addHelpText(
      "after",
      `
As it runs: a table of its training jobs (name, tuned hyperparameters, final objective, status) with
the best so far marked '*', redrawn in place on a terminal; elsewhere a line for each training job
that starts or ends, and the table at the end. Then the best training job: its tuned values, its
objective and its artifacts. Exit code: 0 Completed, 1 Failed (with the reason), 3 Stopped, 2 bad
input, 130 Ctrl-C.

The training job definition(s) take what a job.json takes: file://./ and file://../ URIs relative
to tuning.json's directory (StaticHyperParameters' sagemaker_submit_directory too), local code
and data directories. The request is checked before it is sent, as the AWS CLI checks it:
misspelled members, wrong JSON types ("epochs": 2 where hyperparameter values are strings) and
missing required members, every one at once.

Each training job is an ordinary job: 'optml logs', 'optml describe' and 'optml stop' take its
name; 'optml describe' and 'optml stop' take the tuning job's name too. Without --endpoint or
OPTML_ENDPOINT the tuning job runs on the control plane that serves $OPTML_HOME when one runs,
else on one inside this command (Ctrl-C then stops the tuning job; twice: leaves it running).

Examples:
  optml tune examples/tuning/tuning.json
  optml tune tuning.json --name lr-search-1 --output ./artifacts --json > described.json
  OPTML_ENDPOINT=http://127.0.0.1:7077 optml tune tuning.json --no-wait`,
    )
    .action(async (file: string, options: TuneOptions) => {
      const { request: written, written: asPython } = loadTuningFile(file);
      const request = nameTuningRequest(applyTuningOverrides(written, { name: options.name, output: options.output }, process.cwd()), tuningFileNameBase(file));
      checkTuningRequest(file, request, asPython);
      for (const dir of localCodeDirs(request)) {
        const warning = await codeSizeWarning(dir);
        if (warning) process.stderr.write(`optml: warning: ${warning}\n`);
      }
      outcome.exitCode = await submitTuningAndFollow(request, { endpoint: options.endpoint, json: options.json, wait: options.wait, by: "optml tune" });
    });
}
