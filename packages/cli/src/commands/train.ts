import { Command, Option } from "commander";
import { EXECUTOR_MODES } from "@optml/server";
import { keyValue, wholeNumber, type Outcome } from "../cli-error.js";
import { applyOverrides, checkJobRequest, jobFileNameBase, loadJobFile, nameRequest, uniqueNames } from "../job-request.js";
import { codeSizeWarning, localCodeDir } from "../code-dir.js";
import { endpointOption, submitAndFollow } from "../submit.js";

interface TrainOptions {
  name?: string;
  hp?: [string, string][];
  channel?: [string, string][];
  output?: string;
  instanceCount?: number;
  executor?: string;
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
    .addOption(
      new Option(
        "--executor <mode>",
        "what runs the job (the tag optml:executor): docker runs its TrainingImage, process runs its script with this machine's Python/Node, auto the image when Docker has it",
      ).choices(
        EXECUTOR_MODES,
      ),
    )
    .addOption(new Option("--no-wait", "submit and print the job's name, without following it (needs a running control plane)"))
    .addOption(endpointOption())
    .option("--json", "print the final DescribeTrainingJob response on stdout (the live display goes to stderr)")
    .addHelpText(
      "after",
      `
The job's log lines (prefixed with their host), its status transitions and, at the end, its final
metrics, artifact locations and duration are printed as it runs. Exit code: 0 Completed, 1 Failed,
3 Stopped, 2 bad input, 130 Ctrl-C.

Before anything is sent, the request (job.json with the flags applied) is checked as the AWS CLI
checks it: an unknown member (a misspelling), a wrong JSON type ("epochs": 2 where hyperparameter
values are strings) or a missing required member is reported, every one at once, in the AWS CLI's
words with a suggested fix. The control plane's own validation messages are printed as AWS words them.

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
  optml train job.json --executor docker    # run its TrainingImage (built or pulled) in Docker
  OPTML_ENDPOINT=http://127.0.0.1:7077 optml train job.json --no-wait`,
    )
    .action(async (file: string, options: TrainOptions) => {
      uniqueNames("--channel", options.channel ?? []);
      const { request: written, written: asPython } = loadJobFile(file);
      const request = nameRequest(
        applyOverrides(
          written,
          { name: options.name, hyperparameters: options.hp, channels: options.channel, output: options.output, instanceCount: options.instanceCount },
          process.cwd(),
        ),
        jobFileNameBase(file),
      );
      checkJobRequest(file, request, asPython);
      if (options.executor !== undefined) request.Tags = withExecutorTag(request.Tags, options.executor);
      const codeDir = localCodeDir(request);
      const warning = codeDir !== undefined ? await codeSizeWarning(codeDir) : undefined;
      if (warning) process.stderr.write(`optml: warning: ${warning}\n`);
      outcome.exitCode = await submitAndFollow(request, { endpoint: options.endpoint, json: options.json, wait: options.wait, by: "optml train" });
    });
}

/** The request's tags with `optml:executor` set to `mode` (the control plane's per-job choice). */
export function withExecutorTag(tags: unknown, mode: string): { Key: string; Value: string }[] {
  const kept = Array.isArray(tags) ? (tags as { Key: string; Value: string }[]).filter((t) => t.Key !== "optml:executor") : [];
  return [...kept, { Key: "optml:executor", Value: mode }];
}
