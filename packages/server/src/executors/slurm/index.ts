/**
 * The Slurm executor: a training job is one Slurm allocation of InstanceCount whole nodes, and
 * host algo-k is `train` on the allocation's k-th node, started by srun. Its life:
 *
 * 1. allocate (SecondaryStatus Starting): sbatch submits the batch script (./scripts.ts); while
 *    Slurm keeps the job in its queue, the StatusMessage quotes Slurm's reason.
 * 2. The control plane stages each host's data into the job's dir, which is on a filesystem every
 *    node sees at the same path (`optml serve --slurm-dir`).
 * 3. prepare: each host's script is written (its environment, its scene, its log and exit files),
 *    then the `go` file, on which the batch script starts one task per node with srun.
 * 4. Each host's output is its log file, followed as it grows (live, from every node); its end is
 *    its exit file, or, when Slurm ended the job first (a node failed, preemption, cancelled outside
 *    optml, time limit, out of memory), a FailureReason that names Slurm's state (./states.ts).
 * 5. Stop: SIGTERM to every task (scancel --signal=TERM), then after the grace SIGKILL to all and
 *    the allocation cancelled. Release: the allocation is gone from the queue.
 *
 * Names: as root, each host runs in a private mount and UTS namespace on its node, with hostname
 * algo-k, `/etc/hosts` naming every algo-N at its node's address and its base dir at /opt/ml (as
 * the process executors do). Otherwise the hosts keep their nodes' own hostnames, and the job's
 * config files (resourceconfig.json: SM_HOSTS, SM_CURRENT_HOST, master_hostname) carry those. Each
 * host's log says which one the job got.
 *
 * The Slurm job id is stored with each host, so a restarted control plane follows the job again;
 * a Slurm job that no longer exists fails the training job with a reason saying so. Loopback
 * services of the control plane's machine are not relayed: the nodes are other machines.
 */
