/**
 * The process executor: each host is @optml/runner's `train`, run as a child process with
 * `SAGEMAKER_BASE_DIR` set to the host's base dir, which its own mount namespace shows at /opt/ml
 * (see ../mount-namespace.ts).
 *
 * The host runs under a small `sh` wrapper in a session of its own: the wrapper sends all output
 * to the host's log file and records the exit code in its exit file. So a host outlives a crash
 * of the control plane, and a restarted control plane finds it again (pid + start time), follows
 * its log from the stored offset and reads its exit code. SIGTERM goes to `train` (which forwards
 * it to the user program); SIGKILL goes to every process the host started but the wrapper, which
 * then records the exit code.
 *
 * Each host runs in a cgroup of its own (see ../cgroups.ts): its processes are killed there on
 * kill and once the wrapper has exited, whatever sessions they made; where there is no cgroup, the
 * host's sessions are (see ./session.ts).
 */
import { spawn } from "node:child_process";
import { existsSync, writeFileSync } from "node:fs";
import { appendFile, mkdir, rm } from "node:fs/promises";
import { dirname } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import type { HostPlan, JobPlan } from "../../jobs/plan.js";
import {
  CGROUPS_VARIABLE,
  cgroupMembers,
  createCgroup,
  hostCgroupPath,
  joinCgroupCommand,
  killCgroup,
  machineHierarchy,
  reclaimCgroups,
  removeCgroup,
  type CgroupHierarchy,
} from "../cgroups.js";
import { readExitFile } from "../exit-file.js";
import { applyLimits, NUM_CPUS_VARIABLE, oomKills, outOfMemoryReason, reclaimLimitCgroups, removeLimitCgroups, type LimitCgroups } from "../resources.js";
import { HOST_BASE_DIR_VARIABLE, hostScenePrefix, JOB_PATH_VARIABLE } from "../mount-namespace.js";
import type { Executor, HostExit, HostHandle } from "../types.js";
import { childrenOf, hostProcesses, isSameProcessAlive, processStartTicks, signalHost } from "./session.js";
import { tailFile } from "./tail.js";

export interface ProcessHostState {
  readonly kind: "process";
  readonly host: string;
  /** The wrapper's pid, which is also the session id. */
  readonly pid: number;
  readonly startTicks: number;
  readonly logFile: string;
  readonly exitFile: string;
  /** The host's cgroup and its hierarchy, when it has one. */
  readonly cgroup?: { readonly path: string; readonly hierarchy: CgroupHierarchy };
  /** Where the host's instance limits are (under --instance-resources enforce), when they could be set. */
  readonly limits?: LimitCgroups;
}

export interface ProcessExecutorOptions {
  /** The command that starts `train`, e.g. [process.execPath, ".../runner/bin/train.cjs"]. */
  readonly runnerCommand: readonly string[];
  /** Extra environment for every host (PATH and the like come from the control plane's own). */
  readonly baseEnv?: Readonly<Record<string, string | undefined>>;
  /**
   * A command that sets the host's scene and then execs its arguments (e.g. entering a network
   * namespace); it must exec, not fork, so the host's pid stays the wrapper's.
   */
  readonly commandPrefix?: (job: JobPlan, host: HostPlan) => readonly string[];
  /**
   * Whether the host's name and its peers' names come from commandPrefix's scene (a network
   * namespace); otherwise the host's mount namespace names it (see ../mount-namespace.ts).
   */
  readonly namesProvided?: boolean;
  /**
   * Whether each host goes in a cgroup of its own (where the machine allows: root, a writable
   * hierarchy); default: unless OPTML_CGROUPS is `off`.
   */
  readonly cgroups?: boolean;
  /** The control plane's jobs dir: its hosts' cgroups are reclaimed under it (see ../cgroups.ts). */
  readonly jobsDir?: string;
}

// $1 log file, $2 exit file, then the command. The wrapper ignores SIGTERM/SIGINT so it always
// lives to record the exit code; Node resets signal dispositions at start, so `train` does not.
const wrapper = (trap: string) =>
  `log="$1"; exitfile="$2"; shift 2; trap ${trap} TERM INT; "$@" >>"$log" 2>&1 </dev/null; code=$?; echo "$code" >"$exitfile.tmp"; mv "$exitfile.tmp" "$exitfile"`;
const WRAPPER = wrapper('""');
// A job's own command (a processing job's ContainerEntrypoint) is no Node program: an ignored
// SIGTERM would stay ignored in it (and a shell cannot undo that). The wrapper catches the signals
// with a handler that does nothing instead, which outlives it all the same but is reset by exec.
const COMMAND_WRAPPER = wrapper('":"');

