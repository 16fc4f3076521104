/**
 * The instance, simulated: under `optml serve --instance-resources enforce` (or the job tag
 * `optml:instance-resources=enforce`) each host of a process or netns job gets the vCPUs and
 * memory of its InstanceType (sagemaker/instance-specs.ts), capped at what the machine has,
 * through its cgroup: cgroup v2's `cpu.max` / `memory.max` where the host's cgroup is v2, else
 * v1's `cpu.cfs_quota_us` / `memory.limit_in_bytes` in cgroups of the same name in the v1 cpu and
 * memory hierarchies, which the host's wrapper joins too. A host that goes over its memory is
 * killed by the kernel (as on SageMaker), and the job fails with OutOfMemoryError naming the
 * limit. The host's `train` is told its share (OPTML_NUM_CPUS), so SM_NUM_CPUS matches it.
 *
 * Why a limit is not there (an unknown type, no root, a hierarchy without the controller) goes in
 * the job's warnings and log: the job runs, unlimited.
 *
 * Docker hosts get the same limits from the engine (HostConfig Memory, MemorySwap, NanoCpus; see
 * ./docker/container.ts), and the same FailureReason when the engine says the kernel killed for memory.
 */
import { existsSync, readdirSync, readFileSync, rmdirSync, writeFileSync } from "node:fs";
import { basename, dirname } from "node:path";
import { cpus, totalmem } from "node:os";
import { setTimeout as sleep } from "node:timers/promises";
import type { CreateTrainingJobRequest } from "../sagemaker/request.js";
import type { HostPlan, JobPlan } from "../jobs/plan.js";
import { instanceSpec } from "../sagemaker/instance-specs.js";
import { createCgroup, jobOfCgroupName, parseMountinfo, scopePath, type CgroupHierarchy } from "./cgroups.js";

export type InstanceResourcesMode = "off" | "enforce";
export const INSTANCE_RESOURCES_MODES: readonly InstanceResourcesMode[] = ["off", "enforce"];
/** The job tag that overrides `optml serve --instance-resources`. */
export const INSTANCE_RESOURCES_TAG = "optml:instance-resources";
/** The variables that tell `train` the host's share (SM_NUM_CPUS, SM_NUM_GPUS); see @optml/contract's host-facts. */
export const NUM_CPUS_VARIABLE = "OPTML_NUM_CPUS";

/** What the machine has to give. */
export interface MachineResources {
  readonly cpus: number;
  readonly memoryBytes: number;
}

/** This machine's CPUs and memory. */
export function machineResources(): MachineResources {
  return { cpus: cpus().length || 1, memoryBytes: totalmem() };
}

/** What a host is given under `enforce`. */
export interface HostLimits {
  readonly instanceType: string;
  readonly cpus: number;
  readonly memoryBytes: number;
  /** Whether the machine has less than the instance type (then cpus/memory are the machine's). */
  readonly capped: boolean;
}

const GiB = 1024 ** 3;

/** "4 GiB", "7.5 GiB", "512 MiB". */
export function formatBytes(bytes: number): string {
  if (bytes >= GiB) return `${Number((bytes / GiB).toFixed(2))} GiB`;
  return `${Math.round(bytes / 1024 ** 2)} MiB`;
}

/** The mode of a job: its tag, else the server's; a refusal for a tag that is not a mode. */
export function instanceResourcesModeFor(request: Pick<CreateTrainingJobRequest, "Tags">, serverMode: InstanceResourcesMode): { mode: InstanceResourcesMode; problem?: string } {
  const tag = request.Tags?.find((t) => t.Key === INSTANCE_RESOURCES_TAG)?.Value;
  if (tag === undefined) return { mode: serverMode };
  if (INSTANCE_RESOURCES_MODES.includes(tag as InstanceResourcesMode)) return { mode: tag as InstanceResourcesMode };
  return { mode: serverMode, problem: `tag ${INSTANCE_RESOURCES_TAG} '${tag}' is not one of ${INSTANCE_RESOURCES_MODES.join(", ")}` };
}

/** A host's instance type, from its resourceconfig.json. */
export function instanceTypeOf(host: HostPlan): string {
  try {
    return (JSON.parse(host.configFiles["resourceconfig.json"]) as { current_instance_type?: string }).current_instance_type ?? "local";
  } catch {
    return "local";
  }
}

