/**
 * The launcher of the user program (see select.ts for how it is chosen): what to run on this host
 * and with which extra environment, after checking that the launcher can start, so that a missing
 * piece fails the job, naming it, before any host runs user code.
 */
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { hostname } from "node:os";
import { promisify } from "node:util";
import { smdistributedRequested, type ProcessEnv, type PyDict, type TrainingEnvironment } from "@optml/contract";
import type { LaunchPlan } from "../entry-point.js";
import { launcherUnavailable, smdistributedUnavailable } from "../errors.js";
import type { Log } from "../log.js";
import { findExecutable } from "../settings.js";
import { planMpirun, planWorker, sshClientOptions, type MpiFlavour } from "./mpi.js";
import {
  countParameter,
  distributionHosts,
  MPI_CUSTOM_OPTIONS,
  MPI_NUM_PROCESSES,
  processesPerHost,
  selectLauncher,
  type LauncherKind,
} from "./select.js";
import { jobKey, notifyWorkers, SSH_DIR_VARIABLE, waitForWorkers, writeWorkerConfig } from "./ssh.js";
import { MASTER_PORT, planTorchrun } from "./torchrun.js";

const run = promisify(execFile);

export interface LaunchInput {
  readonly trainingEnvironment: TrainingEnvironment;
  /** All hyperparameters, decoded. */
  readonly hyperparameters: PyDict;
  /** How the entry point runs on its own (entry-point.ts). */
  readonly program: LaunchPlan;
  /** The user program's environment (user-environment.ts). */
  readonly programEnv: Readonly<Record<string, string>>;
  /** The names of the contract's SM_* variables (exported to the ranks of other hosts). */
  readonly contractVariables: readonly string[];
  /** The runner's environment (OPTML_SSH_DIR, PATH). */
  readonly env: ProcessEnv;
  readonly hostWaitSeconds: number;
  readonly log: Log;
  readonly signal?: AbortSignal;
}

export interface PreparedLaunch {
  readonly launcher: LauncherKind;
  readonly plan: LaunchPlan;
  /** The program's environment (the user program's, with what the launcher adds). */
  readonly env: Readonly<Record<string, string>>;
  /** Run once the program has ended, whatever its outcome (the MPI master tells the workers). */
  readonly finish?: () => Promise<void>;
}

/** Beyond the SM_* variables, what the ranks on other hosts get from the master (when set). */
const EXPORTED = [
  "PYTHONPATH", "PYTHONUNBUFFERED", "SAGEMAKER_JOB_NAME", "SAGEMAKER_REGION", "TRAINING_JOB_NAME", "TRAINING_JOB_ARN",
  "AWS_REGION", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "MASTER_ADDR", "MASTER_PORT",
];

export async function prepareLaunch(input: LaunchInput): Promise<PreparedLaunch> {
  const te = input.trainingEnvironment;
  const launcher = selectLauncher(te);
  if (launcher === "process") return { launcher, plan: input.program, env: input.programEnv };
  const smdistributed = smdistributedRequested(input.hyperparameters);
  if (launcher === "smdistributed" || smdistributed !== undefined) throw smdistributedUnavailable(smdistributed ?? "smdistributed data parallel");

  const { hosts, rank } = distributionHosts(te);
  const perHost = processesPerHost(te);
  // What SageMaker's PyTorch container sets for every distributed run (values the job set stay).
  const env = withoutSet(input.programEnv, {
    MASTER_ADDR: te.masterHostname,
    MASTER_PORT,
    // Python's str() of the setting: a present null (the toolkit keeps None) is "None".
    NCCL_SOCKET_IFNAME: te.networkInterfaceName ?? "None",
    NCCL_IB_DISABLE: "1",
    NCCL_DEBUG: "WARN",
  });
  input.log(`distributed launcher ${launcher}: ${hosts.length} host${hosts.length === 1 ? "" : "s"} x ${perHost} process${perHost === 1 ? "" : "es"}`);

  if (launcher === "torch_distributed") {
    const plan = planTorchrun({ program: input.program, hosts, rank, processesPerHost: perHost });
    await requirePythonModule(input, "torch_distributed", "torch", "install PyTorch into the job's Python (pip install torch, or a requirements.txt in the code)");
    return { launcher, plan, env: buffered(input, env) };
  }
  return prepareMpi(input, launcher, hosts, perHost, env);
}

/**
 * The program's environment with the launcher's additions. Several processes write each host's
 * log: unbuffered Python writes a print's parts (text, then end) as separate writes, which the
 * other ranks' lines (and Open MPI's output tags) can split, so the ranks keep Python's own
 * buffering (a print with flush=True is one write) unless the job itself set PYTHONUNBUFFERED.
 */
function buffered(input: LaunchInput, env: Record<string, string>): Record<string, string> {
  const programEnv: Record<string, string> = { ...input.programEnv, ...env };
  if (input.env.PYTHONUNBUFFERED === undefined) delete programEnv.PYTHONUNBUFFERED;
  return programEnv;
}

function withoutSet(programEnv: Readonly<Record<string, string>>, values: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(values).filter(([name]) => programEnv[name] === undefined));
}

