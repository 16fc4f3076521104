/**
 * `sagemaker_mpi_enabled` and `sagemaker_pytorch_ddp_enabled`: the master host runs `mpirun` over
 * every host, as the toolkit builds it (sagemaker-training-toolkit `mpi.py` MasterRunner and
 * `smdataparallel.py` SMDataParallelRunner, whose smddprun is not installed anywhere but
 * SageMaker); the other hosts run an SSH daemon and wait until the master says its ranks are done.
 * Pure: the commands and the daemon's configuration.
 *
 * Differences from the toolkit, all of them things only SageMaker's instances have: no EFA
 * settings, no `LD_PRELOAD` of the toolkit's gethostname (each host's hostname already is its
 * `algo-N`), and the ranks on other hosts also get PYTHONPATH and PYTHONUNBUFFERED.
 */
import type { LaunchPlan } from "../entry-point.js";

export type MpiFlavour = "mpi" | "pytorchddp";

export interface MpirunInput {
  readonly flavour: MpiFlavour;
  /** The entry point's own plan. */
  readonly program: LaunchPlan;
  readonly hosts: readonly string[];
  readonly processesPerHost: number;
  /** `sagemaker_mpi_num_processes`, when set (mpi only). */
  readonly numProcesses: number | undefined;
  /** `sagemaker_mpi_custom_mpi_options` / `sagemaker_distributed_dataparallel_custom_mpi_options`. */
  readonly customOptions: string;
  /** SM_NETWORK_INTERFACE_NAME; undefined when this machine has no such interface (the flags are left out). */
  readonly networkInterface: string | undefined;
  /** Names of the environment variables the ranks get from the master (`-x NAME`). */
  readonly exportedVariables: readonly string[];
}

/** The toolkit's reading of custom options: `--NCCL_DEBUG <level>` is taken out, the rest passed on. */
export function parseCustomMpiOptions(options: string): { ncclDebug: string; additional: string[] } {
  const words = options.split(/\s+/).filter((w) => w !== "");
  let ncclDebug = "INFO";
  const additional: string[] = [];
  for (let i = 0; i < words.length; i++) {
    const word = words[i]!;
    if (word === "--NCCL_DEBUG" && i + 1 < words.length) ncclDebug = words[++i]!;
    else if (word.startsWith("--NCCL_DEBUG=")) ncclDebug = word.slice("--NCCL_DEBUG=".length);
    else additional.push(word);
  }
  return { ncclDebug, additional };
}

/** The program as the ranks run it: Python under mpi4py (ranks abort on an uncaught exception). */
function rankCommand(program: LaunchPlan): string[] {
  if (program.kind === "python-program" || program.kind === "python-package") return [program.command, "-m", "mpi4py", ...program.args];
  return [program.command, ...program.args];
}

