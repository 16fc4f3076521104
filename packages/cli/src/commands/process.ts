import { Command, Option } from "commander";
import { EXECUTOR_MODES } from "@optml/server";
import { PROCESSING_REQUEST_FILE, type Outcome } from "../cli-error.js";
import { submitProcessingAndFollow } from "../follow-processing.js";
import { checkRequest, generatedJobName, jobFileNameBase, loadJobFile } from "../job-request.js";
import { endpointOption } from "../submit.js";
import { withExecutorTag } from "./train.js";

interface ProcessOptions {
  name?: string;
  executor?: string;
  wait: boolean;
  endpoint?: string;
  json?: boolean;
}

/** `optml process job.json`: a CreateProcessingJob request, submitted and followed to its end. */
export function processCommand(outcome: Outcome): Command {
  return new Command("process")
    .summary("submit a processing job.json and follow the job")
    .description(
      "submit a CreateProcessingJob request (the JSON that 'aws sagemaker create-processing-job --cli-input-json' takes) and follow the processing job to its end",
    )
    .argument("<job.json>", "the request; file://./ and file://../ URIs in it are relative to its directory")
    .option("--name <name>", "the job's name (default: its ProcessingJobName, else <directory of job.json>-<timestamp>)")
    .addOption(
      new Option(
        "--executor <mode>",
        "what runs the job (the tag optml:executor): docker runs its ImageUri, process runs ContainerEntrypoint + ContainerArguments on this machine, auto the image when Docker has it",
      ).choices(EXECUTOR_MODES.filter((m) => m !== "slurm")),
    )
    .addOption(new Option("--no-wait", "submit and print the job's name, without following it (needs a running control plane)"))
    .addOption(endpointOption())
    .option("--json", "print the final DescribeProcessingJob response on stdout (the live display goes to stderr)")
    .addHelpText(
      "after",
      `
Each input (S3Input: s3:// or file://) is placed at its LocalPath under /opt/ml/processing/, the
job's /opt/ml/config/processingjobconfig.json and resourceconfig.json are written as SageMaker
writes them, and each output's LocalPath is uploaded to its S3Uri (at the end, or as files are
written with S3UploadMode Continuous), whether the job completes, fails or is stopped. The job's log
lines (prefixed with their host) and status are printed as it runs. Exit code: 0 Completed,
1 Failed, 3 Stopped, 2 bad input, 130 Ctrl-C.

'optml jobs', 'optml describe', 'optml logs', 'optml stop' and 'optml rm' take a processing job's name too.

Examples:
  optml process examples/processing/job.json
  optml process job.json --name prep-1 --json > described.json
  optml process job.json --executor docker    # run its ImageUri in Docker`,
    )
    .action(async (file: string, options: ProcessOptions) => {
      const { request, written } = loadJobFile(file, PROCESSING_REQUEST_FILE);
      if (options.name !== undefined) request.ProcessingJobName = options.name;
      else if (typeof request.ProcessingJobName !== "string" || request.ProcessingJobName === "") request.ProcessingJobName = generatedJobName(jobFileNameBase(file));
      checkRequest("CreateProcessingJob", file, request, written);
      if (options.executor !== undefined) request.Tags = withExecutorTag(request.Tags, options.executor);
      outcome.exitCode = await submitProcessingAndFollow(request, { endpoint: options.endpoint, json: options.json, wait: options.wait, by: "optml process" });
    });
}
