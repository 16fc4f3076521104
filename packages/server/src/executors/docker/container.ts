/**
 * What the container executor asks the engine for, as pure data: names and labels, the job's
 * network, and each host's container (`docker run <image> train`, hostname algo-N, the host's base
 * dir at /opt/ml, the job's local code at /opt/ml/code, the container environment, the GPUs the
 * host was assigned (./gpus.ts)).
 */
import { createHash } from "node:crypto";
import { posix } from "node:path";
import { fileURLToPath } from "node:url";
import type { HostPlan, JobPlan } from "../../jobs/plan.js";
import { NUM_CPUS_VARIABLE } from "../resources.js";
import { containerGpuEnv, containerGpus, gpuDeviceRequests, type GpuDriver } from "./gpus.js";

export const LABEL_JOB = "optml.job";
export const LABEL_HOME = "optml.home";
export const LABEL_HOST = "optml.host";
export const LABEL_JOB_NAME = "optml.job-name";

export function shortHash(text: string, length = 16): string {
  return createHash("sha256").update(text).digest("hex").slice(0, length);
}

/** What identifies a job's containers and network on the engine. */
export interface JobIds {
  /** `optml.job`: hash of the job's work dir (unique per job and control plane). */
  readonly job: string;
  /** `optml.home`: hash of the control plane's state dir. */
  readonly home: string;
  /** The job's bridge network. */
  readonly network: string;
}

export function jobIds(job: Pick<JobPlan, "workDir">, homeLabel: string): JobIds {
  const jobHash = shortHash(job.workDir);
  const home = shortHash(homeLabel);
  return { job: jobHash, home, network: `optml-${home.slice(0, 8)}-${jobHash.slice(0, 12)}` };
}

export function containerName(ids: JobIds, host: string): string {
  return `${ids.network}-${host}`;
}

export function labels(ids: JobIds, job: Pick<JobPlan, "name">, host?: string): Record<string, string> {
  return { [LABEL_JOB]: ids.job, [LABEL_HOME]: ids.home, [LABEL_JOB_NAME]: job.name, ...(host ? { [LABEL_HOST]: host } : {}) };
}

/** The instance type a host was planned on (its resourceconfig.json). */
export function instanceTypeOf(host: HostPlan): string | undefined {
  try {
    return (JSON.parse(host.configFiles["resourceconfig.json"]) as { current_instance_type?: string }).current_instance_type;
  } catch {
    return undefined;
  }
}

/** `docker run <image> train` (a processing job: the image's own command), or ContainerEntrypoint / ContainerArguments when given. */
export function commandOf(job: Pick<JobPlan, "containerEntrypoint" | "containerArguments" | "imageCommand">): { Entrypoint?: string[]; Cmd?: string[] } {
  const entrypoint = job.containerEntrypoint?.length ? [...job.containerEntrypoint] : undefined;
  // A processing job without arguments runs the image's own CMD (or none, after its own entrypoint).
  if (job.imageCommand && !job.containerArguments) return entrypoint ? { Entrypoint: entrypoint, Cmd: [] } : {};
  const args = job.containerArguments ? [...job.containerArguments] : entrypoint ? [] : ["train"];
  return { ...(entrypoint ? { Entrypoint: entrypoint } : {}), Cmd: args };
}

export interface ContainerSpecOptions {
  /** How the engine gives GPUs (./gpus.ts); none: the container gets no GPU. */
  readonly gpuDriver?: GpuDriver;
  /** `User` for the container; the image's own by default (as SageMaker). */
  readonly user?: string;
  /** Extra environment under the plan's own. */
  readonly env?: Readonly<Record<string, string>>;
  /** The host's network holder (holder.ts), whose network namespace and hostname the container joins. */
  readonly holder?: string;
}

/**
 * A host container's environment: the extra environment, the plan's over it, the GPUs the
 * container is given as it sees them (CUDA_VISIBLE_DEVICES 0..n-1, OPTML_NUM_GPUS n; ./gpus.ts),
 * the stop grace, and under enforced instance resources the host's vCPUs (OPTML_NUM_CPUS: an
 * @optml/runner `train` makes SM_NUM_CPUS of it).
 */
export function containerEnv(
  job: Pick<JobPlan, "stopGraceSeconds">,
  host: Pick<HostPlan, "env" | "limits" | "gpuIds">,
  extra?: Readonly<Record<string, string>>,
  gpuDriver?: GpuDriver,
): Record<string, string> {
  return {
    ...extra,
    ...host.env,
    ...containerGpuEnv(host, gpuDriver),
    OPTML_STOP_GRACE_SECONDS: String(job.stopGraceSeconds),
    ...(host.limits ? { [NUM_CPUS_VARIABLE]: String(host.limits.cpus) } : {}),
  };
}

/**
 * A host's instance limits (under --instance-resources enforce) as the engine takes them: its
 * memory with no swap on top (MemorySwap the same), its vCPUs as a CFS quota (NanoCpus).
 */
export function resourceLimits(host: Pick<HostPlan, "limits">): Record<string, number> {
  if (!host.limits) return {};
  return { Memory: host.limits.memoryBytes, MemorySwap: host.limits.memoryBytes, NanoCpus: Math.round(host.limits.cpus * 1e9) };
}