export function planMpirun(input: MpirunInput): LaunchPlan {
  const { hosts, processesPerHost: perHost, flavour } = input;
  const { ncclDebug, additional } = parseCustomMpiOptions(input.customOptions);
  const iface = input.networkInterface;
  const interfaceOptions = iface === undefined ? [] : ["-mca", "btl_tcp_if_include", iface, "-mca", "oob_tcp_if_include", iface];
  const ncclInterface = iface === undefined ? [] : ["-x", `NCCL_SOCKET_IFNAME=${iface}`];
  const exported = input.exportedVariables.flatMap((name) => ["-x", name]);
  let args: string[];
  if (flavour === "mpi") {
    const hostList = perHost === 1 ? hosts : hosts.map((h) => `${h}:${perHost}`);
    args = [
      "--host", hostList.join(","), "-np", String(input.numProcesses ?? perHost * hosts.length),
      "--allow-run-as-root", "--display-map", "--tag-output",
      ...interfaceOptions,
      "-mca", "plm_rsh_no_tree_spawn", "1", "-bind-to", "none", "-map-by", "slot",
      "-mca", "pml", "ob1", "-mca", "btl", "^openib", "-mca", "orte_abort_on_non_zero_status", "1",
      "-mca", "btl_vader_single_copy_mechanism", "none",
      "-x", "NCCL_MIN_NRINGS=4", ...ncclInterface, "-x", `NCCL_DEBUG=${ncclDebug}`, "-x", "LD_LIBRARY_PATH", "-x", "PATH",
      ...additional, ...exported,
    ];
  } else {
    const hostList = hosts.length > 1 ? hosts.map((h) => `${h}:${perHost}`) : hosts;
    args = [
      "--host", hostList.join(","), "-np", String(perHost * hosts.length),
      "--allow-run-as-root", "--tag-output", "--oversubscribe",
      ...interfaceOptions,
      "-mca", "plm_rsh_no_tree_spawn", "1", "-mca", "pml", "ob1", "-mca", "btl", "^openib",
      "-mca", "orte_abort_on_non_zero_status", "1", "-mca", "btl_vader_single_copy_mechanism", "none",
      "-mca", "plm_rsh_num_concurrent", String(hosts.length),
      ...ncclInterface, "-x", `NCCL_DEBUG=${ncclDebug}`, "-x", "LD_LIBRARY_PATH", "-x", "PATH",
      "-x", hosts.length > 1 ? "SMDATAPARALLEL_USE_HOMOGENEOUS=1" : "SMDATAPARALLEL_USE_SINGLENODE=1",
      ...additional,
      ...(hosts.length > 1 ? ["-x", `SMDATAPARALLEL_SERVER_ADDR=${hosts[0]}`, "-x", "SMDATAPARALLEL_SERVER_PORT=7592"] : []),
      ...exported,
    ];
  }
  return { kind: input.program.kind, command: "mpirun", args: [...args, ...rankCommand(input.program)] };
}

/** Options of the `ssh` that mpirun (and the master's done notice) use: the job's key, no host checks. */
export function sshClientOptions(keyFile: string): string[] {
  return [
    "-i", keyFile,
    "-o", "IdentitiesOnly=yes",
    "-o", "BatchMode=yes",
    "-o", "StrictHostKeyChecking=no",
    "-o", "UserKnownHostsFile=/dev/null",
    "-o", "LogLevel=ERROR",
  ];
}

/** The environment variable the worker's SSH daemon gives every session: the file that says "done". */
export const FINISHED_VARIABLE = "OPTML_MPI_FINISHED";

/** A worker's SSH daemon: the job's key as host key and the only key let in; sessions learn the done file. */
export function sshdConfig(options: { keyFile: string; finishedFile: string; port?: number }): string {
  const quote = (s: string) => `"${s}"`;
  return [
    `Port ${options.port ?? 22}`,
    `HostKey ${quote(options.keyFile)}`,
    `AuthorizedKeysFile ${quote(`${options.keyFile}.pub`)}`,
    "PidFile none",
    "UsePAM no",
    "PermitRootLogin prohibit-password",
    "PubkeyAuthentication yes",
    "PasswordAuthentication no",
    "KbdInteractiveAuthentication no",
    "StrictModes no",
    "LogLevel ERROR",
    `SetEnv ${quote(`${FINISHED_VARIABLE}=${options.finishedFile}`)}`,
    "",
  ].join("\n");
}

/**
 * A worker host's program: its SSH daemon (in the foreground, in this process group) until the
 * done file appears. $1 sshd, $2 its config, $3 the done file.
 */
export const WORKER_SCRIPT = `sshd="$1"; config="$2"; finished="$3"
"$sshd" -D -e -f "$config" &
pid=$!
while [ ! -e "$finished" ]; do
  if ! kill -0 "$pid" 2>/dev/null; then wait "$pid"; code=$?; echo "the SSH daemon exited with code $code before the master finished" >&2; exit 1; fi
  sleep 0.2
done
kill "$pid" 2>/dev/null
exit 0`;

export function planWorker(options: { sshd: string; configFile: string; finishedFile: string }): LaunchPlan {
  return { kind: "command", command: "/bin/sh", args: ["-c", WORKER_SCRIPT, "optml-mpi-worker", options.sshd, options.configFile, options.finishedFile] };
}

/** What the master runs on a worker (through ssh) once mpirun has ended. */
export const FINISHED_COMMAND = `touch "$${FINISHED_VARIABLE}"`;
