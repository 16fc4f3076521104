/**
 * The platform direction: from a job description and the host being started, the three config
 * files exactly in the shapes SageMaker writes them (SPEC.md section 2). Pure: it returns texts;
 * `writeJobLayout` is the one effectful step that lays them out under a base dir.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { CHANNEL_NAME_PATTERN } from "./config-files.js";
import { ContractError } from "./errors.js";
import { channelPath, contractPaths } from "./paths.js";

export type TrainingInputMode = "File" | "Pipe" | "FastFile";
export type S3DistributionType = "FullyReplicated" | "ShardedByS3Key";
export type RecordWrapperType = "None" | "RecordIO";

export interface ChannelDescription {
  readonly name: string;
  readonly inputMode?: TrainingInputMode;
  readonly contentType?: string;
  readonly s3DistributionType?: S3DistributionType;
  readonly recordWrapperType?: RecordWrapperType;
  /** Heterogeneous clusters: only hosts of these instance groups receive the channel (all when unset). */
  readonly instanceGroupNames?: readonly string[];
}

export interface InstanceGroupDescription {
  readonly name: string;
  readonly instanceType: string;
  readonly instanceCount: number;
}

export interface JobDescription {
  /** The job's HyperParameters map, written verbatim. */
  readonly hyperparameters?: Readonly<Record<string, string>>;
  readonly channels?: readonly ChannelDescription[];
  /** A homogeneous cluster: instanceType and instanceCount (default 1). */
  readonly instanceType?: string;
  readonly instanceCount?: number;
  /** A heterogeneous cluster: groups, whose hosts are numbered in group order. */
  readonly instanceGroups?: readonly InstanceGroupDescription[];
  readonly networkInterfaceName?: string;
}

export interface ConfigFiles {
  readonly "hyperparameters.json": string;
  readonly "inputdataconfig.json": string;
  readonly "resourceconfig.json": string;
}

export const HOMOGENEOUS_GROUP = "homogeneousCluster";

function invalid(field: string, problem: string): ContractError {
  return new ContractError("ConfigFieldInvalid", `job description: ${field} ${problem}`, undefined, field);
}

/** Python's sort of host names: lexicographic by code point, so algo-10 sorts before algo-2. */
function lexicographic(names: string[]): string[] {
  return [...names].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

export interface ClusterLayout {
  /** Every host, lexicographically ordered. */
  readonly hosts: readonly string[];
  /** Groups in the order given, each with its hosts (lexicographic) and instance type. */
  readonly groups: readonly { name: string; instanceType: string; hosts: readonly string[] }[];
}

/**
 * Hosts `algo-1..N`: a homogeneous cluster is one group named `homogeneousCluster`; instance groups
 * take consecutive numbers in the order they are given.
 */
export function clusterLayout(job: JobDescription): ClusterLayout {
  const groups = job.instanceGroups?.length
    ? job.instanceGroups
    : [{ name: HOMOGENEOUS_GROUP, instanceType: job.instanceType ?? "local", instanceCount: job.instanceCount ?? 1 }];
  if (job.instanceGroups?.length && (job.instanceType !== undefined || job.instanceCount !== undefined)) {
    throw invalid("instanceGroups", "cannot be combined with instanceType/instanceCount");
  }
  const seen = new Set<string>();
  let next = 1;
  const laid = groups.map((g, i) => {
    if (!Number.isInteger(g.instanceCount) || g.instanceCount < 1) {
      throw invalid(job.instanceGroups ? `instanceGroups[${i}].instanceCount` : "instanceCount", `must be a whole number >= 1, got ${g.instanceCount}`);
    }
    if (seen.has(g.name)) throw invalid(`instanceGroups[${i}].name`, `repeats the group name "${g.name}"`);
    seen.add(g.name);
    const hosts = Array.from({ length: g.instanceCount }, () => `algo-${next++}`);
    return { name: g.name, instanceType: g.instanceType, hosts: lexicographic(hosts) };
  });
  return { hosts: lexicographic(laid.flatMap((g) => g.hosts)), groups: laid };
}

/** The three config files for one host of the job. */
export function configFilesFor(job: JobDescription, currentHost: string): ConfigFiles {
  const layout = clusterLayout(job);
  const group = layout.groups.find((g) => g.hosts.includes(currentHost));
  if (!group) throw invalid("currentHost", `"${currentHost}" is not one of the job's hosts (${layout.hosts.join(", ")})`);

  const inputDataConfig: Record<string, Record<string, string>> = {};
  for (const [i, ch] of (job.channels ?? []).entries()) {
    if (ch.instanceGroupNames?.length && !ch.instanceGroupNames.includes(group.name)) continue;
    if (!CHANNEL_NAME_PATTERN.test(ch.name)) {
      throw invalid(`channels[${i}].name`, `"${ch.name}" is not a valid channel name (1 to 64 characters from A-Z, a-z, 0-9, '.', '-' and '_')`);
    }
    if (Object.hasOwn(inputDataConfig, ch.name)) throw invalid(`channels[${i}].name`, `repeats the channel name "${ch.name}"`);
    inputDataConfig[ch.name] = {
      ...(ch.contentType !== undefined ? { ContentType: ch.contentType } : {}),
      TrainingInputMode: ch.inputMode ?? "File",
      S3DistributionType: ch.s3DistributionType ?? "FullyReplicated",
      RecordWrapperType: ch.recordWrapperType ?? "None",
    };
  }

  const resourceConfig = {
    current_host: currentHost,
    current_instance_type: group.instanceType,
    current_group_name: group.name,
    hosts: layout.hosts,
    instance_groups: layout.groups.map((g) => ({
      instance_group_name: g.name,
      instance_type: g.instanceType,
      hosts: g.hosts,
    })),
    network_interface_name: job.networkInterfaceName ?? "eth0",
  };

  return {
    "hyperparameters.json": JSON.stringify(job.hyperparameters ?? {}),
    "inputdataconfig.json": JSON.stringify(inputDataConfig),
    "resourceconfig.json": JSON.stringify(resourceConfig),
  };
}

/**
 * Lay out a host's base dir as SageMaker does before `train` starts: the config files, and empty
 * `code/`, `model/`, `output/data/`, `output/intermediate/` and one `input/data/<channel>/` per
 * File-mode channel.
 */
export function writeJobLayout(baseDir: string, files: ConfigFiles, channels: readonly ChannelDescription[] = []): void {
  const paths = contractPaths(baseDir);
  for (const dir of [paths.inputConfig, paths.inputData, paths.code, paths.model, paths.outputData, paths.outputIntermediate]) {
    mkdirSync(dir, { recursive: true });
  }
  writeFileSync(paths.hyperparametersFile, files["hyperparameters.json"]);
  writeFileSync(paths.inputDataConfigFile, files["inputdataconfig.json"]);
  writeFileSync(paths.resourceConfigFile, files["resourceconfig.json"]);
  for (const ch of channels) {
    if ((ch.inputMode ?? "File") !== "Pipe") mkdirSync(channelPath(paths, ch.name), { recursive: true });
  }
}
