/**
 * The multi-host process executor: every host of a job is a `train` process (as in the process
 * executor) in a network namespace of its own, with its own address on a bridge the job owns, its
 * hostname `algo-N` in a UTS namespace and `/etc/hosts` naming every host that has been launched
 * (as SageMaker's DNS names a host once its instance is up, so `train` waits for its peers). With
 * EnableNetworkIsolation a host's namespace has loopback only. Needs root and iproute2.
 *
 * Each network it makes is recorded under its state dir until it is removed, so that a restarted
 * control plane removes what a crash left behind, and only its own.
 */
import { execFileSync } from "node:child_process";
import { access, mkdir, readdir, readFile, rm, writeFile } from "node:fs/promises";
import type { HostPlan, JobPlan } from "../../jobs/plan.js";
import { ProcessExecutor, type ProcessExecutorOptions } from "../process/index.js";
import type { Executor, HostHandle } from "../types.js";
import { CoalescedTask } from "./coalesced-task.js";
import { createNetwork, destroyNetwork, networkId, networkNamespacesAvailable, planNetwork, publishStartedHosts, routedSubnets, type JobNetwork } from "./network.js";

/** Sets the hostname, then execs the rest: run inside the host's namespaces. */
const SET_HOSTNAME = 'hostname "$1" && shift && exec "$@"';

export interface NetnsExecutorOptions extends Omit<ProcessExecutorOptions, "commandPrefix"> {
  /** Where the networks this executor made are recorded (`$OPTML_HOME/networks`). */
  readonly stateDir: string;
}

export class NetnsExecutor implements Executor {
  readonly name = "netns";
  private readonly processes: ProcessExecutor;
  private readonly networks = new Map<string, JobNetwork>();
  /** Hosts launched so far, by job: their names resolve on every host of the job. */
  private readonly started = new Map<string, Set<string>>();
  /**
   * Each job's /etc/hosts updates. The files are rewritten in place (bind-mounted inside the
   * namespaces), so one update at a time, or two could interleave; hosts launched together share
   * one update.
   */
  private readonly publishing = new Map<string, CoalescedTask>();

  constructor(private readonly options: NetnsExecutorOptions) {
    this.processes = new ProcessExecutor({
      ...options,
      commandPrefix: (job, host) => {
        const ns = this.network(job).hosts.find((h) => h.host === host.host)!.namespace;
        return ["ip", "netns", "exec", ns, "unshare", "--uts", "--", "/bin/sh", "-c", SET_HOSTNAME, "optml-hostname", host.host];
      },
    });
  }

  /** The job's network: names follow from the job; the subnet is picked once, when it is made. */
  private network(job: JobPlan, taken: ReadonlySet<string> = new Set()): JobNetwork {
    let net = this.networks.get(job.workDir);
    if (!net) {
      net = planNetwork(job.workDir, job.hosts.map((h) => h.host), job.enableNetworkIsolation, taken);
      this.networks.set(job.workDir, net);
    }
    return net;
  }

  private record(id: string): string {
    return `${this.options.stateDir}/${id}.json`;
  }

  async cannotRun(): Promise<string | undefined> {
    return networkNamespacesAvailable();
  }

  async prepare(job: JobPlan): Promise<void> {
    // A rerun after a restart starts from nothing: what an earlier run recorded goes first.
    if (await access(this.record(networkId(job.workDir))).then(() => true, () => false)) await this.release(job);
    const taken = routedSubnets(execFileSync("ip", ["-4", "route", "show", "table", "all"], { encoding: "utf8" }));
    for (const other of this.networks.values()) taken.add(other.subnet);
    const net = this.network(job, taken);
    await mkdir(this.options.stateDir, { recursive: true });
    await writeFile(this.record(net.id), JSON.stringify(net));
    await createNetwork(net);
  }

  async release(job: JobPlan): Promise<void> {
    const net = this.network(job);
    await destroyNetwork(net);
    await rm(this.record(net.id), { force: true });
    this.networks.delete(job.workDir);
    this.started.delete(job.workDir);
    this.publishing.delete(job.workDir);
  }

  async reclaim(active: readonly JobPlan[]): Promise<void> {
    const keep = new Set(active.map((job) => this.network(job).id));
    const recorded = await readdir(this.options.stateDir).catch(() => [] as string[]);
    for (const file of recorded) {
      const id = file.replace(/\.json$/, "");
      if (keep.has(id)) continue;
      const net = JSON.parse(await readFile(`${this.options.stateDir}/${file}`, "utf8")) as JobNetwork;
      await destroyNetwork(net);
      await rm(`${this.options.stateDir}/${file}`, { force: true });
    }
  }

  async launch(job: JobPlan, host: HostPlan): Promise<HostHandle> {
    const net = this.network(job);
    const started = (this.started.get(job.workDir) ?? new Set<string>()).add(host.host);
    this.started.set(job.workDir, started);
    let publishing = this.publishing.get(job.workDir);
    if (!publishing) this.publishing.set(job.workDir, (publishing = new CoalescedTask(() => publishStartedHosts(net, started))));
    // The name is written while the host's process is made (forks hold up this thread, file writes
    // do not), so it resolves by the time `train` looks: a peer that looks too early would sleep
    // through its retry delay.
    const published = publishing.run();
    const handle = await this.processes.launch(job, host);
    try {
      await published;
    } catch (e) {
      handle.kill();
      throw e;
    }
    return handle;
  }

  reattach(state: unknown): HostHandle | undefined {
    return this.processes.reattach(state);
  }
}
