/**
 * The plan of a processing job (CreateProcessingJob): pure data, as plan.ts is for training jobs,
 * and a JobPlan itself so that the same executors run it. Hosts `algo-1..N` each have a base dir
 * that their mount namespace (or container) shows at /opt/ml, with
 *
 * - `config/processingjobconfig.json` and `config/resourceconfig.json`, as SageMaker writes them;
 * - each S3Input staged at its LocalPath (`/opt/ml/processing/...` is `<base>/processing/...`),
 *   through the data layer that stages training channels (cache, file://, ShardedByS3Key, Pipe);
 * - each S3Output's LocalPath, uploaded to its S3Uri at the end or continuously;
 * - `output/message`, whose first KiB is the job's ExitMessage.
 *
 * The host runs ContainerEntrypoint + ContainerArguments (the process executors run them on this
 * machine; Docker runs them in ImageUri, or the image's own ENTRYPOINT/CMD where they are absent).
 */
import { configFilesFor } from "@optml/contract";
import { parseLocation } from "../data/location.js";
import type { CreateProcessingJobRequest } from "../sagemaker/processing-request.js";
import { optMlPathIn, type ChannelPlacement, type HostPlan, type JobPlan, type PlanSettings } from "./plan.js";

/** SageMaker's default MaxRuntimeInSeconds of a processing job (1 day). */
export const DEFAULT_PROCESSING_MAX_RUNTIME_SECONDS = 86400;

/** The most of /opt/ml/output/message that becomes ExitMessage. */
export const EXIT_MESSAGE_LIMIT = 1024;

export interface ProcessingOutputPlan {
  readonly name: string;
  readonly uri: string;
  readonly localPath: string;
  readonly mode: "EndOfJob" | "Continuous";
}

export interface ProcessingPlan extends JobPlan {
  readonly outputs: readonly ProcessingOutputPlan[];
  /** Each host's config files, written into `<base>/config/` before it starts. */
  readonly configs: Readonly<Record<string, { readonly "processingjobconfig.json": string; readonly "resourceconfig.json": string }>>;
}

export function processingJobArn(region: string, accountId: string, name: string): string {
  return `arn:aws:sagemaker:${region}:${accountId}:processing-job/${name.toLowerCase()}`;
}

/** Where a host's `/opt/ml/...` path is on the machine. */
export function hostPath(host: Pick<HostPlan, "baseDir">, path: string): string {
  const inside = optMlPathIn(host.baseDir, path);
  if (inside === undefined) throw new Error(`${path} is not inside /opt/ml`);
  return inside;
}

/** `/opt/ml/config/processingjobconfig.json`: the request as SageMaker's documentation shows it, with the job's ARN and defaults. */
export function processingJobConfig(req: CreateProcessingJobRequest, arn: string): Record<string, unknown> {
  const app = req.AppSpecification;
  const cluster = req.ProcessingResources.ClusterConfig;
  return {
    ProcessingJobArn: arn,
    ProcessingJobName: req.ProcessingJobName,
    AppSpecification: { ImageUri: app.ImageUri, ContainerEntrypoint: app.ContainerEntrypoint ?? null, ContainerArguments: app.ContainerArguments ?? null },
    Environment: req.Environment ?? {},
    ProcessingInputs: (req.ProcessingInputs ?? []).map((input) => ({
      InputName: input.InputName,
      ...(input.AppManaged !== undefined ? { AppManaged: input.AppManaged } : {}),
      ...(input.S3Input
        ? {
            S3Input: {
              LocalPath: input.S3Input.LocalPath,
              S3Uri: input.S3Input.S3Uri,
              S3DataDistributionType: input.S3Input.S3DataDistributionType ?? "FullyReplicated",
              S3DataType: input.S3Input.S3DataType,
              S3InputMode: input.S3Input.S3InputMode ?? "File",
              S3CompressionType: input.S3Input.S3CompressionType ?? "None",
              S3DownloadMode: "StartOfJob",
            },
          }
        : {}),
    })),
    ProcessingOutputConfig: {
      Outputs: (req.ProcessingOutputConfig?.Outputs ?? []).map((output) => ({
        OutputName: output.OutputName,
        ...(output.AppManaged !== undefined ? { AppManaged: output.AppManaged } : {}),
        ...(output.S3Output ? { S3Output: { LocalPath: output.S3Output.LocalPath, S3Uri: output.S3Output.S3Uri, S3UploadMode: output.S3Output.S3UploadMode } } : {}),
      })),
      KmsKeyId: req.ProcessingOutputConfig?.KmsKeyId ?? null,
    },
    ProcessingResources: {
      ClusterConfig: {
        InstanceCount: cluster.InstanceCount,
        InstanceType: cluster.InstanceType,
        VolumeSizeInGB: cluster.VolumeSizeInGB,
        VolumeKmsKeyId: cluster.VolumeKmsKeyId ?? null,
      },
    },
    RoleArn: req.RoleArn,
    StoppingCondition: { MaxRuntimeInSeconds: req.StoppingCondition?.MaxRuntimeInSeconds ?? DEFAULT_PROCESSING_MAX_RUNTIME_SECONDS },
  };
}

