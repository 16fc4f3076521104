/**
 * GPUs for containers: the GPUs the control plane assigned a host (../gpus.ts, the machine's
 * `nvidia-smi -L` indexes) go into its container by Docker's device requests, and nothing else:
 *
 * - an engine with the `nvidia` runtime (the NVIDIA Container Toolkit): `Driver: "nvidia"` with the
 *   assigned indexes as DeviceIDs (what `docker run --gpus '"device=1,3"'` sends);
 * - else an engine reporting CDI spec dirs that hold a spec of `nvidia.com/gpu` devices:
 *   `Driver: "cdi"` with one `nvidia.com/gpu=<index>` name per GPU (`docker run --device nvidia.com/gpu=1`).
 *
 * Inside, the container sees its GPUs numbered from 0, so CUDA_VISIBLE_DEVICES there is 0..n-1 and
 * SM_NUM_GPUS (OPTML_NUM_GPUS) is n. An engine that can give no GPUs gives the host none (0). Under
 * `--instance-resources enforce` a GPU instance type that cannot get its GPUs fails the job at
 * start, naming what is missing (gpuShortfall).
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { HostPlan } from "../../jobs/plan.js";
import { instanceSpec } from "../../sagemaker/instance-specs.js";
import { NUM_GPUS_VARIABLE } from "../gpus.js";
import { instanceTypeOf } from "../resources.js";

/** How an engine gives containers NVIDIA GPUs. */
export type GpuDriver = "nvidia" | "cdi";

/** What an engine says of itself (`GET /info`), the parts read here. */
export interface EngineInfo {
  readonly Runtimes?: Readonly<Record<string, unknown>>;
  readonly CDISpecDirs?: readonly string[] | null;
}

/** The engine's way of giving GPUs, or what it lacks (for messages). */
export type EngineGpus = { readonly driver: GpuDriver } | { readonly missing: string };

/** Whether a CDI spec dir holds a spec of NVIDIA GPUs (`kind: nvidia.com/gpu`, YAML or JSON). */
export function hasNvidiaCdiSpec(dirs: readonly string[], read: (dir: string) => string[] = readSpecs): boolean {
  return dirs.some((dir) => read(dir).some((text) => /["']?kind["']?\s*:\s*["']?nvidia\.com\/gpu\b/.test(text)));
}

function readSpecs(dir: string): string[] {
  try {
    return readdirSync(dir)
      .filter((f) => /\.(ya?ml|json)$/.test(f))
      .map((f) => readFileSync(join(dir, f), "utf8"));
  } catch {
    return [];
  }
}

/** How the engine gives GPUs, from its `/info`: the nvidia runtime first, then a CDI spec of NVIDIA GPUs. */
export function engineGpus(info: EngineInfo, socketPath: string, hasCdiSpec: (dirs: readonly string[]) => boolean = hasNvidiaCdiSpec): EngineGpus {
  const runtimes = Object.keys(info.Runtimes ?? {});
  if (runtimes.includes("nvidia")) return { driver: "nvidia" };
  const dirs = info.CDISpecDirs ?? [];
  if (dirs.length > 0 && hasCdiSpec(dirs)) return { driver: "cdi" };
  const cdi = dirs.length > 0 ? `no CDI spec of nvidia.com/gpu devices in ${dirs.join(", ")}` : "no CDI spec dirs (CDI needs Docker 25 or later)";
  return {
    missing:
      `the Docker engine at ${socketPath} has no nvidia runtime (its runtimes: ${runtimes.join(", ") || "none"}) and ${cdi}; ` +
      "install the NVIDIA Container Toolkit and run `nvidia-ctk runtime configure --runtime=docker` (or `nvidia-ctk cdi generate --output=/etc/cdi/nvidia.yaml`), then restart dockerd",
  };
}

/** The device requests that give a container these GPUs (the machine's indexes); none for none. */
export function gpuDeviceRequests(gpuIds: readonly string[] | undefined, driver: GpuDriver | undefined): Record<string, unknown>[] | undefined {
  if (!gpuIds?.length || !driver) return undefined;
  if (driver === "nvidia") return [{ Driver: "nvidia", DeviceIDs: [...gpuIds], Capabilities: [["gpu"]] }];
  return [{ Driver: "cdi", DeviceIDs: gpuIds.map((id) => `nvidia.com/gpu=${id}`) }];
}

/** The GPUs a host's container gets: its assigned ones where the engine can give them. */
export function containerGpus(host: Pick<HostPlan, "gpuIds">, driver: GpuDriver | undefined): readonly string[] {
  return driver && host.gpuIds ? host.gpuIds : [];
}

/**
 * The GPU variables of a host's container: the GPUs it is given, numbered from 0 as it sees them.
 * Only where the control plane assigns GPUs (the machine lists some), as for processes.
 */
export function containerGpuEnv(host: Pick<HostPlan, "gpuIds">, driver: GpuDriver | undefined): Record<string, string> {
  if (host.gpuIds === undefined) return {};
  const given = containerGpus(host, driver);
  return { CUDA_VISIBLE_DEVICES: given.map((_, i) => String(i)).join(","), [NUM_GPUS_VARIABLE]: String(given.length) };
}

/**
 * Why a host cannot have its instance type's GPUs under `--instance-resources enforce`, or
 * undefined: not enforced, not a GPU type, or the engine can give the GPUs it was assigned.
 */
export function gpuShortfall(host: HostPlan, engine: EngineGpus): string | undefined {
  const wanted = instanceSpec(instanceTypeOf(host))?.gpus ?? 0;
  if (!host.limits || wanted === 0) return undefined;
  const problems: string[] = [];
  if ("missing" in engine) problems.push(engine.missing);
  if (!host.gpuIds?.length) problems.push("this machine lists no GPUs (`nvidia-smi -L` on the control plane's PATH)");
  if (problems.length === 0) return undefined;
  return (
    "CapacityError: Unable to provision requested ML compute capacity. Please retry using a different ML instance type. " +
    `(optml: ${host.limits.instanceType} has ${wanted} GPU${wanted === 1 ? "" : "s"}, and ${host.host}'s container cannot get them: ${problems.join("; ")}. ` +
    "optml:instance-resources enforce; without it the job runs without GPUs)"
  );
}
