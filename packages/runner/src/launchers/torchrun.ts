/**
 * `sagemaker_torch_distributed_enabled`: torchrun on every host, as the toolkit builds it
 * (sagemaker-training-toolkit `torch_distributed.py`):
 *
 *     torchrun --nnodes <hosts> --nproc_per_node <processes per host>
 *              [--master_addr <first host> --master_port 7777 --node_rank <host's index>]  (several hosts)
 *              <entry point> <args>
 *
 * torchrun is run as `<python> -m torch.distributed.run` (what the `torchrun` script runs), with
 * the job's Python, so that torch and the workers are that Python's. Only Python programs can be
 * launched this way, as in the toolkit. Pure.
 */
import { torchDistributedEntryPointUnsupported } from "../errors.js";
import type { LaunchPlan } from "../entry-point.js";

/** The rendezvous port SageMaker's containers use. */
export const MASTER_PORT = "7777";

export interface TorchrunInput {
  /** The entry point's own plan (a python-program: `<python> <entry> <args>`). */
  readonly program: LaunchPlan;
  readonly hosts: readonly string[];
  readonly rank: number;
  readonly processesPerHost: number;
}

export function planTorchrun(input: TorchrunInput): LaunchPlan {
  const { program, hosts } = input;
  if (program.kind !== "python-program") throw torchDistributedEntryPointUnsupported(program.kind);
  const node = ["--nnodes", String(hosts.length), "--nproc_per_node", String(input.processesPerHost)];
  const multinode = hosts.length > 1 ? ["--master_addr", hosts[0]!, "--master_port", MASTER_PORT, "--node_rank", String(input.rank)] : [];
  return { kind: program.kind, command: program.command, args: ["-m", "torch.distributed.run", ...node, ...multinode, ...program.args] };
}
