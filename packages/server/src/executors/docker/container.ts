/**
 * What the container executor asks the engine for, as pure data: names and labels, the job's
 * network, and each host's container (`docker run <image> train`, hostname algo-N, the host's base
 * dir at /opt/ml, the container environment, GPUs by the rule below).
 */
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import type { HostPlan, JobPlan } from "../../jobs/plan.js";
import { NUM_CPUS_VARIABLE } from "../resources.js";

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

/** GPU instance families: ml.p* and ml.g* (ml.p3, ml.p4d, ml.p5, ml.g4dn, ml.g5, ml.g6, ...). */
export function isGpuInstanceType(instanceType: string | undefined): boolean {
  return instanceType !== undefined && /^ml\.[pg]\d/.test(instanceType);
}

/** Whether this machine has NVIDIA GPUs: `nvidia-smi -L` runs and lists at least one. */
export function machineHasNvidiaGpus(): boolean {
  try {
    return /^GPU \d+:/m.test(execFileSync("nvidia-smi", ["-L"], { encoding: "utf8", timeout: 10_000, stdio: ["ignore", "pipe", "ignore"] }));
  } catch {
    return false;
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
  readonly gpus: boolean;
  /** `User` for the container; the image's own by default (as SageMaker). */
  readonly user?: string;
  /** Extra environment under the plan's own. */
  readonly env?: Readonly<Record<string, string>>;
  /** The host's network holder (holder.ts), whose network namespace and hostname the container joins. */
  readonly holder?: string;
}

/**
 * A host container's environment: the extra environment, the plan's over it (with the GPUs the
 * host was given, CUDA_VISIBLE_DEVICES and OPTML_NUM_GPUS, see ../gpus.ts), the stop grace, and
 * under enforced instance resources the host's vCPUs (OPTML_NUM_CPUS: an @optml/runner `train`
 * makes SM_NUM_CPUS of it).
 */
export function containerEnv(job: Pick<JobPlan, "stopGraceSeconds">, host: Pick<HostPlan, "env" | "limits">, extra?: Readonly<Record<string, string>>): Record<string, string> {
  return {
    ...extra,
    ...host.env,
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

/** The body of `POST /containers/create` for one host. */
export function containerSpec(job: JobPlan, host: HostPlan, ids: JobIds, o: ContainerSpecOptions): Record<string, unknown> {
  const env = containerEnv(job, host, o.env);
  const isolated = job.enableNetworkIsolation;
  // Joining a holder's namespace takes its hostname and /etc/hosts too (Docker refuses a Hostname of one's own then).
  const network = o.holder ? { NetworkMode: `container:${o.holder}` } : { NetworkMode: isolated ? "none" : ids.network };
  return {
    Image: job.trainingImage,
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
        ...[...new Set(host.channels.filter((c) => c.source.kind === "file").map((c) => (c.source as { path: string }).path))].map((p) => `${p}:${p}:ro`),
      ],
      ...network,
      // json-file keeps the whole output with the container, so it can be read again from the start.
      LogConfig: { Type: "json-file", Config: {} },
      ...resourceLimits(host),
      ...(o.gpus ? { DeviceRequests: [{ Driver: "nvidia", Count: -1, Capabilities: [["gpu"]] }] } : {}),
    },
    ...(isolated || o.holder ? {} : { NetworkingConfig: { EndpointsConfig: { [ids.network]: { Aliases: [host.host] } } } }),
  };
}
