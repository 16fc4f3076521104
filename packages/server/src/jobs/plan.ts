/**
 * The plan of a job: pure data computed from the request and the server's settings. Hosts
 * `algo-1..N`, each host's base dir, its three config files, its container environment and where
 * its channels come from; where artifacts go; how it is stopped. Executors turn a host plan into a
 * running host; tests assert on plans without running anything.
 */
import { clusterLayout, configFilesFor, contractPaths, type ChannelDescription, type ConfigFiles, type JobDescription } from "@optml/contract";
import { joinUri, parseLocation, type Location } from "../data/location.js";
import { hostIndex, type Shard } from "../data/sharding.js";
import type { CreateTrainingJobRequest } from "../sagemaker/request.js";
import type { SlurmJobSettings } from "../executors/slurm/scripts.js";
import type { HostLimits } from "../executors/resources.js";
import type { JobPython } from "./python.js";

export interface PlanSettings {
  readonly region: string;
  readonly accountId: string;
  /** Where job work dirs go (`$OPTML_HOME/jobs`). */
  readonly jobsDir: string;
  /** Environment every host gets under the job's own (the control plane's S3 configuration). */
  readonly hostEnv?: Readonly<Record<string, string>>;
  /** SIGTERM -> SIGKILL grace, seconds (SageMaker: 120). */
  readonly stopGraceSeconds: number;
}

export interface ChannelPlacement {
  readonly channel: string;
  readonly source: Location;
  readonly sourceUri: string;
  readonly inputMode: "File" | "Pipe" | "FastFile";
  readonly distribution: "FullyReplicated" | "ShardedByS3Key";
  readonly dataType: "S3Prefix" | "ManifestFile" | "AugmentedManifestFile";
  readonly compression: "None" | "Gzip";
  readonly recordWrapper: "None" | "RecordIO";
  /** ShardedByS3Key: this host's place among the hosts (see data/sharding.ts); absent when FullyReplicated. */
  readonly shard?: Shard;
  /** File mode: the directory the program reads (`<base>/input/data/<channel>`); Pipe mode: the FIFOs are `<target>_<epoch>`. */
  readonly target: string;
  /**
   * Pipe mode fed on the host's own machine (a Slurm node), not by the control plane: the objects
   * are staged into `dir` (0, 1, ... in the channel's order) and a feeder beside the host streams
   * them into its FIFOs. A FIFO joins a writer and a reader on one machine only.
   */
  readonly nodeFeed?: { readonly dir: string };
}

export interface HostPlan {
  readonly host: string;
  readonly baseDir: string;
  readonly configFiles: ConfigFiles;
  /** The container environment: TRAINING_JOB_NAME, TRAINING_JOB_ARN, AWS_REGION and the job's Environment. */
  readonly env: Readonly<Record<string, string>>;
  readonly channels: readonly ChannelPlacement[];
  /** CheckpointConfig.LocalPath inside the host's base dir; absent without CheckpointConfig. */
  readonly checkpointDir?: string;
  /** The host's output, as the executor records it (log file of the process executor). */
  readonly logFile: string;
  readonly exitFile: string;
  /** The CPUs and memory of its instance type, under `--instance-resources enforce` (see executors/resources.ts). */
  readonly limits?: HostLimits;
  /** How many of the machine's GPUs it gets (its instance type's), where nvidia-smi lists GPUs (see executors/gpus.ts). */
  readonly gpus?: number;
  /** The machine's GPUs the scheduler gave it (`nvidia-smi -L` indexes), once assigned; absent where the machine has none. */
  readonly gpuIds?: readonly string[];
}

export interface ArtifactPlan {
  readonly compression: "GZIP" | "NONE";
  /** `<S3OutputPath>/<job>/output/model.tar.gz` (or `.../output/model/` uncompressed). */
  readonly modelUri: string;
  readonly outputUri: string;
  /** `<S3OutputPath>/<job>/output/intermediate`: where output/intermediate/ is synced while the job runs. */
  readonly intermediateUri: string;
}

