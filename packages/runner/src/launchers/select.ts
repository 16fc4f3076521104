/**
 * Which launcher runs the user program, from the framework parameters that SageMaker's PyTorch
 * container reads (sagemaker-pytorch-training-toolkit `training.py`, sagemaker-training-toolkit
 * `runner.py`). Pure.
 *
 * Only when the current instance group is one of the distribution instance groups, the first
 * enabled of, in this order:
 *
 * | framework parameter (true)                  | launcher                                   |
 * |---------------------------------------------|--------------------------------------------|
 * | `sagemaker_mpi_enabled`                     | mpirun on the master, the others wait      |
 * | `sagemaker_pytorch_ddp_enabled`             | the same mpirun (smddprun is not installed) |
 * | `sagemaker_torch_distributed_enabled`       | torchrun on every host                     |
 * | `sagemaker_distributed_dataparallel_enabled`| smdistributed: exists only on SageMaker    |
 *
 * anything else runs the program once per host. smdistributed model parallel needs AWS's libraries
 * too (see @optml/contract's distribution.ts). Processes per host: the host's GPUs, else its Neuron
 * cores, else 1; `sagemaker_mpi_num_of_processes_per_host` overrides it for every launcher.
 */
import { pyContains, pyStr, pyTruthy, SMDATAPARALLEL_ENABLED, type TrainingEnvironment } from "@optml/contract";
import { launcherSettingInvalid } from "../errors.js";

export type LauncherKind = "process" | "mpi" | "pytorchddp" | "torch_distributed" | "smdistributed";

export const MPI_ENABLED = "sagemaker_mpi_enabled";
export const PYTORCH_DDP_ENABLED = "sagemaker_pytorch_ddp_enabled";
export const TORCH_DISTRIBUTED_ENABLED = "sagemaker_torch_distributed_enabled";
export const PROCESSES_PER_HOST = "sagemaker_mpi_num_of_processes_per_host";
export const MPI_NUM_PROCESSES = "sagemaker_mpi_num_processes";
export const MPI_CUSTOM_OPTIONS = "sagemaker_mpi_custom_mpi_options";

/** The launcher for this host. */
export function selectLauncher(te: TrainingEnvironment): LauncherKind {
  const params = te.additionalFrameworkParameters;
  if (!pyContains(te.distributionInstanceGroups, te.currentInstanceGroup)) return "process";
  if (pyTruthy(params.get(MPI_ENABLED))) return "mpi";
  if (pyTruthy(params.get(PYTORCH_DDP_ENABLED))) return "pytorchddp";
  if (pyTruthy(params.get(TORCH_DISTRIBUTED_ENABLED))) return "torch_distributed";
  if (pyTruthy(params.get(SMDATAPARALLEL_ENABLED))) return "smdistributed";
  return "process";
}

/** A framework parameter that must be a whole number of at least 1, or undefined when absent. */
export function countParameter(te: TrainingEnvironment, name: string): number | undefined {
  const value = te.additionalFrameworkParameters.get(name);
  // The toolkit reads these with `or`: a false-ish value counts as absent.
  if (!pyTruthy(value)) return undefined;
  const text = typeof value === "string" ? value.trim() : pyStr(value!);
  if (typeof value === "boolean" || !/^\d+$/.test(text) || Number(text) < 1) {
    throw launcherSettingInvalid(name, "a whole number of at least 1", pyStr(value!));
  }
  return Number(text);
}

/** Processes per host: the parameter, else the host's GPUs, else its Neuron cores, else 1. */
export function processesPerHost(te: TrainingEnvironment): number {
  const fromParameter = countParameter(te, PROCESSES_PER_HOST);
  if (fromParameter !== undefined) return fromParameter;
  if (te.numGpus > 0) return te.numGpus;
  if (te.numNeurons > 0) return te.numNeurons;
  return 1;
}

/** The hosts a distributed launcher spans, and this host's place among them (toolkit: distribution_hosts). */
export function distributionHosts(te: TrainingEnvironment): { hosts: readonly string[]; rank: number } {
  const hosts = te.distributionHosts.length > 0 ? te.distributionHosts : te.hosts;
  return { hosts, rank: hosts.indexOf(te.currentHost) };
}
