import { spawnSync } from "node:child_process";
import { accessSync, constants } from "node:fs";
import { availableParallelism, cpus } from "node:os";
import { delimiter, join } from "node:path";
import type { HostFacts, ProcessEnv } from "./environment.js";

/** Count `GPU ` lines in `nvidia-smi --list-gpus` output, as the reference does. */
export function countGpus(listGpusOutput: string): number {
  return listGpusOutput.split("\n").filter((line) => line.startsWith("GPU ")).length;
}

/**
 * Count Neuron cores in `neuron-ls -j` output: a JSON list of devices, each with `nc_count`.
 * Anything else counts as 0.
 */
export function countNeuronCores(neuronLsJson: string): number {
  try {
    const devices: unknown = JSON.parse(neuronLsJson);
    if (!Array.isArray(devices)) return 0;
    return devices.reduce<number>((sum, d) => {
      const n = (d as { nc_count?: unknown } | null)?.nc_count;
      return sum + (typeof n === "number" && Number.isInteger(n) && n > 0 ? n : 0);
    }, 0);
  } catch {
    return 0;
  }
}

function run(command: string, args: string[], env: ProcessEnv): string | undefined {
  const result = spawnSync(command, args, { encoding: "utf8", timeout: 20_000, env: env as NodeJS.ProcessEnv });
  if (result.error || result.status !== 0) return undefined;
  return result.stdout;
}

/** Whether an executable of this name is on PATH (Python's shutil.which). */
export function onPath(name: string, env: ProcessEnv): boolean {
  for (const dir of (env.PATH ?? "").split(delimiter)) {
    if (!dir) continue;
    try {
      accessSync(join(dir, name), constants.X_OK);
      return true;
    } catch {
      // not here
    }
  }
  return false;
}

/**
 * The CPUs and GPUs a simulated instance was given (optml's executor sets OPTML_NUM_CPUS and
 * OPTML_NUM_GPUS under `--instance-resources enforce` / for the GPUs it assigns), which win over
 * the machine's; a value that is not a whole number >= 0 is ignored.
 */
export function givenCounts(env: ProcessEnv): { cpus?: number; gpus?: number } {
  const count = (value: string | undefined) => (value !== undefined && /^\d+$/.test(value) ? Number(value) : undefined);
  const cpus = count(env.OPTML_NUM_CPUS);
  const gpus = count(env.OPTML_NUM_GPUS);
  return { ...(cpus !== undefined && cpus > 0 ? { cpus } : {}), ...(gpus !== undefined ? { gpus } : {}) };
}

/**
 * Detect this machine's facts: CPUs from the OS; GPUs from `nvidia-smi --list-gpus` (0 when the
 * tool is missing or fails); Neuron cores from `neuron-ls -j` (0 when missing); whether
 * `smddprun`/`smddpmprun` are on PATH.
 */
export function detectHostFacts(env: ProcessEnv = process.env): HostFacts {
  const given = givenCounts(env);
  // Only where the tool is on PATH: a failed spawn of a missing tool costs milliseconds at every start.
  const gpus = given.gpus === undefined && onPath("nvidia-smi", env) ? run("nvidia-smi", ["--list-gpus"], env) : undefined;
  const neurons = onPath("neuron-ls", env) ? run("neuron-ls", ["-j"], env) : undefined;
  return {
    // Python's multiprocessing.cpu_count(): every CPU of the machine, not only this process's affinity.
    numCpus: given.cpus ?? (cpus().length || availableParallelism()),
    numGpus: given.gpus ?? (gpus === undefined ? 0 : countGpus(gpus)),
    numNeurons: neurons === undefined ? 0 : countNeuronCores(neurons),
    smddprunInstalled: onPath("smddprun", env),
    smddpmprunInstalled: onPath("smddpmprun", env),
  };
}

/**
 * Instance types whose Neuron core count the reference takes from its own table instead of
 * asking `neuron-ls` (SPEC.md section 6). A key matches anywhere in the instance type, as the
 * reference matches it.
 */
export const FIXED_NEURON_CORES: ReadonlyMap<string, number> = new Map([["trn2.48xlarge", 64]]);

/** The Neuron core count the instance type fixes, or undefined when it is detected. */
export function fixedNeuronCores(instanceType: string): number | undefined {
  for (const [key, cores] of FIXED_NEURON_CORES) if (instanceType.includes(key)) return cores;
  return undefined;
}
