/**
 * Loopback services for hosts in network namespaces of their own (containers, netns hosts): a job
 * configured with an endpoint on this machine's loopback (AWS_ENDPOINT_URL_S3=http://127.0.0.1:9000,
 * ...) reaches it at that same URL from every host, as a process host does.
 *
 * How (proxy.ts runs both sides): `prepare` starts the job's relay, a detached process here that
 * listens on a unix socket per endpoint in the job's loopback dir (`<stateDir>/<hash of the work
 * dir>`) and connects to the real service; each host gets a forwarder inside its namespace that
 * listens on the endpoint's own address and port there and hands each connection to the relay's
 * socket. Only loopback and unix sockets carry the traffic: nothing goes to another address, and
 * the hosts keep their own namespaces, addresses and hostnames. The executor starts a host's program
 * only once its forwarder listens, so the first connection of the job already gets through.
 *
 * Lifetime: relay and forwarders are detached (they outlive a restart of the control plane, as the
 * hosts do) and exit by themselves once the job's loopback dir is removed: `release` removes it, and
 * `reclaim` removes those of jobs that are over after a crash.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createHash } from "node:crypto";
import { closeSync, existsSync, openSync, readFileSync } from "node:fs";
import { mkdir, readdir, readFile, rm } from "node:fs/promises";
import { dirname, join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import { forwardedAddresses, relayTargets, type LoopbackEndpoint } from "./endpoints.js";

export { forwardedAddresses, loopbackEndpoints, type ForwardedAddress, type LoopbackEndpoint } from "./endpoints.js";

/** How long a relay or forwarder may take to listen. */
const READY_TIMEOUT_MS = 20_000;

/**
 * proxy.js, the script relay and forwarders run. From the sources (tests), the built one in dist/:
 * the forwarder of a container runs that one file, so it must be JavaScript.
 */
export function proxyScript(): string {
  const here = fileURLToPath(import.meta.url);
  const script = here.endsWith(".ts") ? join(dirname(here).replace(/\/src\/executors\/loopback$/, "/dist/executors/loopback"), "proxy.js") : join(dirname(here), "proxy.js");
  if (!existsSync(script)) throw new Error(`the loopback proxy ${script} is missing: build @optml/server first (npm run build)`);
  return script;
}

/** The endpoints of all of a job's hosts, each once (the job's relay serves them all). */
export function endpointsOfHosts(hosts: readonly (readonly LoopbackEndpoint[])[]): LoopbackEndpoint[] {
  const all = new Map<string, LoopbackEndpoint>();
  for (const e of hosts.flat()) if (!all.has(`${e.host} ${e.port}`)) all.set(`${e.host} ${e.port}`, e);
  return [...all.values()];
}

/** Why a relay or forwarder is not listening (its ready file or its log), for messages. */
async function whyNotReady(dir: string, name: string, logFile: string | undefined): Promise<string | undefined> {
  const said = await readFile(join(dir, `${name}.ready`), "utf8").catch(() => undefined);
  if (said?.startsWith("error: ")) return said.slice("error: ".length).trim();
  const log = logFile ? await readFile(logFile, "utf8").catch(() => "") : "";
  return log.trim().split("\n").slice(-5).join("\n") || undefined;
}

export interface LoopbackOptions {
  /** Where the jobs' loopback dirs go (`$OPTML_HOME/loopback`). */
  readonly stateDir: string;
}

export class LoopbackServices {
  /**
   * The dirs of the jobs this control plane started relays for: reclaim leaves them (a job may
   * start while recovery runs). Known by name, not by a file time that the relay's own writes and
   * coarse clocks make unreliable.
   */
  private readonly mine = new Set<string>();

  constructor(private readonly options: LoopbackOptions) {}

  /** The job's loopback dir: the relay's sockets and the ready files. */
  dirOf(job: { readonly workDir: string }): string {
    return join(this.options.stateDir, createHash("sha256").update(job.workDir).digest("hex").slice(0, 16));
  }