/** Where a job's local code directory is in its containers, as SageMaker SDK local mode mounts it. */
export const CONTAINER_CODE_DIR = "/opt/ml/code";
/** Where a local code file (a `.tar.gz`, or one script) is mounted; its path is passed on. */
export const CONTAINER_CODE_FILE_DIR = "/opt/optml/code";
const SUBMIT_DIRECTORY = "sagemaker_submit_directory";

/** A job's local code as its containers see it: mounted read-only from `source` at `target`. */
export interface ContainerCode {
  readonly source: string;
  readonly target: string;
}

/** The local path a sagemaker_submit_directory value names (absolute path or file:// URI); undefined for S3, relative paths and other schemes. */
export function localSubmitPath(value: string): string | undefined {
  if (value.startsWith("file:")) {
    try {
      return fileURLToPath(value);
    } catch {
      return undefined;
    }
  }
  return value.startsWith("/") ? value : undefined;
}

/**
 * The plan of a container job with its local code where every image finds it: a directory given
 * as `sagemaker_submit_directory` (a `file://` URI or an absolute path, as `optml train` sends it)
 * is mounted at /opt/ml/code and the hyperparameters the containers read say `"/opt/ml/code"`, as
 * SDK local mode does; a file (a `.tar.gz`, a script) is mounted under /opt/optml/code and passed
 * as its path there. SageMaker's training toolkit, optml's runner and a BYOC `train` then read the
 * same job.json. `kindOf` says what a path is on this machine (undefined: nothing there, and the
 * value is left for the image to report). What the API describes stays what was sent.
 */
export function withContainerCode(plan: JobPlan, kindOf: (path: string) => "directory" | "file" | undefined): JobPlan {
  const hyperparameters = (host: HostPlan) => JSON.parse(host.configFiles["hyperparameters.json"]) as Record<string, unknown>;
  const first = plan.hosts[0];
  if (!first) return plan;
  const raw = hyperparameters(first)[SUBMIT_DIRECTORY];
  if (typeof raw !== "string") return plan;
  let value = raw;
  let encoded = false;
  try {
    const parsed: unknown = JSON.parse(raw);
    if (typeof parsed === "string") [value, encoded] = [parsed, true];
  } catch {
    // a bare string, taken as it is (as the runner and the toolkit do)
  }
  const path = localSubmitPath(value);
  const kind = path === undefined ? undefined : kindOf(path);
  if (path === undefined || kind === undefined) return plan;
  const code: ContainerCode = kind === "directory" ? { source: path, target: CONTAINER_CODE_DIR } : { source: path, target: posix.join(CONTAINER_CODE_FILE_DIR, posix.basename(path)) };
  return {
    ...plan,
    containerCode: code,
    hosts: plan.hosts.map((host) => ({
      ...host,
      configFiles: {
        ...host.configFiles,
        "hyperparameters.json": JSON.stringify({ ...hyperparameters(host), [SUBMIT_DIRECTORY]: encoded ? JSON.stringify(code.target) : code.target }),
      },
    })),
  };
}

/** The body of `POST /containers/create` for one host. */
export function containerSpec(job: JobPlan, host: HostPlan, ids: JobIds, o: ContainerSpecOptions): Record<string, unknown> {
  const env = containerEnv(job, host, o.env, o.gpuDriver);
  const devices = gpuDeviceRequests(containerGpus(host, o.gpuDriver), o.gpuDriver);
  const isolated = job.enableNetworkIsolation;
  // Joining a holder's namespace takes its hostname and /etc/hosts too (Docker refuses a Hostname of one's own then).
  const network = o.holder ? { NetworkMode: `container:${o.holder}` } : { NetworkMode: isolated ? "none" : ids.network };
  return {
    Image: job.image,
    ...commandOf(job),
    ...(o.holder ? {} : { Hostname: host.host }),
    Env: Object.entries(env).map(([k, v]) => `${k}=${v}`),
    Labels: labels(ids, job, host.host),
    ...(o.user ? { User: o.user } : {}),
    Tty: false,
    OpenStdin: false,
    AttachStdin: false,
    HostConfig: {
      // Local (file://) channels are links into this machine's paths: those paths are mounted at the
      // same place, read-only, so the links resolve inside the container and the data stays as it is.
      Binds: [
        `${host.baseDir}:/opt/ml`,
        ...(job.containerCode ? [`${job.containerCode.source}:${job.containerCode.target}:ro`] : []),
        ...[...new Set(host.channels.filter((c) => c.source.kind === "file").map((c) => (c.source as { path: string }).path))].map((p) => `${p}:${p}:ro`),
      ],
      ...network,
      // json-file keeps the whole output with the container, so it can be read again from the start.
      LogConfig: { Type: "json-file", Config: {} },
      ...resourceLimits(host),
      ...(devices ? { DeviceRequests: devices } : {}),
    },
    ...(isolated || o.holder ? {} : { NetworkingConfig: { EndpointsConfig: { [ids.network]: { Aliases: [host.host] } } } }),
  };
}