/** The host's stop marker: written on stop before SIGTERM, read by train once it handles signals. */
export function stopFileOf(host: Pick<HostPlan, "exitFile">): string {
  return `${host.exitFile}.stop`;
}

/** The environment a host's `train` runs with: the control plane's, the extra environment, the plan's. */
export function hostEnvironment(job: JobPlan, host: HostPlan, baseEnv?: Readonly<Record<string, string | undefined>>): NodeJS.ProcessEnv {
  return {
    ...process.env,
    ...baseEnv,
    ...host.env,
    SAGEMAKER_BASE_DIR: host.baseDir,
    [HOST_BASE_DIR_VARIABLE]: host.baseDir,
    // Shared by the job's hosts: where an MPI job's launcher keeps the job's SSH key pair.
    OPTML_SSH_DIR: `${job.workDir}/ssh`,
    // train gives the program the same grace as the control plane before it kills it.
    OPTML_STOP_GRACE_SECONDS: String(job.stopGraceSeconds),
    // A stop asked for before train's handlers are in (its SIGTERM went to the scene's shell) is found there.
    OPTML_STOP_FILE: stopFileOf(host),
    // The executor's commands run with the control plane's PATH; the scene gives train the job's.
    ...(host.env.PATH !== undefined ? { PATH: process.env.PATH, [JOB_PATH_VARIABLE]: host.env.PATH } : {}),
    // The instance's vCPUs (capped at the machine's): SM_NUM_CPUS says what the host was given.
    ...(host.limits ? { [NUM_CPUS_VARIABLE]: String(host.limits.cpus) } : {}),
  };
}

class ProcessHost implements HostHandle {
  readonly exited: Promise<HostExit>;
  private finished = false;

  /** @param wrapperExited resolves when the wrapper exits, when this process is its parent. */
  constructor(
    readonly state: ProcessHostState,
    private readonly wrapperExited?: Promise<void>,
  ) {
    this.exited = this.watch();
  }

  get host(): string {
    return this.state.host;
  }

  private async watch(): Promise<HostExit> {
    for (;;) {
      const exit = readExitFile(this.state.exitFile);
      if (exit) return this.ended(exit);
      if (!isSameProcessAlive(this.state.pid, this.state.startTicks)) {
        // The wrapper is gone; give its last write a moment, then take what is there.
        await sleep(100);
        return this.ended(readExitFile(this.state.exitFile) ?? { exitCode: null });
      }
      await (this.wrapperExited ? Promise.race([sleep(50), this.wrapperExited]) : sleep(50));
    }
  }

  /**
   * The host has ended: whether the kernel killed it for memory is read, what it left running in
   * its cgroup is killed, and the cgroups removed.
   */
  private async ended(exit: HostExit): Promise<HostExit> {
    const limits = this.state.limits;
    const outOfMemory = limits !== undefined && exit.exitCode !== 0 && oomKills(limits) > 0;
    const cgroup = this.state.cgroup;
    if (cgroup) await removeCgroup(cgroup.hierarchy, cgroup.path, this.state.pid);
    if (limits) await removeLimitCgroups(limits);
    this.finished = true;
    return outOfMemory && !exit.failure ? { ...exit, failure: outOfMemoryReason(this.state.host, limits) } : exit;
  }

  output(fromOffset: number, signal: AbortSignal) {
    return tailFile(this.state.logFile, fromOffset, () => this.finished, signal);
  }

  terminate(): void {
    // train may still be starting under the scene's shell, which ignores SIGTERM: the marker says it.
    try {
      writeFileSync(stopFileOf(this.state), "");
    } catch {
      // the work dir is gone: so is the host
    }
    // train is the wrapper's only child; it forwards SIGTERM to the user program's process group.
    for (const pid of childrenOf(this.state.pid)) {
      try {
        process.kill(pid, "SIGTERM");
      } catch {
        // already gone
      }
    }
  }

  processes(): number[] {
    if (this.finished) return [];
    const cgroup = this.state.cgroup;
    const members = cgroup ? cgroupMembers(cgroup.path) : [];
    // Before the wrapper has joined its cgroup (or without one): the wrapper's tree and sessions.
    return members.length > 0 ? members : [this.state.pid, ...hostProcesses(this.state.pid)];
  }

  kill(): void {
    // The session's processes first (a host that had not joined its cgroup yet), then the cgroup's.
    signalHost(this.state.pid, "SIGKILL");
    const cgroup = this.state.cgroup;
    if (cgroup) void killCgroup(cgroup.hierarchy, cgroup.path, this.state.pid);
  }
}

export class ProcessExecutor implements Executor {
  readonly name = "process";

  private readonly cgroups: boolean;

  constructor(private readonly options: ProcessExecutorOptions) {
    this.cgroups = options.cgroups ?? process.env[CGROUPS_VARIABLE] !== "off";
  }

