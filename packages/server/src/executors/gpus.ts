/**
 * The machine's GPUs, handed out as instances have them: where `nvidia-smi -L` lists GPUs, each
 * host of a job gets as many as its InstanceType has (sagemaker/instance-specs.ts) through
 * CUDA_VISIBLE_DEVICES, no GPU goes to two running jobs, and a job waits in Pending until enough
 * are free (jobs/scheduler.ts). SM_NUM_GPUS says what the host was given (OPTML_NUM_GPUS, read by
 * @optml/contract's host facts). This holds whether or not `--instance-resources` is `enforce`.
 */
import { execFileSync } from "node:child_process";
import type { HostPlan, JobPlan } from "../jobs/plan.js";
import { instanceSpec } from "../sagemaker/instance-specs.js";
import { instanceTypeOf } from "./resources.js";

/** The variable that tells `train` how many GPUs the host was given (SM_NUM_GPUS). */
export const NUM_GPUS_VARIABLE = "OPTML_NUM_GPUS";

/** The GPU indexes of `nvidia-smi -L` output ("GPU 0: NVIDIA H200 (UUID: GPU-...)"). */
export function parseGpuList(text: string): string[] {
  return [...text.matchAll(/^GPU (\d+):/gm)].map((m) => m[1]!);
}

/** This machine's GPUs: `nvidia-smi -L` on the control plane's PATH; none without it. */
export function machineGpus(env: NodeJS.ProcessEnv = process.env): string[] {
  try {
    return parseGpuList(execFileSync("nvidia-smi", ["-L"], { encoding: "utf8", timeout: 10_000, stdio: ["ignore", "pipe", "ignore"], env }));
  } catch {
    return [];
  }
}

/**
 * Each host's GPUs as its instance type has them, on a machine with `available` GPUs: a job that
 * needs more than the machine has gets what there is, shared out between its hosts, and a warning.
 */
export function withGpuNeeds(plan: JobPlan, available: number): { plan: JobPlan; warnings: string[] } {
  if (available === 0) return { plan, warnings: [] };
  const wants = plan.hosts.map((host) => instanceSpec(instanceTypeOf(host))?.gpus ?? 0);
  const total = wants.reduce((a, b) => a + b, 0);
  if (total === 0) return { plan, warnings: [] };
  let needs = wants;
  const warnings: string[] = [];
  if (total > available) {
    // Scaled down to the machine's, each host keeping at least one where it asked for some (while there are).
    let left = available;
    needs = wants.map((w) => {
      const n = w === 0 ? 0 : Math.min(left, Math.max(1, Math.floor((w * available) / total)));
      left -= n;
      return n;
    });
    warnings.push(
      `the job's instances have ${total} GPUs and this machine has ${available}: its hosts get ${needs.join(", ")} (CUDA_VISIBLE_DEVICES), and it waits until they are free`,
    );
  }
  return { plan: { ...plan, hosts: plan.hosts.map((host, i) => (needs[i] ? { ...host, gpus: needs[i] } : host)) }, warnings };
}

/** How many GPUs a job's hosts need together. */
export function gpusNeeded(plan: JobPlan): number {
  return plan.hosts.reduce((sum, host) => sum + (host.gpus ?? 0), 0);
}

/** The plan with the GPUs the scheduler gave the job, shared out between its hosts in order. */
export function withAssignedGpus(plan: JobPlan, gpus: readonly string[]): JobPlan {
  let next = 0;
  const hosts = plan.hosts.map((host): HostPlan => {
    const mine = gpus.slice(next, next + (host.gpus ?? 0));
    next += mine.length;
    // A host without GPUs sees none of the machine's, as an instance without GPUs has none.
    return { ...host, gpuIds: mine, env: { ...host.env, CUDA_VISIBLE_DEVICES: mine.join(","), [NUM_GPUS_VARIABLE]: String(mine.length) } };
  });
  return { ...plan, hosts };
}
