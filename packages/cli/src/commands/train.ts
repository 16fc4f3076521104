import { Command, Option } from "commander";
import { keyValue, wholeNumber, type Outcome } from "../cli-error.js";
import { applyOverrides, jobFileNameBase, nameRequest, readJobFile, uniqueNames } from "../job-request.js";
import { codeSizeWarning, localCodeDir } from "../code-dir.js";
import { endpointOption, submitAndFollow } from "../submit.js";

interface TrainOptions {
  name?: string;
  hp?: [string, string][];
  channel?: [string, string][];
  output?: string;
  instanceCount?: number;
  wait: boolean;
  endpoint?: string;
  json?: boolean;
}

/** `optml train job.json`: a CreateTrainingJob request, submitted and followed to its end. */
export function trainCommand(outcome: Outcome): Command {
  return new Command("train")
    .summary("submit a job.json and follow the job")
    .description("submit a CreateTrainingJob request (the JSON that 'aws sagemaker create-training-job --cli-input-json' takes) and follow the job to its end")
    .argument("<job.json>", "the request; file://./ and file://../ URIs in it are relative to its directory")
    .option("--name <name>", "the job's name (default: its TrainingJobName, else <directory of job.json>-<timestamp>)")
    .option("--hp <key=value>", "set a hyperparameter (repeatable)", keyValue("--hp"))
    .option("--channel <name=path-or-uri>", "set or add an input channel: a local directory or file, or an s3:// URI (repeatable)", keyValue("--channel"))
    .option("--output <path-or-uri>", "where the artifacts go (OutputDataConfig.S3OutputPath)")
    .option("--instance-count <n>", "ResourceConfig.InstanceCount", wholeNumber("--instance-count"))
    .addOption(new Option("--no-wait", "submit and print the job's name, without following it (needs a running control plane)"))
    .addOption(endpointOption())
    .option("--json", "print the final DescribeTrainingJob response on stdout (the live display goes to stderr)")
    .addHelpText(
      "after",
      `
The job's log lines (prefixed with their host), its status transitions and, at the end, its final
metrics, artifact locations and duration are printed as it runs. Exit code: 0 Completed, 1 Failed,
3 Stopped, 2 bad input (the API's validation messages are printed as AWS words them), 130 Ctrl-C.

Without --endpoint or OPTML_ENDPOINT, the job runs on the control plane that serves $OPTML_HOME
(~/.optml) when one is running ('optml serve'), else on one inside this command for the job's
duration. Ctrl-C then stops the job (twice: leaves it running for the next optml command).

A local code directory (sagemaker_submit_directory file://...) goes into the job without .git,
.venv, venv, __pycache__, node_modules, optml-out and what its .optmlignore lists (gitignore
syntax); above 100 MiB, a warning says what is big.

Examples:
  optml train examples/tabular-ts/job.json
  optml train job.json --hp epochs=50 --hp learning-rate=0.1 --channel train=./data/train
  optml train job.json --name my-job-1 --output ./artifacts --json > described.json
  OPTML_ENDPOINT=http://127.0.0.1:7077 optml train job.json --no-wait`,
    )
    .action(async (file: string, options: TrainOptions) => {
      uniqueNames("--channel", options.channel ?? []);
      const request = nameRequest(
        applyOverrides(
          readJobFile(file),
          { name: options.name, hyperparameters: options.hp, channels: options.channel, output: options.output, instanceCount: options.instanceCount },
          process.cwd(),
        ),
        jobFileNameBase(file),
      );
      const codeDir = localCodeDir(request);
      const warning = codeDir !== undefined ? await codeSizeWarning(codeDir) : undefined;
      if (warning) process.stderr.write(`optml: warning: ${warning}\n`);
      outcome.exitCode = await submitAndFollow(request, { endpoint: options.endpoint, json: options.json, wait: options.wait, by: "optml train" });
    });
}