  /**
   * Start the job's relay for these endpoints (none: nothing to do), after removing what an earlier
   * run of the job left; resolves once it listens. Its log: `<workDir>/loopback-relay.log`.
   */
  async startRelay(job: { readonly workDir: string }, endpoints: readonly LoopbackEndpoint[]): Promise<void> {
    await this.stop(job);
    if (endpoints.length === 0) return;
    const dir = this.dirOf(job);
    this.mine.add(dir);
    await mkdir(dir, { recursive: true, mode: 0o700 });
    await mkdir(job.workDir, { recursive: true });
    const logFile = join(job.workDir, "loopback-relay.log");
    const child = this.spawnDetached([process.execPath, proxyScript(), "relay", "relay", JSON.stringify(relayTargets(endpoints))], dir, logFile);
    await this.waitUntilReady(job, "relay", logFile, async () => (child.exitCode !== null || child.signalCode !== null ? `the relay exited (${child.exitCode ?? child.signalCode})` : undefined));
  }

  /** proxy.js's arguments for a host's forwarder; it runs with the job's loopback dir (dirOf) as working directory. */
  forwarderArgs(host: string, endpoints: readonly LoopbackEndpoint[]): string[] {
    return ["forwarder", host, JSON.stringify(forwardedAddresses(endpoints))];
  }

  /** Start a host's forwarder with `prefix` (entering the host's namespace); resolves once it listens. Its log: `logFile`. */
  async startForwarder(job: { readonly workDir: string }, host: string, endpoints: readonly LoopbackEndpoint[], prefix: readonly string[], logFile: string): Promise<void> {
    const child = this.spawnDetached([...prefix, process.execPath, proxyScript(), ...this.forwarderArgs(host, endpoints)], this.dirOf(job), logFile);
    await this.waitUntilReady(job, host, logFile, async () => (child.exitCode !== null || child.signalCode !== null ? `the forwarder exited (${child.exitCode ?? child.signalCode})` : undefined));
  }

  private spawnDetached(command: readonly string[], cwd: string, logFile: string): ChildProcess {
    const out = openSync(logFile, "a");
    try {
      const child = spawn(command[0]!, command.slice(1), { cwd, detached: true, stdio: ["ignore", out, out] });
      child.once("error", () => undefined); // seen as an exit by waitUntilReady
      child.unref();
      return child;
    } finally {
      closeSync(out);
    }
  }

  /**
   * Wait for `<name>.ready` in the job's dir; rejects with the reason when it says an error, when
   * `ended` says the process is gone, or after a while.
   */
  async waitUntilReady(job: { readonly workDir: string }, name: string, logFile: string | undefined, ended: () => Promise<string | undefined>): Promise<void> {
    const dir = this.dirOf(job);
    const what = name === "relay" ? "the job's loopback relay" : `the loopback forwarder of ${name}`;
    const deadline = Date.now() + READY_TIMEOUT_MS;
    for (let i = 0; ; i++) {
      const said = existsSync(join(dir, `${name}.ready`)) ? readFileSync(join(dir, `${name}.ready`), "utf8") : undefined;
      if (said === "ok") return;
      if (said !== undefined) throw new Error(`${what} could not start: ${said.replace(/^error: /, "")}`);
      const gone = i % 10 === 9 ? await ended() : undefined;
      if (gone || Date.now() > deadline) {
        const why = await whyNotReady(dir, name, logFile);
        throw new Error(`${what} ${gone ? "could not start" : `did not listen within ${READY_TIMEOUT_MS / 1000} s`}: ${why ?? gone ?? "no reason given"}`);
      }
      await sleep(10);
    }
  }

  /** Stop the job's relay and forwarders (they exit once their dir is gone). */
  async stop(job: { readonly workDir: string }): Promise<void> {
    const dir = this.dirOf(job);
    await rm(dir, { recursive: true, force: true });
    this.mine.delete(dir);
  }

  /**
   * Remove the loopback dirs that an earlier control plane left for jobs not in `active` (after a
   * crash): their processes exit. This control plane's own jobs' dirs stay: they may have started
   * while it recovered, and their release removes them.
   */
  async reclaim(active: readonly { readonly workDir: string }[]): Promise<void> {
    const keep = new Set(active.map((job) => this.dirOf(job)));
    for (const entry of await readdir(this.options.stateDir).catch(() => [] as string[])) {
      const dir = join(this.options.stateDir, entry);
      if (keep.has(dir) || this.mine.has(dir)) continue;
      await rm(dir, { recursive: true, force: true });
    }
  }
}