export interface JobPlan {
  readonly name: string;
  readonly arn: string;
  readonly region: string;
  readonly workDir: string;
  readonly hosts: readonly HostPlan[];
  readonly artifacts: ArtifactPlan;
  /** CheckpointConfig: where checkpoints are restored from and uploaded to. */
  readonly checkpoints?: { readonly uri: string; readonly localPath: string };
  readonly maxRuntimeSeconds: number;
  readonly stopGraceSeconds: number;
  readonly metricDefinitions: readonly { readonly name: string; readonly regex: string }[];
  /** The image its hosts run: a training job's TrainingImage, a processing job's AppSpecification.ImageUri. */
  readonly image: string | undefined;
  /** AlgorithmSpecification.ContainerEntrypoint / ContainerArguments, when given (container executor). */
  readonly containerEntrypoint?: readonly string[];
  readonly containerArguments?: readonly string[];
  /**
   * What a host runs instead of @optml/runner's `train`: a processing job's ContainerEntrypoint +
   * ContainerArguments, run as they are (process executors), or in its image with the image's own
   * ENTRYPOINT/CMD where the request leaves them out (Docker: `imageCommand`).
   */
  readonly command?: readonly string[];
  /** The container runs its image's own command where ContainerEntrypoint/ContainerArguments leave it (not `train`). */
  readonly imageCommand?: boolean;
  readonly enableNetworkIsolation: boolean;
  /** A container job's local code, mounted read-only in every container (executors/docker/container.ts withContainerCode). */
  readonly containerCode?: { readonly source: string; readonly target: string };
  /** The Python the hosts run (process executors; a Docker job runs its image's). */
  readonly python?: JobPython;
  /** The Slurm settings of a job the Slurm executor runs (the server's under the job's tags). */
  readonly slurm?: SlurmJobSettings;
}

export const DEFAULT_MAX_RUNTIME_SECONDS = 86400;

/** CheckpointConfig.LocalPath's default. */
export const DEFAULT_CHECKPOINT_LOCAL_PATH = "/opt/ml/checkpoints";

/**
 * Where a CheckpointConfig.LocalPath is on a host: `/opt/ml/<rest>` is `<base>/<rest>`. Undefined
 * for a path that is not strictly inside /opt/ml (the only tree a host's base dir stands for).
 */
export function checkpointDirIn(baseDir: string, localPath: string = DEFAULT_CHECKPOINT_LOCAL_PATH): string | undefined {
  return optMlPathIn(baseDir, localPath);
}

/**
 * Where a path strictly inside /opt/ml is on a host whose base dir stands for /opt/ml
 * (`/opt/ml/<rest>` is `<base>/<rest>`); undefined for any other path.
 */
export function optMlPathIn(baseDir: string, path: string): string | undefined {
  const parts = path.split("/").filter((p) => p !== "" && p !== ".");
  if (!path.startsWith("/") || parts.length < 3 || parts[0] !== "opt" || parts[1] !== "ml" || parts.includes("..")) return undefined;
  return [baseDir, ...parts.slice(2)].join("/");
}

export function trainingJobArn(region: string, accountId: string, name: string): string {
  return `arn:aws:sagemaker:${region}:${accountId}:training-job/${name.toLowerCase()}`;
}

/** The job as @optml/contract's platform side describes it. */
export function jobDescription(req: CreateTrainingJobRequest): JobDescription & { channels: ChannelDescription[] } {
  const rc = req.ResourceConfig;
  const cluster: Pick<JobDescription, "instanceType" | "instanceCount" | "instanceGroups"> = rc.InstanceGroups?.length
    ? { instanceGroups: rc.InstanceGroups.map((g) => ({ name: g.InstanceGroupName, instanceType: g.InstanceType, instanceCount: g.InstanceCount })) }
    : { instanceType: rc.InstanceType ?? "local", instanceCount: rc.InstanceCount ?? 1 };
  return {
    hyperparameters: req.HyperParameters ?? {},
    channels: (req.InputDataConfig ?? []).map((ch) => ({
      name: ch.ChannelName,
      inputMode: ch.InputMode ?? req.AlgorithmSpecification.TrainingInputMode,
      ...(ch.ContentType !== undefined ? { contentType: ch.ContentType } : {}),
      s3DistributionType: ch.DataSource.S3DataSource?.S3DataDistributionType ?? "FullyReplicated",
      recordWrapperType: ch.RecordWrapperType ?? "None",
      ...(ch.DataSource.S3DataSource?.InstanceGroupNames?.length ? { instanceGroupNames: ch.DataSource.S3DataSource.InstanceGroupNames } : {}),
    })),
    ...cluster,
  };
}