/** What one instance type gets on this machine, or why it gets no limit. */
export function limitsFor(instanceType: string, machine: MachineResources): { limits?: HostLimits; warning?: string } {
  const spec = instanceSpec(instanceType);
  if (!spec) {
    return { warning: `${INSTANCE_RESOURCES_TAG} enforce: ${instanceType} is not in optml's table of instance types, so its hosts get no CPU or memory limit` };
  }
  const want = spec.memoryGiB * GiB;
  const cpus = Math.min(spec.vcpus, machine.cpus);
  const memoryBytes = Math.min(want, machine.memoryBytes);
  const capped = cpus < spec.vcpus || memoryBytes < want;
  const limits = { instanceType, cpus, memoryBytes, capped };
  if (!capped) return { limits };
  return {
    limits,
    warning:
      `${instanceType} has ${spec.vcpus} vCPUs and ${formatBytes(want)}; this machine has ${machine.cpus} CPUs and ${formatBytes(machine.memoryBytes)}, ` +
      `so each host gets ${cpus} CPUs and ${formatBytes(memoryBytes)} (${INSTANCE_RESOURCES_TAG} enforce)`,
  };
}

/** The plan with each host's limits (under `enforce`), and the warnings to give the job. */
export function withInstanceResources(plan: JobPlan, mode: InstanceResourcesMode, machine: MachineResources): { plan: JobPlan; warnings: string[] } {
  if (mode !== "enforce") return { plan, warnings: [] };
  const warnings = new Set<string>();
  const hosts = plan.hosts.map((host) => {
    const { limits, warning } = limitsFor(instanceTypeOf(host), machine);
    if (warning) warnings.add(warning);
    return limits ? { ...host, limits } : host;
  });
  return { plan: { ...plan, hosts }, warnings: [...warnings] };
}

// ---- effectful: the limits in cgroups, and whether the kernel killed for memory ----

/** Where a host's limits are written: a v2 cgroup (the host's own) or v1 memory and cpu cgroups. */
export interface LimitCgroups {
  readonly kind: "v2" | "v1";
  /** v2: the host's cgroup; v1: [memory cgroup, cpu cgroup]. */
  readonly paths: readonly string[];
  readonly memoryBytes: number;
  readonly instanceType: string;
}

let v1Mounts: { memory?: string; cpu?: string } | undefined;

/** The v1 memory and cpu hierarchies' mount points. */
function v1Hierarchies(): { memory?: string; cpu?: string } {
  if (v1Mounts) return v1Mounts;
  let text = "";
  try {
    text = readFileSync("/proc/self/mountinfo", "utf8");
  } catch {
    // not Linux
  }
  const cgroups = parseMountinfo(text).filter((m) => m.fsType === "cgroup");
  v1Mounts = {
    ...(cgroups.find((m) => m.superOptions.includes("memory")) ? { memory: cgroups.find((m) => m.superOptions.includes("memory"))!.mountPoint } : {}),
    ...(cgroups.find((m) => m.superOptions.includes("cpu")) ? { cpu: cgroups.find((m) => m.superOptions.includes("cpu"))!.mountPoint } : {}),
  };
  return v1Mounts;
}

function tryWrite(file: string, text: string): string | undefined {
  try {
    writeFileSync(file, text);
    return undefined;
  } catch (e) {
    return `${file}: ${(e as Error).message}`;
  }
}

/** Turn on the memory and cpu controllers for the children of every cgroup from the root down to `path`'s parent (v2). */
function enableV2Controllers(mountPoint: string, path: string): string | undefined {
  const parts = path.slice(mountPoint.length).split("/").filter(Boolean);
  let dir = mountPoint;
  for (const part of parts.slice(0, -1)) {
    const why = tryWrite(`${dir}/cgroup.subtree_control`, "+memory +cpu");
    if (why) return why;
    dir = `${dir}/${part}`;
  }
  return tryWrite(`${dir}/cgroup.subtree_control`, "+memory +cpu");
}

/**
 * Set up a host's limits: `membership` is its cgroup (see ./cgroups.ts) and `name` its path under
 * the membership hierarchy's mount point. Returns the cgroups (v1 ones for the wrapper to join as
 * well) or why the limits could not be set.
 */
