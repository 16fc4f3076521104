/**
 * The multi-host process executor: every host of a job is a `train` process (as in the process
 * executor) in a network namespace of its own, with its own address on a bridge the job owns, its
 * hostname `algo-N` in a UTS namespace and `/etc/hosts` naming every host that has been launched
 * (as SageMaker's DNS names a host once its instance is up, so `train` waits for its peers). With
 * EnableNetworkIsolation a host's namespace has loopback only. Needs root and iproute2.
 *
 * Loopback services: endpoints of the hosts' environment on this machine's loopback
 * (AWS_ENDPOINT_URL_S3=http://127.0.0.1:9000, ...) are reached at the same URL from every host:
 * the job's relay and a forwarder in each host's namespace carry them (../loopback); a host's
 * `train` starts once its forwarder listens. Not with EnableNetworkIsolation.
 *
 * Each network it makes is recorded under its state dir until it is removed, so that a restarted
 * control plane removes what a crash left behind, and only its own.
 */
import { execFileSync } from "node:child_process";
import { access, mkdir, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import type { HostPlan, JobPlan } from "../../jobs/plan.js";
import { endpointsOfHosts, loopbackEndpoints, LoopbackServices, type LoopbackEndpoint } from "../loopback/index.js";
import { hostEnvironment, ProcessExecutor, type ProcessExecutorOptions } from "../process/index.js";
import type { Executor, HostHandle } from "../types.js";
import { CoalescedTask } from "./coalesced-task.js";
import { createNetwork, destroyNetwork, networkId, networkNamespacesAvailable, planNetwork, publishStartedHosts, routedSubnets, type JobNetwork } from "./network.js";

/** Sets the hostname, then execs the rest: run inside the host's namespaces. */
const SET_HOSTNAME = 'hostname "$1" && shift && exec "$@"';

export interface NetnsExecutorOptions extends Omit<ProcessExecutorOptions, "commandPrefix"> {
  /** Where the networks this executor made are recorded (`$OPTML_HOME/networks`). */
  readonly stateDir: string;
  /** Where the jobs' loopback relays keep their sockets; default `loopback` beside `stateDir`. */
  readonly loopbackDir?: string;
}

/** What the executor keeps of a job while it runs. */
interface JobState {
  readonly net: JobNetwork;
  /** Hosts launched so far: their names resolve on every host of the job. */
  readonly started: Set<string>;
  /**
   * The job's /etc/hosts updates. The files are rewritten in place (bind-mounted inside the
   * namespaces), so one update at a time, or two could interleave; hosts launched together share
   * one update.
   */
  readonly hostsFiles: CoalescedTask;
}

export class NetnsExecutor implements Executor {
  readonly name = "netns";
  private readonly processes: ProcessExecutor;
  /** By job (its work dir). */
  private readonly jobs = new Map<string, JobState>();
  private readonly loopback: LoopbackServices;

  constructor(private readonly options: NetnsExecutorOptions) {
    this.loopback = new LoopbackServices({ stateDir: options.loopbackDir ?? join(dirname(options.stateDir), "loopback") });
    this.processes = new ProcessExecutor({
      ...options,
      namesProvided: true,
      commandPrefix: (job, host) => {
        const ns = this.job(job).net.hosts.find((h) => h.host === host.host)!.namespace;
        return ["ip", "netns", "exec", ns, "unshare", "--uts", "--", "/bin/sh", "-c", SET_HOSTNAME, "optml-hostname", host.host];
      },
    });
  }

  /** What is kept of the job; its network's names follow from the job, its subnet is picked once. */
  private job(job: JobPlan, taken: ReadonlySet<string> = new Set()): JobState {
    let state = this.jobs.get(job.workDir);
    if (!state) {
      const net = planNetwork(job.workDir, job.hosts.map((h) => h.host), job.enableNetworkIsolation, taken);
      const started = new Set<string>();
      state = { net, started, hostsFiles: new CoalescedTask(() => publishStartedHosts(net, started)) };
      this.jobs.set(job.workDir, state);
    }
    return state;
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
    for (const other of this.jobs.values()) taken.add(other.net.subnet);
    const { net } = this.job(job, taken);
    await mkdir(this.options.stateDir, { recursive: true });
    await writeFile(this.record(net.id), JSON.stringify(net));
    await createNetwork(net);
    await this.loopback.startRelay(job, endpointsOfHosts(job.hosts.map((h) => this.loopbackEndpointsOf(job, h))));
  }

  /** The loopback endpoints a host's `train` is configured with (none under network isolation). */
  loopbackEndpointsOf(job: JobPlan, host: HostPlan): LoopbackEndpoint[] {
    return job.enableNetworkIsolation ? [] : loopbackEndpoints(hostEnvironment(job, host, this.options.baseEnv));
  }

  async release(job: JobPlan): Promise<void> {
    await this.loopback.stop(job);
    const { net } = this.job(job);
    await destroyNetwork(net);
    // The job's SSH key pair (MPI jobs) is of no use once its hosts are gone.
    await rm(`${job.workDir}/ssh`, { recursive: true, force: true });
    await rm(this.record(net.id), { force: true });
    this.jobs.delete(job.workDir);
  }

  async reclaim(active: readonly JobPlan[]): Promise<void> {
    const keep = new Set(active.map((job) => this.job(job).net.id));
    const recorded = await readdir(this.options.stateDir).catch(() => [] as string[]);
    for (const file of recorded) {
      const id = file.replace(/\.json$/, "");
      if (keep.has(id)) continue;
      const net = JSON.parse(await readFile(`${this.options.stateDir}/${file}`, "utf8")) as JobNetwork;
      await destroyNetwork(net);
      await rm(`${this.options.stateDir}/${file}`, { force: true });
    }
    await this.loopback.reclaim(active);
    await this.processes.reclaim(active);
  }

  async launch(job: JobPlan, host: HostPlan): Promise<HostHandle> {
    const { net, started, hostsFiles } = this.job(job);
    const endpoints = this.loopbackEndpointsOf(job, host);
    if (endpoints.length > 0) {
      const ns = net.hosts.find((h) => h.host === host.host)!.namespace;
      await this.loopback.startForwarder(job, host.host, endpoints, ["ip", "netns", "exec", ns], join(job.workDir, `${host.host}.loopback.log`));
    }
    started.add(host.host);
    // The name is written while the host's process is made (forks hold up this thread, file writes
    // do not), so it resolves by the time `train` looks: a peer that looks too early would sleep
    // through its retry delay.
    const published = hostsFiles.run();
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
