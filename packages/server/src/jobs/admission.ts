/**
 * What this control plane can run, checked when a job is created, after the API's own validation.
 * Each refusal says what is missing and what to do instead; nothing is accepted that would then
 * run differently from SageMaker.
 */
import { clusterLayout } from "@optml/contract";
import { LocationError, parseLocation } from "../data/location.js";
import type { CreateTrainingJobRequest } from "../sagemaker/request.js";
import { compileMetricDefinitions, MetricDefinitionError } from "./metrics.js";
import { jobDescription } from "./plan.js";

/** Reasons the job cannot run here, in AWS's "member: problem" style; empty when it can. */
export function admissionProblems(req: CreateTrainingJobRequest): string[] {
  const problems: string[] = [];
  const hosts = clusterLayout(jobDescription(req)).hosts.length;
  if (hosts > 1) {
    problems.push(
      `ResourceConfig asks for ${hosts} hosts; this optml control plane runs single-host jobs only (multi-host support is not available yet). Use InstanceCount 1.`,
    );
  }
  const hp = req.HyperParameters ?? {};
  if (hp.sagemaker_program === undefined && req.Environment?.SAGEMAKER_PROGRAM === undefined) {
    problems.push(
      "optml runs script-mode jobs: set the hyperparameter sagemaker_program (the entry point, JSON-encoded, e.g. \"\\\"train.py\\\"\") and sagemaker_submit_directory (the code), as the SageMaker Python SDK does; TrainingImage is recorded, not run.",
    );
  }
  const uris: [string, string][] = [["OutputDataConfig.S3OutputPath", req.OutputDataConfig.S3OutputPath]];
  for (const [i, ch] of (req.InputDataConfig ?? []).entries()) {
    const member = `InputDataConfig.${i + 1}.member (channel '${ch.ChannelName}')`;
    if (!ch.DataSource.S3DataSource) {
      problems.push(`${member}: only S3DataSource channels are supported (FileSystemDataSource is not)`);
      continue;
    }
    uris.push([`${member}.DataSource.S3DataSource.S3Uri`, ch.DataSource.S3DataSource.S3Uri]);
    const mode = ch.InputMode ?? req.AlgorithmSpecification.TrainingInputMode;
    if (mode === "Pipe") problems.push(`${member}: Pipe input mode is not supported yet; use File or FastFile`);
    if (ch.DataSource.S3DataSource.S3DataType !== "S3Prefix") {
      problems.push(`${member}: S3DataType ${ch.DataSource.S3DataSource.S3DataType} is not supported yet; use S3Prefix`);
    }
  }
  if (req.CheckpointConfig) uris.push(["CheckpointConfig.S3Uri", req.CheckpointConfig.S3Uri]);
  for (const [member, uri] of uris) {
    try {
      const loc = parseLocation(uri);
      if (loc.kind === "s3") problems.push(`${member}: s3:// locations are not supported yet; use a file:///absolute/path URI`);
    } catch (e) {
      if (e instanceof LocationError) problems.push(`${member}: ${e.message}`);
      else throw e;
    }
  }
  try {
    compileMetricDefinitions((req.AlgorithmSpecification.MetricDefinitions ?? []).map((m) => ({ name: m.Name, regex: m.Regex })));
  } catch (e) {
    if (e instanceof MetricDefinitionError) problems.push(e.message);
    else throw e;
  }
  return problems;
}