export function planJob(req: CreateTrainingJobRequest, settings: PlanSettings, creationTime: number): JobPlan {
  const name = req.TrainingJobName;
  const workDir = `${settings.jobsDir}/${name}-${Math.round(creationTime * 1000)}`;
  const arn = trainingJobArn(settings.region, settings.accountId, name);
  const description = jobDescription(req);
  const layout = clusterLayout(description);
  const output = joinUri(req.OutputDataConfig.S3OutputPath, name, "output");
  const compression = req.OutputDataConfig.CompressionType ?? "GZIP";
  const checkpoint = req.CheckpointConfig;

  const groupOf = new Map(layout.groups.flatMap((g) => g.hosts.map((h) => [h, g.name] as const)));
  /** The hosts that receive a channel (InstanceGroupNames limits them to some groups), by number. */
  const receivers = (names: readonly string[] | undefined) =>
    layout.hosts.filter((h) => !names?.length || names.includes(groupOf.get(h)!)).sort((a, b) => hostIndex(a) - hostIndex(b));

  const hosts = layout.hosts.map((host): HostPlan => {
    const baseDir = `${workDir}/${host}`;
    const paths = contractPaths(baseDir);
    return {
      host,
      baseDir,
      configFiles: configFilesFor(description, host),
      env: {
        ...settings.hostEnv,
        ...(req.Environment ?? {}),
        TRAINING_JOB_NAME: name,
        TRAINING_JOB_ARN: arn,
        AWS_REGION: settings.region,
      },
      channels: (req.InputDataConfig ?? []).flatMap((ch, i) => {
        const s3 = ch.DataSource.S3DataSource!;
        const takers = receivers(s3.InstanceGroupNames);
        if (!takers.includes(host)) return [];
        return {
          channel: ch.ChannelName,
          source: parseLocation(s3.S3Uri),
          sourceUri: s3.S3Uri,
          inputMode: description.channels[i]!.inputMode ?? "File",
          distribution: s3.S3DataDistributionType ?? "FullyReplicated",
          dataType: s3.S3DataType,
          compression: ch.CompressionType ?? "None",
          recordWrapper: ch.RecordWrapperType ?? "None",
          ...(s3.S3DataDistributionType === "ShardedByS3Key" ? { shard: { index: takers.indexOf(host), count: takers.length } } : {}),
          target: `${paths.inputData}/${ch.ChannelName}`,
        };
      }),
      ...(checkpoint ? { checkpointDir: checkpointDirIn(baseDir, checkpoint.LocalPath) ?? paths.checkpoints } : {}),
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
    artifacts: {
      compression,
      modelUri: compression === "NONE" ? joinUri(output, "model") : joinUri(output, "model.tar.gz"),
      outputUri: joinUri(output, "output.tar.gz"),
      intermediateUri: joinUri(output, "intermediate"),
    },
    ...(checkpoint ? { checkpoints: { uri: checkpoint.S3Uri, localPath: checkpoint.LocalPath ?? DEFAULT_CHECKPOINT_LOCAL_PATH } } : {}),
    maxRuntimeSeconds: req.StoppingCondition.MaxRuntimeInSeconds ?? DEFAULT_MAX_RUNTIME_SECONDS,
    stopGraceSeconds: settings.stopGraceSeconds,
    metricDefinitions: (req.AlgorithmSpecification.MetricDefinitions ?? []).map((m) => ({ name: m.Name, regex: m.Regex })),
    image: req.AlgorithmSpecification.TrainingImage,
    ...(req.AlgorithmSpecification.ContainerEntrypoint ? { containerEntrypoint: req.AlgorithmSpecification.ContainerEntrypoint } : {}),
    ...(req.AlgorithmSpecification.ContainerArguments ? { containerArguments: req.AlgorithmSpecification.ContainerArguments } : {}),
    enableNetworkIsolation: req.EnableNetworkIsolation === true,
  };
}

/**
 * The plan with the job's Python: every host gets it as OPTML_PYTHON, and OPTML_VENVS, where the
 * runner keeps the virtual environments of requirements.txt (unless the job sets its own).
 */
export function withPython(plan: JobPlan, python: JobPython, venvsDir: string): JobPlan {
  return {
    ...plan,
    python,
    hosts: plan.hosts.map((host) => ({ ...host, env: { OPTML_VENVS: venvsDir, ...host.env, OPTML_PYTHON: python.path } })),
  };
}
