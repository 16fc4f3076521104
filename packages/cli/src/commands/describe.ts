import { Command } from "commander";
import { openConnection, type TrainingJob } from "../connection.js";
import { artifactLocations, colourEnabled, dateTime, durationText, paintStatus, shownLocation, style, transitionLine, type Style } from "../display.js";
import { fullFailureReason, importHint } from "../failure-reason.js";
import { describeProcessingText } from "../follow-processing.js";
import { endpointOption } from "../submit.js";
import { describeTuningText, orderTrials } from "../tuning-display.js";

interface DescribeOptions {
  endpoint?: string;
  json?: boolean;
}

function decoded(value: string): string {
  try {
    const v: unknown = JSON.parse(value);
    return typeof v === "string" ? v : value;
  } catch {
    return value;
  }
}

/** A job as a person reads it. */
export function describeText(s: Style, job: TrainingJob): string {
  const out: string[] = [];
  const field = (name: string, value: string | undefined) => {
    if (value !== undefined && value !== "") out.push(`${s.bold(`${name}:`.padEnd(15))}${value}`);
  };
  const secondary = job.SecondaryStatus && job.SecondaryStatus !== job.TrainingJobStatus ? ` (${paintStatus(s, job.SecondaryStatus)})` : "";
  field("Name", job.TrainingJobName);
  field("ARN", job.TrainingJobArn);
  field("Status", `${paintStatus(s, job.TrainingJobStatus ?? "?")}${secondary}`);
  if (job.FailureReason) {
    const [first, ...rest] = fullFailureReason(job.FailureReason);
    out.push(`${s.bold("Failure reason:")} ${first}`, ...rest.map((l) => `  ${l}`));
    const hint = importHint(job);
    if (hint.length) out.push(`${s.bold("Hint:")} ${hint[0]}`, ...hint.slice(1).map((l) => `  ${l}`));
  }
  for (const warning of job.OptmlWarnings ?? []) out.push(`${s.yellow("Warning:")} ${warning}`);
  field("Created", dateTime(job.CreationTime));
  if (job.TrainingStartTime) field("Started", dateTime(job.TrainingStartTime));
  if (job.TrainingEndTime) field("Ended", dateTime(job.TrainingEndTime));
  field("Duration", durationText(job));
  const rc = job.ResourceConfig;
  if (rc) field("Resources", `${rc.InstanceCount ?? "?"} x ${rc.InstanceType ?? "?"}`);
  field("Image", job.AlgorithmSpecification?.TrainingImage ?? job.AlgorithmSpecification?.AlgorithmName);
  field("Executor", job.OptmlExecutor?.Description);
  if (job.OptmlPython) field("Python", `${job.OptmlPython.Path} ${job.OptmlPython.Version}`);
  const hps = job.HyperParameters ?? {};
  field("Program", hps.sagemaker_program !== undefined ? decoded(hps.sagemaker_program) : undefined);
  field("Code", hps.sagemaker_submit_directory !== undefined ? shownLocation(decoded(hps.sagemaker_submit_directory)) : undefined);
  const user = Object.entries(hps).filter(([k]) => !k.startsWith("sagemaker_"));
  if (user.length) out.push(s.bold("Hyperparameters:"), ...user.sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, v]) => `  ${k} = ${v}`));
  const channels = job.InputDataConfig ?? [];
  if (channels.length) {
    out.push(s.bold("Channels:"));
    for (const c of channels) {
      const uri = c.DataSource?.S3DataSource?.S3Uri;
      out.push(`  ${c.ChannelName}: ${uri ? shownLocation(uri) : "(not an S3 data source)"}`);
    }
  }
  field("Output path", job.OutputDataConfig?.S3OutputPath ? shownLocation(job.OutputDataConfig.S3OutputPath) : undefined);
  const { model, output } = artifactLocations(job);
  field("Model", model ? shownLocation(model) : undefined);
  field("Output", output ? shownLocation(output) : undefined);
  const metrics = job.FinalMetricDataList ?? [];
  if (metrics.length) {
    const width = Math.max(...metrics.map((m) => (m.MetricName ?? "").length));
    out.push(s.bold("Final metrics:"), ...metrics.map((m) => `  ${(m.MetricName ?? "").padEnd(width)}  ${m.Value}`));
  }
  const transitions = job.SecondaryStatusTransitions ?? [];
  if (transitions.length) {
    out.push(s.bold("Transitions:"), ...transitions.map((t) => `  ${transitionLine(s, t.StartTime, t.Status ?? "", t.StatusMessage).trimEnd()}`));
  }
  return `${out.join("\n")}\n`;
}

/** `optml describe NAME`: a training job, else a tuning job, else a processing job. */
export function describeCommand(): Command {
  return new Command("describe")
    .summary("show a training job, a tuning job or a processing job")
    .description(
      "show a training job: status, times, hyperparameters, channels, metrics, artifacts and transitions; or a tuning job: its search, ranges, best training job and the table of its training jobs; or a processing job: status, times, image, entrypoint, inputs and outputs",
    )
    .argument("<name>", "the training job's name, the tuning job's or the processing job's")
    .addOption(endpointOption())
    .option("--json", "print the DescribeTrainingJob response as JSON (a tuning job: DescribeHyperParameterTuningJob's; a processing job: DescribeProcessingJob's)")
    .addHelpText(
      "after",
      `
A name that is a training job's and a tuning job's (or a processing job's) shows the training job;
one that is a tuning job's and a processing job's shows the tuning job.

Examples:
  optml describe tabular-ts-2025-01-31-12-00-00-000
  optml describe my-job --json | jq '.FinalMetricDataList'
  optml describe tuning-250131-120000 --json | jq '.BestTrainingJob'`,
    )
    .action(async (name: string, options: DescribeOptions) => {
      const conn = await openConnection("optml describe", options.endpoint);
      try {
        const found = await conn.describeAnyJob(name);
        const s = style(colourEnabled(process.stdout));
        if (found.kind === "training") process.stdout.write(options.json ? `${JSON.stringify(found.job, null, 2)}\n` : describeText(s, found.job));
        else if (found.kind === "processing") process.stdout.write(options.json ? `${JSON.stringify(found.processing, null, 2)}\n` : describeProcessingText(s, found.processing));
        else if (options.json) process.stdout.write(`${JSON.stringify(found.tuning, null, 2)}\n`);
        else process.stdout.write(describeTuningText(s, found.tuning, orderTrials(await conn.listTrials(name))));
      } catch (e) {
        conn.leave();
        throw e;
      }
      await conn.close();
    });
}