export async function applyLimits(hierarchy: CgroupHierarchy, membership: string, limits: HostLimits): Promise<{ cgroups?: LimitCgroups; why?: string }> {
  const quota = Math.round(limits.cpus * 100_000);
  if (hierarchy.kind === "v2") {
    // Controllers of a v2 cgroup are enabled in its parent's subtree_control (the host's cgroup is made by now).
    const why =
      enableV2Controllers(hierarchy.mountPoint, membership) ??
      tryWrite(`${membership}/memory.max`, String(limits.memoryBytes)) ??
      tryWrite(`${membership}/memory.swap.max`, "0") ??
      tryWrite(`${membership}/cpu.max`, `${quota} 100000`);
    // A machine without swap has no memory.swap.max: that is no problem.
    if (why && !why.startsWith(`${membership}/memory.swap.max`)) return { why };
    return { cgroups: { kind: "v2", paths: [membership], memoryBytes: limits.memoryBytes, instanceType: limits.instanceType } };
  }
  const { memory, cpu } = v1Hierarchies();
  if (!memory || !cpu) return { why: `this machine's cgroup v1 has no ${memory ? "cpu" : "memory"} hierarchy mounted` };
  const name = membership.slice(hierarchy.mountPoint.length);
  const paths = [`${memory}${name}`, `${cpu}${name}`];
  for (const path of paths) {
    const why = await createCgroup(path);
    if (why) return { why };
  }
  const [memoryPath, cpuPath] = paths as [string, string];
  const why =
    tryWrite(`${memoryPath}/memory.limit_in_bytes`, String(limits.memoryBytes)) ??
    // Without swap limited too, a machine with swap would page instead of killing.
    (existsSync(`${memoryPath}/memory.memsw.limit_in_bytes`) ? tryWrite(`${memoryPath}/memory.memsw.limit_in_bytes`, String(limits.memoryBytes)) : undefined) ??
    tryWrite(`${cpuPath}/cpu.cfs_period_us`, "100000") ??
    tryWrite(`${cpuPath}/cpu.cfs_quota_us`, String(quota));
  if (why) return { why };
  return { cgroups: { kind: "v1", paths, memoryBytes: limits.memoryBytes, instanceType: limits.instanceType } };
}

/** How many times the kernel killed a process of the cgroup for going over its memory (0 when unknown). */
export function oomKills(cgroups: LimitCgroups): number {
  const file = cgroups.kind === "v2" ? `${cgroups.paths[0]}/memory.events` : `${cgroups.paths[0]}/memory.oom_control`;
  try {
    const match = /^oom_kill (\d+)$/m.exec(readFileSync(file, "utf8"));
    return match ? Number(match[1]) : 0;
  } catch {
    return 0;
  }
}

/**
 * The FailureReason of a host the kernel killed for memory: SageMaker's words for it, then what
 * optml adds (the host, the limit, where it came from).
 */
export function outOfMemoryReason(host: string, cgroups: Pick<LimitCgroups, "memoryBytes" | "instanceType">): string {
  return (
    "OutOfMemoryError: Please use an instance type with more memory, or reduce the size of job data processed on an instance. " +
    `(optml: the training program on ${host} used more than the ${formatBytes(cgroups.memoryBytes)} of ${cgroups.instanceType}, ` +
    `and was killed; optml:instance-resources enforce)`
  );
}

/** Remove a control plane's scope once no host cgroup is left in it (it fails while one is there). */
function removeIfEmpty(scope: string): void {
  try {
    rmdirSync(scope);
  } catch {
    // another host's cgroup is there
  }
}

/**
 * At start: remove the v1 limit cgroups of this control plane's jobs that are not active (their
 * processes went with their membership cgroups, see ./cgroups.ts reclaimCgroups).
 */
export async function reclaimLimitCgroups(hierarchy: CgroupHierarchy, jobsDir: string, activeWorkDirs: readonly string[]): Promise<void> {
  if (hierarchy.kind === "v2") return;
  const keep = new Set(activeWorkDirs.map((dir) => basename(dir)));
  const { memory, cpu } = v1Hierarchies();
  for (const mount of [memory, cpu]) {
    if (!mount) continue;
    const scope = scopePath({ kind: hierarchy.kind, mountPoint: mount }, jobsDir);
    let names: string[] = [];
    try {
      names = readdirSync(scope, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name);
    } catch {
      continue;
    }
    const gone = names.filter((name) => !keep.has(jobOfCgroupName(name))).map((name) => `${scope}/${name}`);
    await removeLimitCgroups({ kind: "v1", paths: gone, memoryBytes: 0, instanceType: "" });
  }
}

/** Remove a host's v1 limit cgroups (a v2 one is its membership cgroup, removed with it). */
export async function removeLimitCgroups(cgroups: LimitCgroups): Promise<void> {
  if (cgroups.kind !== "v1") return;
  for (const path of cgroups.paths) {
    for (let attempt = 0; attempt < 50; attempt++) {
      try {
        rmdirSync(path);
        break;
      } catch (e) {
        // Gone; or a member killed with the host's cgroup is still leaving: again, shortly.
        if ((e as NodeJS.ErrnoException).code === "ENOENT") break;
        await sleep(20);
      }
    }
    removeIfEmpty(dirname(path));
  }
}