export function planProcessingJob(req: CreateProcessingJobRequest, settings: PlanSettings, creationTime: number): ProcessingPlan {
  const name = req.ProcessingJobName;
  const workDir = `${settings.jobsDir}/${name}-${Math.round(creationTime * 1000)}`;
  const arn = processingJobArn(settings.region, settings.accountId, name);
  const cluster = req.ProcessingResources.ClusterConfig;
  const hostNames = Array.from({ length: cluster.InstanceCount }, (_, i) => `algo-${i + 1}`);
  const jobConfig = `${JSON.stringify(processingJobConfig(req, arn), null, 4)}\n`;
  const s3Inputs = (req.ProcessingInputs ?? []).filter((i) => i.S3Input !== undefined);
  const app = req.AppSpecification;
  // Arguments alone go to the image's own ENTRYPOINT, which only its container knows.
  const command = app.ContainerEntrypoint?.length ? [...app.ContainerEntrypoint, ...(app.ContainerArguments ?? [])] : undefined;

  const hosts = hostNames.map((host, index): HostPlan => {
    const baseDir = `${workDir}/${host}`;
    return {
      host,
      baseDir,
      // The training files' resourceconfig.json names the host's instance type for the executors
      // (GPUs, instance limits); a processing host is given the files of `configs` instead.
      configFiles: configFilesFor({ hyperparameters: {}, channels: [], instanceType: cluster.InstanceType, instanceCount: cluster.InstanceCount }, host),
      env: {
        ...settings.hostEnv,
        ...(req.Environment ?? {}),
        AWS_REGION: settings.region,
      },
      channels: s3Inputs.map((input): ChannelPlacement => {
        const s3 = input.S3Input!;
        const distribution = s3.S3DataDistributionType ?? "FullyReplicated";
        return {
          channel: input.InputName,
          source: parseLocation(s3.S3Uri),
          sourceUri: s3.S3Uri,
          inputMode: s3.S3InputMode ?? "File",
          distribution,
          dataType: s3.S3DataType,
          compression: s3.S3CompressionType ?? "None",
          recordWrapper: "None",
          ...(distribution === "ShardedByS3Key" ? { shard: { index, count: hostNames.length } } : {}),
          target: hostPath({ baseDir }, s3.LocalPath!),
        };
      }),
      logFile: `${workDir}/${host}.log`,
      exitFile: `${workDir}/${host}.exit`,
    };
  });

  return {
    name,
    arn,
    region: settings.region,
    workDir,
    hosts,
    // A processing job has no model: nothing goes to these.
    artifacts: { compression: "NONE", modelUri: "", outputUri: "", intermediateUri: "" },
    maxRuntimeSeconds: req.StoppingCondition?.MaxRuntimeInSeconds ?? DEFAULT_PROCESSING_MAX_RUNTIME_SECONDS,
    stopGraceSeconds: settings.stopGraceSeconds,
    metricDefinitions: [],
    image: app.ImageUri,
    ...(app.ContainerEntrypoint ? { containerEntrypoint: app.ContainerEntrypoint } : {}),
    ...(app.ContainerArguments ? { containerArguments: app.ContainerArguments } : {}),
    ...(command ? { command } : {}),
    imageCommand: true,
    enableNetworkIsolation: req.NetworkConfig?.EnableNetworkIsolation === true,
    outputs: (req.ProcessingOutputConfig?.Outputs ?? [])
      .filter((o) => o.S3Output !== undefined)
      .map((o) => ({ name: o.OutputName, uri: o.S3Output!.S3Uri, localPath: o.S3Output!.LocalPath!, mode: o.S3Output!.S3UploadMode })),
    configs: Object.fromEntries(
      hostNames.map((host) => [host, { "processingjobconfig.json": jobConfig, "resourceconfig.json": `${JSON.stringify({ current_host: host, hosts: hostNames })}\n` }]),
    ),
  };
}
