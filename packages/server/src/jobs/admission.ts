/**
 * What this control plane can run, checked when a job is created, after the API's own validation.
 * Each refusal says what is missing and what to do instead; nothing is accepted that would then
 * run differently from SageMaker.
 */
import { LocationError, parseLocation } from "../data/location.js";
import type { CreateTrainingJobRequest } from "../sagemaker/request.js";
import { distributionProblems } from "./distribution.js";
import { compileMetricDefinitions, MetricDefinitionError } from "./metrics.js";
import { checkpointDirIn, DEFAULT_CHECKPOINT_LOCAL_PATH } from "./plan.js";

/** Reasons the job cannot run here, in AWS's "member: problem" style; empty when it can. */
export function admissionProblems(req: CreateTrainingJobRequest): string[] {
  const problems: string[] = [];
  const uris: [string, string][] = [["OutputDataConfig.S3OutputPath", req.OutputDataConfig.S3OutputPath]];
  for (const [i, ch] of (req.InputDataConfig ?? []).entries()) {
    const member = `InputDataConfig.${i + 1}.member (channel '${ch.ChannelName}')`;
    const source = ch.DataSource.S3DataSource;
    if (!source) {
      problems.push(`${member}: only S3DataSource channels are supported (FileSystemDataSource is not)`);
      continue;
    }
    uris.push([`${member}.DataSource.S3DataSource.S3Uri`, source.S3Uri]);
    const mode = ch.InputMode ?? req.AlgorithmSpecification.TrainingInputMode;
    if (source.S3DataType === "AugmentedManifestFile") {
      problems.push(`${member}: S3DataType AugmentedManifestFile is not supported yet; use S3Prefix or ManifestFile`);
    }
    if ((ch.CompressionType ?? "None") !== "None" && mode !== "Pipe") {
      problems.push(`${member}: CompressionType ${ch.CompressionType} is used only in Pipe input mode; in ${mode} mode leave it unset or None`);
    }
    if (ch.ShuffleConfig && mode === "Pipe") problems.push(`${member}: ShuffleConfig is not supported yet in Pipe mode; leave it unset`);
    const groups = new Set((req.ResourceConfig.InstanceGroups ?? []).map((g) => g.InstanceGroupName));
    for (const name of source.InstanceGroupNames ?? []) {
      if (!groups.has(name)) problems.push(`${member}: InstanceGroupNames names '${name}', which is not one of ResourceConfig.InstanceGroups`);
    }
  }
  if (req.CheckpointConfig) {
    uris.push(["CheckpointConfig.S3Uri", req.CheckpointConfig.S3Uri]);
    const local = req.CheckpointConfig.LocalPath;
    if (local !== undefined && checkpointDirIn("/", local) === undefined) {
      problems.push(
        `CheckpointConfig.LocalPath '${local}': optml maps /opt/ml into each host's own base dir, so LocalPath must be a directory inside /opt/ml (default ${DEFAULT_CHECKPOINT_LOCAL_PATH})`,
      );
    }
  }
  for (const [member, uri] of uris) {
    try {
      parseLocation(uri);
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
  problems.push(...distributionProblems(req));
  return problems;
}
