import { rmSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { Command, Option } from "commander";
import { defaultHome } from "@optml/server";
import { CliError, EXIT, keyValue, wholeNumber, type Outcome } from "../cli-error.js";
import { uniqueNames } from "../job-request.js";
import { codeSizeWarning, codeWithout, excludedInside } from "../code-dir.js";
import { buildRunRequest, withJobPython } from "../run-request.js";
import { endpointOption, submitAndFollow } from "../submit.js";

interface RunOptions {
  name?: string;
  hp?: [string, string][];
  channel?: [string, string][];
  output?: string;
  sourceDir?: string;
  instanceType?: string;
  instanceCount?: number;
  maxRuntime?: number;
  env?: [string, string][];
  metric?: [string, string][];
  wait: boolean;
  endpoint?: string;
  json?: boolean;
}

/** `optml run -- PROGRAM [ARGS...]`: a local program as a one-host job, without a job file. */
export function runCommand(outcome: Outcome): Command {
  return new Command("run")
    .summary("run a local program as a one-host job")
    .description("run a local training program as a one-host SageMaker job (script mode) and follow it to its end")
    .usage("[options] -- PROGRAM [ARGS...]")
    .argument("<program>", "a script file (train.py, train.ts, train.mjs, train.sh, ...), optionally after its interpreter (python, node, tsx)")
    .argument("[args...]", "--name value pairs, passed to the program as hyperparameters")
    .passThroughOptions()
    .option("--channel <name=dir>", "an input channel from a local directory or file, or an s3:// URI (repeatable)", keyValue("--channel"))
    .option("--hp <key=value>", "a hyperparameter (repeatable; wins over ARGS)", keyValue("--hp"))
    .option("--output <dir>", "where the artifacts go: <dir>/<job>/output/model.tar.gz", "optml-out")
    .option("--name <name>", "the job's name (default: <program name>-<timestamp>)")
    .option("--source-dir <dir>", "the code directory copied into the job (default: the program's directory)")
    .option("--env <KEY=VALUE>", "an environment variable of the job (repeatable)", keyValue("--env"))
    .option("--metric <name=regex>", "a metric definition matched against the log (repeatable)", keyValue("--metric"))
    .option("--instance-type <type>", "ResourceConfig.InstanceType, recorded", "ml.m5.large")
    .option("--instance-count <n>", "ResourceConfig.InstanceCount (this control plane runs one host)", wholeNumber("--instance-count"), 1)
    .option("--max-runtime <seconds>", "StoppingCondition.MaxRuntimeInSeconds", wholeNumber("--max-runtime"), 86_400)
    .addOption(new Option("--no-wait", "submit and print the job's name, without following it (needs a running control plane)"))
    .addOption(endpointOption())
    .option("--json", "print the final DescribeTrainingJob response on stdout (the live display goes to stderr)")
    .addHelpText(
      "after",
      `
The program's directory becomes the job's code (sagemaker_submit_directory) and the program its
entry point (sagemaker_program); the runner starts it as SageMaker does, by the file's kind.
A Python program runs the interpreter this shell resolves ('python' or, for a bare .py script,
'python3' on PATH: an active virtual environment's), passed to the job as OPTML_PYTHON, on an
embedded control plane and on 'optml serve' alike (--env OPTML_PYTHON=... chooses another).
requirements.txt next to the program goes into a virtual environment kept for later runs, never
into that Python.
The code directory goes into the job without .git, .venv, venv, __pycache__, node_modules,
optml-out and what its .optmlignore lists (gitignore syntax); above 100 MiB, a warning says what is
big.
ARGS become hyperparameters, so the program gets them back as SageMaker passes them: --name value
(-n value for a one-letter name), sorted by name. Artifacts go to ./optml-out/<job>/output/ unless
--output says otherwise. Display, Ctrl-C and exit codes as for 'optml train': 0 Completed,
1 Failed, 3 Stopped, 2 bad input, 130 Ctrl-C.

Examples:
  optml run -- python train.py --epochs 10 --learning-rate 0.1
  optml run --channel train=./data/train --channel validation=./data/validation -- train.ts
  optml run --metric 'loss=loss=([0-9.]+)' --output /tmp/artifacts -- node train.mjs --epochs 3`,
    )
    .action(async (program: string, args: string[], options: RunOptions) => {
      uniqueNames("--channel", options.channel ?? []);
      const job = buildRunRequest({
        program,
        args,
        cwd: process.cwd(),
        sourceDir: options.sourceDir,
        name: options.name,
        hyperparameters: options.hp,
        channels: options.channel,
        output: options.output,
        instanceType: options.instanceType,
        instanceCount: options.instanceCount,
        maxRuntimeSeconds: options.maxRuntime,
        environment: options.env,
        metrics: options.metric,
      });
      const home = defaultHome();
      const name = String(job.request.TrainingJobName);
      const withPython = await withJobPython(job, process.env.PATH);
      const extra = excludedInside(job.sourceDir, [...(job.outputDir ? [job.outputDir] : []), home]);
      const warning = await codeSizeWarning(job.sourceDir, extra);
      if (warning) process.stderr.write(`optml: warning: ${warning}\n`);
      const copy = await codeWithout(job.sourceDir, extra, join(home, "code", name));
      const request = copy
        ? { ...withPython, HyperParameters: { ...(withPython.HyperParameters as object), sagemaker_submit_directory: JSON.stringify(pathToFileURL(copy).href) } }
        : withPython;
      // The copy goes once the job has its own (kept for a job not followed to its end).
      const drop = () => copy && rmSync(copy, { recursive: true, force: true });
      try {
        outcome.exitCode = await submitAndFollow(request, { endpoint: options.endpoint, json: options.json, wait: options.wait, by: "optml run" });
      } catch (e) {
        if (e instanceof CliError && e.exitCode === EXIT.usage) drop(); // refused: no job
        throw e;
      }
      if (options.wait && outcome.exitCode !== EXIT.interrupted) drop();
    });
}