  /** The host's cgroup, made; or undefined, with why in the host's log. */
  private async hostCgroup(job: JobPlan, host: HostPlan): Promise<ProcessHostState["cgroup"]> {
    if (!this.cgroups) return undefined;
    const { hierarchy, why } = machineHierarchy();
    const path = hierarchy && hostCgroupPath(hierarchy, dirname(job.workDir), job.workDir, host.host);
    const failed = path ? await createCgroup(path) : why;
    if (hierarchy && path && !failed) {
      // What an earlier run of this host left there (before a restart) is over.
      await killCgroup(hierarchy, path);
      return { path, hierarchy };
    }
    await appendFile(host.logFile, `[optml] warning: the host is not in a cgroup: ${failed}; processes it starts outside its session may outlive the job\n`);
    return undefined;
  }

  /** The host's instance limits (under --instance-resources enforce) in its cgroup; or undefined, with why in its log. */
  private async hostLimits(host: HostPlan, cgroup: ProcessHostState["cgroup"]): Promise<LimitCgroups | undefined> {
    if (!host.limits) return undefined;
    const applied = cgroup ? await applyLimits(cgroup.hierarchy, cgroup.path, host.limits) : { why: "the host is not in a cgroup (run optml serve as root on a machine with cgroups)" };
    if (applied.cgroups) return applied.cgroups;
    await appendFile(
      host.logFile,
      `[optml] warning: the CPU and memory limits of ${host.limits.instanceType} could not be enforced (${applied.why}); the host runs with the machine's CPUs and memory\n`,
    );
    return undefined;
  }

  /** At start: kill and remove the host cgroups of this control plane's jobs that are not active. */
  async reclaim(active: readonly JobPlan[]): Promise<void> {
    const { hierarchy } = machineHierarchy();
    if (!this.cgroups || !hierarchy || this.options.jobsDir === undefined) return;
    await reclaimCgroups(hierarchy, this.options.jobsDir, active.map((job) => job.workDir));
    await reclaimLimitCgroups(hierarchy, this.options.jobsDir, active.map((job) => job.workDir));
  }

  async launch(job: JobPlan, host: HostPlan): Promise<HostHandle> {
    await mkdir(dirname(host.logFile), { recursive: true });
    // A marker left by an earlier run of the job (before a restart) must not stop this one.
    await rm(stopFileOf(host), { force: true });
    // The wrapper runs outside the host's mount namespace (it writes the log and exit files);
    // what it runs sets up the host's scene, then execs train, with its messages in the log.
    const scene = await hostScenePrefix(job, host, { namesProvided: this.options.namesProvided ?? false });
    // The wrapper joins the host's cgroup first of all: before anything forks, and before a
    // network namespace's prefix hides /sys/fs/cgroup.
    const cgroup = await this.hostCgroup(job, host);
    const limits = await this.hostLimits(host, cgroup);
    const join = cgroup ? joinCgroupCommand(cgroup.path, host.logFile, limits?.kind === "v1" ? limits.paths : []) : [];
    const [prefixCommand, ...prefixArgs] = [...join, ...(this.options.commandPrefix?.(job, host) ?? []), "/bin/sh"];
    const child = spawn(prefixCommand!, [...prefixArgs, "-c", job.command ? COMMAND_WRAPPER : WRAPPER, "optml-host", host.logFile, host.exitFile, ...scene, ...(job.command ?? this.options.runnerCommand)], {
      detached: true,
      stdio: "ignore",
      env: hostEnvironment(job, host, this.options.baseEnv),
    });
    await new Promise<void>((resolve, reject) => {
      child.once("spawn", resolve);
      child.once("error", reject);
    });
    child.unref();
    // We are the wrapper's parent: its exit (after it wrote the exit file) is noticed at once.
    const wrapperExited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    const pid = child.pid!;
    const startTicks = processStartTicks(pid) ?? 0;
    const state: ProcessHostState = { kind: "process", host: host.host, pid, startTicks, logFile: host.logFile, exitFile: host.exitFile, ...(cgroup ? { cgroup } : {}), ...(limits ? { limits } : {}) };
    return new ProcessHost(state, wrapperExited);
  }

  reattach(state: unknown): HostHandle | undefined {
    const s = state as ProcessHostState;
    if (s?.kind !== "process") return undefined;
    if (existsSync(s.exitFile) || isSameProcessAlive(s.pid, s.startTicks)) return new ProcessHost(s);
    // The host died with its wrapper and left no result; what it started may still run: it goes.
    if (s.cgroup) void removeCgroup(s.cgroup.hierarchy, s.cgroup.path).then(() => (s.limits ? removeLimitCgroups(s.limits) : undefined));
    return undefined;
  }
}