import { existsSync } from "node:fs";
import { appendFile, mkdir, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { lookup } from "node:dns/promises";
import { isIP } from "node:net";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { contractPaths } from "@optml/contract";
import { hostIndex } from "../../data/sharding.js";
import type { HostPlan, JobPlan } from "../../jobs/plan.js";
import { readExitFile } from "../exit-file.js";
import { hostScenePrefix } from "../mount-namespace.js";
import { hostEnvironment, stopFileOf } from "../process/index.js";
import { tailFile } from "../process/tail.js";
import { ExecutorFailure, type Executor, type HostExit, type HostHandle } from "../types.js";
import { SlurmClient, SlurmCommandError, type SlurmNodeAddress } from "./client.js";
import {
  batchScript,
  expandHostlist,
  FEEDER_SCRIPT,
  feederScript,
  GO_FILE,
  hostScript,
  RUNNING_FILE,
  hostScriptName,
  sbatchArguments,
  shellQuote,
  slurmHostsFile,
  STOP_FILE,
  TASK_SCRIPT,
  taskScript,
  type SlurmJobSettings,
} from "./scripts.js";
import { hostLostReason, isTerminal, nodeDownReason, queueMessage, slurmEndReason, vanishedReason, type SlurmJobStatus } from "./states.js";

/** How hosts are named: algo-N in private namespaces on the nodes, or by the nodes' own hostnames. */
export type SlurmHostNames = "algo" | "node";

export interface SlurmExecutorOptions {
  /** The command that starts `train`; it must be at the same path on every node. */
  readonly runnerCommand: readonly string[];
  readonly baseEnv?: Readonly<Record<string, string | undefined>>;
  /** Where the executor records the Slurm jobs it submitted (`$OPTML_HOME/slurm`), to reclaim them. */
  readonly stateDir: string;
  /** The environment of Slurm's commands (default: this process's; SLURM_CONF names the cluster). */
  readonly env?: NodeJS.ProcessEnv;
  /** Default: algo when running as root (the tasks run as this user), else node. */
  readonly hostNames?: SlurmHostNames;
  /** How often the batch script's running file is looked for (default 20 ms for 5 s, then 250 ms; squeue every 250 ms, after 10 s every 1 s). */
  readonly pollMs?: number;
}

export interface SlurmHostState {
  readonly kind: "slurm";
  readonly host: string;
  readonly slurmJobId: string;
  /** The job's Slurm dir (scripts, the batch output, the go and stop files). */
  readonly dir: string;
  readonly logFile: string;
  readonly exitFile: string;
}

/** The record of a submitted Slurm job (`<stateDir>/<work dir name>.json`). */
interface AllocationRecord {
  readonly slurmJobId: string;
  readonly workDir: string;
}

interface Allocation {
  readonly id: string;
  readonly nodes: readonly SlurmNodeAddress[];
}

export function slurmDirOf(job: JobPlan): string {
  return join(job.workDir, "slurm");
}

/** The allocation's status, asked at most every `maxAgeMs` however many hosts wait on it; its stop and kill, sent once. */
class SlurmJobWatch {
  private cached: { at: number; status: Promise<SlurmJobStatus | undefined> } | undefined;
  private terminated = false;
  private killed = false;

  constructor(
    readonly id: string,
    readonly dir: string,
    private readonly client: SlurmClient,
    private readonly log: (message: string) => void,
  ) {}

  status(maxAgeMs = 500): Promise<SlurmJobStatus | undefined> {
    if (!this.cached || Date.now() - this.cached.at > maxAgeMs) {
      const status = this.client.status(this.id);
      this.cached = { at: Date.now(), status };
      status.catch(() => (this.cached = undefined));
    }
    return this.cached.status;
  }

  /**
   * Why a job that ended FAILED did: a node of it that Slurm holds as down (srun ended on the node's
   * failure before slurmctld ended the job as NODE_FAIL); undefined when every node is up.
   */
  async nodeFailure(status: SlurmJobStatus): Promise<string | undefined> {
    if (status.state !== "FAILED" || status.nodes === "") return undefined;
    const down = await this.client.downNodes(expandHostlist(status.nodes)).catch(() => []);
    return down.length > 0 ? nodeDownReason(status, down) : undefined;
  }

  /** SIGTERM to every task (and no tasks at all if srun has not started them yet). */
  terminate(): void {
    if (this.terminated) return;
    this.terminated = true;
    void writeFile(join(this.dir, STOP_FILE), "")
      .then(() => this.client.signal(this.id, "TERM"))
      .catch((e: Error) => this.log(`Slurm job ${this.id}: SIGTERM not sent: ${e.message}`));
  }

  /** SIGKILL to everything the job runs, then the allocation cancelled. */
  kill(): void {
    if (this.killed) return;
    this.killed = true;
    void writeFile(join(this.dir, STOP_FILE), "")
      .then(() => this.client.signal(this.id, "KILL", true))
      .catch((e: Error) => this.log(`Slurm job ${this.id}: SIGKILL not sent: ${e.message}`))
      .then(() => this.client.cancel(this.id))
      .catch((e: Error) => this.log(`Slurm job ${this.id}: not cancelled: ${e.message}`));
  }
}

class SlurmHost implements HostHandle {
  readonly exited: Promise<HostExit>;
  private finished = false;

  constructor(
    readonly state: SlurmHostState,
    private readonly watch: SlurmJobWatch,
  ) {
    this.exited = this.follow();
  }

  get host(): string {
    return this.state.host;
  }

  private async follow(): Promise<HostExit> {
    try {
      return await this.waitForExit();
    } finally {
      this.finished = true;
    }
  }

  private async waitForExit(): Promise<HostExit> {
    let unknownSince: number | undefined;
    let endedAt: number | undefined;
    let lastAsked = 0;
    for (;;) {
      const exit = readExitFile(this.state.exitFile);
      if (exit) {
        if (exit.exitCode === 0) return exit;
        // A task that Slurm ended (its node failed, the job was cancelled or preempted) ends with
        // a signal's code: the job's state says what happened, once Slurm has finished ending it
        // (COMPLETING hides the end state). A job still RUNNING is the program's own failure.
        let status = await this.watch.status(0).catch(() => null);
        for (const deadline = Date.now() + 10_000; status?.state === "COMPLETING" && Date.now() < deadline; ) {
          await sleep(200);
          status = await this.watch.status(0).catch(() => null);
        }
        if (status === undefined) return { ...exit, failure: vanishedReason(this.state.slurmJobId) };
        const failure = status && (slurmEndReason(status) ?? (await this.watch.nodeFailure(status)));
        return failure ? { ...exit, failure } : exit;
      }
      if (Date.now() - lastAsked >= 1000) {
        lastAsked = Date.now();
        const status = await this.watch.status().catch(() => null);
        if (status === undefined) {
          // Neither squeue nor sacct knows the job: it vanished (asked again before concluding).
          unknownSince ??= Date.now();
          if (Date.now() - unknownSince > 3000 && !readExitFile(this.state.exitFile)) return { exitCode: null, failure: vanishedReason(this.state.slurmJobId) };
        } else if (status !== null) {
          unknownSince = undefined;
          if (isTerminal(status.state)) {
            // The exit file of a host that ended with the job may reach this machine a little later.
            endedAt ??= Date.now();
            if (Date.now() - endedAt > 3000) {
              const output = await readFile(join(this.state.dir, `slurm-${this.state.slurmJobId}.out`), "utf8").catch(() => "");
              const failure = slurmEndReason(status) ?? (await this.watch.nodeFailure(status)) ?? hostLostReason(status, this.state.host, output);
              return { exitCode: null, failure };
            }
          }
        }
      }
      await sleep(100);
    }
  }

  output(fromOffset: number, signal: AbortSignal) {
    return tailFile(this.state.logFile, fromOffset, () => this.finished, signal);
  }

  terminate(): void {
    // train may still be starting under the host's shells, which ignore SIGTERM: the marker says it.
    void writeFile(stopFileOf(this.state), "").catch(() => undefined);
    this.watch.terminate();
  }

  kill(): void {
    this.watch.kill();
  }
}

export class SlurmExecutor implements Executor {
  readonly name = "slurm";
  private readonly client: SlurmClient;
  private readonly allocations = new Map<string, Allocation>();
  private readonly watches = new Map<string, SlurmJobWatch>();
  private readonly hostNames: SlurmHostNames;
  private readonly log: (message: string) => void;

  constructor(
    private readonly options: SlurmExecutorOptions,
    log: (message: string) => void = (m) => process.stderr.write(`[optml] ${m}\n`),
  ) {
    this.client = new SlurmClient(options.env ?? process.env);
    this.hostNames = options.hostNames ?? (process.getuid?.() === 0 ? "algo" : "node");
    this.log = log;
  }

  private watchOf(id: string, dir: string): SlurmJobWatch {
    let watch = this.watches.get(id);
    if (!watch) {
      watch = new SlurmJobWatch(id, dir, this.client, this.log);
      this.watches.set(id, watch);
    }
    return watch;
  }

  private recordFile(job: JobPlan): string {
    return join(this.options.stateDir, `${job.workDir.split("/").pop()}.json`);
  }

  private async readRecord(file: string): Promise<AllocationRecord | undefined> {
    return readFile(file, "utf8").then(
      (text) => JSON.parse(text) as AllocationRecord,
      () => undefined,
    );
  }

  async cannotRun(): Promise<string | undefined> {
    const why = await this.client.unavailable();
    return why === undefined ? undefined : `Slurm cannot be reached: ${why}`;
  }

  /** Submit the job (or take back the one an earlier control plane submitted) and wait until Slurm runs it. */
  async allocate(job: JobPlan, report: (message: string) => void, signal: AbortSignal): Promise<void> {
    const dir = slurmDirOf(job);
    const id = (await this.adoptable(job)) ?? (await this.submit(job, dir));
    const started = Date.now();
    let said = "";
    let asked = 0;
    for (;;) {
      // The batch script says when it runs, and on which nodes: a file read every few tens of
      // milliseconds, where asking squeue as often would cost a process each time.
      const running = await readFile(join(dir, RUNNING_FILE), "utf8").catch(() => undefined);
      if (running !== undefined) {
        const nodes = await this.client.nodes(expandHostlist(running.trim()));
        if (nodes.length !== job.hosts.length) {
          throw new ExecutorFailure(`InternalServerError: Slurm job ${id} got ${nodes.length} node(s) (${running.trim()}) for ${job.hosts.length} host(s)`);
        }
        this.allocations.set(job.workDir, { id, nodes });
        return;
      }
      const waited = Date.now() - started;
      // squeue: why the job waits, and whether it ended before it ran.
      if (Date.now() - asked >= (waited < 10_000 ? 250 : 1000)) {
        asked = Date.now();
        const status = await this.client.status(id).catch((e: Error) => {
          this.log(`job ${job.name}: squeue failed (${e.message}); asking again`);
          return null;
        });
        if (status === undefined) throw new ExecutorFailure(vanishedReason(id));
        if (status && isTerminal(status.state)) {
          throw new ExecutorFailure(slurmEndReason(status) ?? `InternalServerError: Slurm job ${id} ended (${status.state}) before its nodes were given to it`);
        }
        if (status && status.state !== "RUNNING") {
          const message = queueMessage(status);
          if (message !== said) report((said = message));
        }
      }
      await sleep(this.options.pollMs ?? (waited < 5000 ? 20 : 250), undefined, { signal });
    }
  }

  /** The Slurm job an earlier control plane submitted for this job, while it waits for its go. */
  private async adoptable(job: JobPlan): Promise<string | undefined> {
    const record = await this.readRecord(this.recordFile(job));
    if (!record) return undefined;
    // A failing squeue fails the job rather than leave the earlier Slurm job queued beside a new one.
    const status = await this.client.status(record.slurmJobId);
    if (status && !isTerminal(status.state) && !existsSync(join(slurmDirOf(job), GO_FILE))) {
      this.log(`job ${job.name}: taking back Slurm job ${record.slurmJobId} (${status.state})`);
      return record.slurmJobId;
    }
    if (status && !isTerminal(status.state)) await this.client.cancel(record.slurmJobId).catch(() => undefined);
    return undefined;
  }

  private async submit(job: JobPlan, dir: string): Promise<string> {
    await rm(dir, { recursive: true, force: true });
    await mkdir(dir, { recursive: true });
    const batch = {
      name: job.name,
      nodes: job.hosts.length,
      timeLimitSeconds: job.maxRuntimeSeconds + job.stopGraceSeconds,
      dir,
      settings: job.slurm ?? { sbatchOptions: [] },
    };
    const script = join(dir, "batch.sh");
    await writeFile(script, batchScript(batch));
    await writeFile(join(dir, TASK_SCRIPT), taskScript());
    let id: string;
    try {
      id = await this.client.submit(sbatchArguments(batch), script);
    } catch (e) {
      if (e instanceof SlurmCommandError) throw new ExecutorFailure(`ClientError: Slurm did not take the job: ${e.message}`);
      throw e;
    }
    await mkdir(this.options.stateDir, { recursive: true });
    await writeFile(this.recordFile(job), JSON.stringify({ slurmJobId: id, workDir: job.workDir } satisfies AllocationRecord));
    this.log(`job ${job.name}: Slurm job ${id} submitted`);
    return id;
  }

  /** Once the data is staged: every host's script, what names the hosts, then the go. */
  async prepare(job: JobPlan): Promise<void> {
    const allocation = this.allocations.get(job.workDir);
    if (!allocation) throw new Error(`job ${job.name} has no Slurm allocation (allocate first)`);
    const dir = slurmDirOf(job);
    const placed = await Promise.all(
      job.hosts.map(async (host) => {
        const node = allocation.nodes[hostIndex(host.host)]!;
        return { host, node, address: isIP(node.address) ? node.address : (await lookup(node.address)).address };
      }),
    );
    await writeFile(join(dir, FEEDER_SCRIPT), feederScript());
    const algoHosts = join(dir, "algo.hosts");
    await writeFile(algoHosts, slurmHostsFile(placed.map((p) => ({ host: p.host.host, address: p.address }))));
    const naming =
      this.hostNames === "algo"
        ? "hosts resolve each other as algo-N (each runs in a private mount and UTS namespace on its node)"
        : "hosts are named by their nodes' own hostnames (SM_HOSTS, SM_CURRENT_HOST; no private namespaces on the nodes without root)";
    const where = placed.map((p) => `${p.host.host} on ${p.node.name} (${p.address})`).join(", ");
    for (const { host } of placed) {
      if (this.hostNames === "node") await this.nameByNodes(host, placed);
      await writeFile(join(dir, hostScriptName(hostIndex(host.host) + 1)), await this.hostScript(job, host, algoHosts));
      await rm(stopFileOf(host), { force: true });
      await appendFile(host.logFile, `[optml] Slurm job ${allocation.id}: ${where}; ${naming}\n`);
    }
    await writeFile(join(dir, GO_FILE), "");
  }

  /** resourceconfig.json of a host named by its node: every algo-N replaced by its node's hostname. */
  private async nameByNodes(host: HostPlan, placed: readonly { host: HostPlan; node: SlurmNodeAddress }[]): Promise<void> {
    const names = new Map(placed.map((p) => [p.host.host, p.node.name]));
    const file = contractPaths(host.baseDir).resourceConfigFile;
    const config = JSON.parse(await readFile(file, "utf8")) as { current_host: string; hosts: string[]; instance_groups: { hosts: string[] }[] };
    const rename = (h: string) => names.get(h) ?? h;
    config.current_host = rename(config.current_host);
    config.hosts = config.hosts.map(rename);
    for (const g of config.instance_groups) g.hosts = g.hosts.map(rename);
    await writeFile(file, JSON.stringify(config));
  }

  private async hostScript(job: JobPlan, host: HostPlan, algoHosts: string): Promise<string> {
    const names = this.hostNames === "algo";
    const hostsFile = join(slurmDirOf(job), `${host.host}.hosts`);
    const scene = await hostScenePrefix(job, host, {
      namesProvided: !names,
      privileged: names,
      ...(names ? { hostsFile } : {}),
    });
    const feeds = host.channels.flatMap((c) => (c.nodeFeed ? [{ fifoBase: c.target, dir: c.nodeFeed.dir, gzip: c.compression === "Gzip" }] : []));
    return hostScript({
      host: host.host,
      feeds,
      feederScript: join(slurmDirOf(job), FEEDER_SCRIPT),
      // The node's own /etc/hosts under the job's names, made on the node.
      setup: names ? [`cat ${shellQuote(algoHosts)} /etc/hosts >${shellQuote(hostsFile)} 2>/dev/null`] : [],
      env: hostEnvironment(job, host, this.options.baseEnv),
      command: [...scene, ...this.options.runnerCommand],
      logFile: host.logFile,
      exitFile: host.exitFile,
    });
  }

  async launch(job: JobPlan, host: HostPlan): Promise<HostHandle> {
    const allocation = this.allocations.get(job.workDir);
    if (!allocation) throw new Error(`job ${job.name} has no Slurm allocation (allocate first)`);
    const dir = slurmDirOf(job);
    const state: SlurmHostState = { kind: "slurm", host: host.host, slurmJobId: allocation.id, dir, logFile: host.logFile, exitFile: host.exitFile };
    return new SlurmHost(state, this.watchOf(allocation.id, dir));
  }

  reattach(state: unknown): HostHandle | undefined {
    const s = state as SlurmHostState;
    if (s?.kind !== "slurm") return undefined;
    return new SlurmHost(s, this.watchOf(s.slurmJobId, s.dir));
  }

  /** The allocation leaves the queue: it ends on its own once srun is done, else it is cancelled. */
  async release(job: JobPlan): Promise<void> {
    const file = this.recordFile(job);
    const record = await this.readRecord(file);
    this.allocations.delete(job.workDir);
    if (record) {
      await writeFile(join(slurmDirOf(job), STOP_FILE), "").catch(() => undefined);
      await this.endSlurmJob(record.slurmJobId, 5000);
      this.watches.delete(record.slurmJobId);
    }
    await rm(join(job.workDir, "ssh"), { recursive: true, force: true });
    await rm(file, { force: true });
  }

  private async endSlurmJob(id: string, waitMs: number): Promise<void> {
    const deadline = Date.now() + waitMs;
    for (;;) {
      const status = await this.client.status(id).catch(() => undefined);
      if (!status || isTerminal(status.state)) return;
      if (Date.now() > deadline) {
        this.log(`Slurm job ${id} still ${status.state}: cancelling it`);
        await this.client.cancel(id).catch((e: Error) => this.log(`Slurm job ${id}: not cancelled: ${e.message}`));
        return;
      }
      await sleep(200);
    }
  }

  /** Cancel the Slurm jobs that crashed control planes submitted for training jobs that are over. */
  async reclaim(active: readonly JobPlan[]): Promise<void> {
    const keep = new Set(active.map((job) => this.recordFile(job)));
    for (const name of await readdir(this.options.stateDir).catch(() => [] as string[])) {
      const file = join(this.options.stateDir, name);
      if (keep.has(file)) continue;
      const record = await this.readRecord(file);
      if (record) await this.endSlurmJob(record.slurmJobId, 0);
      await rm(file, { force: true });
    }
  }
}