/** Whether the job's Python finds a module (without importing it: that can take seconds). */
async function requirePythonModule(input: LaunchInput, launcher: string, module: string, remedy: string): Promise<void> {
  const python = input.program.command;
  const probe = "import importlib.util, sys; sys.exit(0 if importlib.util.find_spec(sys.argv[1]) else 3)";
  try {
    await run(python, ["-c", probe, module], { env: input.programEnv });
  } catch (e) {
    const error = e as Error & { code?: number | string };
    if (error.code === 3) throw launcherUnavailable(launcher, `the job's Python (${python}) has no module ${module}`, remedy);
    throw launcherUnavailable(launcher, `the job's Python (${python}) could not be run: ${error.message.trim()}`, "see OPTML_PYTHON");
  }
}

function requireExecutable(launcher: string, name: string, path: string | undefined, remedy: string): string {
  const found = findExecutable(name, path);
  if (!found.includes("/") || !existsSync(found)) throw launcherUnavailable(launcher, `${name} is not installed (not found on PATH)`, remedy);
  return found;
}

async function prepareMpi(
  input: LaunchInput,
  flavour: MpiFlavour,
  hosts: readonly string[],
  perHost: number,
  env: Record<string, string>,
): Promise<PreparedLaunch> {
  const te = input.trainingEnvironment;
  const launcher = flavour;
  const path = input.programEnv.PATH ?? input.env.PATH;
  const sbinPath = `${path ?? ""}:/usr/sbin:/sbin`;
  const mpirun = requireExecutable(launcher, "mpirun", path, "install Open MPI (apt-get install openmpi-bin)");
  const master = te.currentHost === hosts[0];
  const workers = hosts.filter((h) => h !== hosts[0]);
  if (master && (input.program.kind === "python-program" || input.program.kind === "python-package")) {
    await requirePythonModule(input, launcher, "mpi4py", "install mpi4py into the job's Python (pip install mpi4py, or a requirements.txt in the code)");
  }

  let keyFile: string | undefined;
  let ssh: string | undefined;
  if (hosts.length > 1) {
    const sshDir = input.env[SSH_DIR_VARIABLE];
    if (!sshDir) {
      throw launcherUnavailable(launcher, `the hosts have no shared directory for the job's SSH keys (${SSH_DIR_VARIABLE})`, "run multi-host MPI jobs with optml's process executor");
    }
    ssh = requireExecutable(launcher, "ssh", path, "install the OpenSSH client (apt-get install openssh-client)");
    const keygen = requireExecutable(launcher, "ssh-keygen", path, "install the OpenSSH client (apt-get install openssh-client)");
    if (!master) {
      const sshd = requireExecutable(launcher, "sshd", sbinPath, "install the OpenSSH server (apt-get install openssh-server)");
      keyFile = await jobKey(sshDir, keygen);
      const { configFile, finishedFile } = await writeWorkerConfig(sshDir, te.currentHost, keyFile);
      input.log(`MPI worker: serving SSH for ${hosts[0]} until its mpirun ends`);
      return { launcher, plan: planWorker({ sshd, configFile, finishedFile }), env: buffered(input, env) };
    }
    keyFile = await jobKey(sshDir, keygen);
    input.log(`MPI master: waiting for the workers' SSH daemons (${workers.join(", ")})`);
    await waitForWorkers(workers, { timeoutSeconds: input.hostWaitSeconds, log: input.log, ...(input.signal ? { signal: input.signal } : {}) });
    env.OMPI_MCA_plm_rsh_agent = ssh;
    env.OMPI_MCA_plm_rsh_args = sshClientOptions(keyFile).join(" ");
  }

  const iface = te.networkInterfaceName;
  const networkInterface = iface !== null && existsSync(`/sys/class/net/${iface}`) ? iface : undefined;
  if (networkInterface === undefined) input.log(`this machine has no network interface ${iface} (SM_NETWORK_INTERFACE_NAME): Open MPI picks its own`);
  const programEnv = buffered(input, env);
  const exportedVariables = [...input.contractVariables, ...EXPORTED].filter((name) => programEnv[name] !== undefined);
  // A single host whose hostname is not its algo-N (a host without its own namespaces, e.g. run
  // without root): Open MPI would take algo-1 for a remote host and try SSH; it is this machine.
  let mpiHosts = hosts;
  if (hosts.length === 1 && hostname() !== hosts[0]) {
    input.log(`this host's hostname is ${hostname()}, not ${hosts[0]}: mpirun runs its ranks on localhost`);
    mpiHosts = ["localhost"];
  }
  const plan = planMpirun({
    flavour,
    program: input.program,
    hosts: mpiHosts,
    processesPerHost: perHost,
    numProcesses: flavour === "mpi" ? countParameter(te, MPI_NUM_PROCESSES) : undefined,
    customOptions: customOptions(te, flavour),
    networkInterface,
    exportedVariables,
  });
  const resolved = { ...plan, command: mpirun };
  const finish = keyFile !== undefined && ssh !== undefined ? () => notifyWorkers(workers, { ssh: ssh!, keyFile: keyFile!, log: input.log }) : undefined;
  return { launcher, plan: resolved, env: programEnv, ...(finish ? { finish } : {}) };
}

function customOptions(te: TrainingEnvironment, flavour: MpiFlavour): string {
  const name = flavour === "mpi" ? MPI_CUSTOM_OPTIONS : "sagemaker_distributed_dataparallel_custom_mpi_options";
  const value = te.additionalFrameworkParameters.get(name);
  return typeof value === "string" ? value : "";
}
