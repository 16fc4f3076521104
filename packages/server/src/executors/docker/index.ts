/**
 * The container executor: each host is one container of the job's TrainingImage, run as SageMaker
 * runs it (`docker run <image> train`, or ContainerEntrypoint + ContainerArguments), with hostname
 * algo-N, the host's base dir bind-mounted at /opt/ml and the plan's container environment. The
 * hosts of a job share a user-defined bridge network made for it, on which every host is `algo-N`;
 * EnableNetworkIsolation gives each container no network at all (loopback only).
 *
 * Local code: a job whose sagemaker_submit_directory is a local directory has it mounted read-only
 * at /opt/ml/code in every container, and its hyperparameters there say "/opt/ml/code" (the plan's
 * withContainerCode, container.ts), so SageMaker's toolkit, optml's runner and BYOC images all find it.
 *
 * GPUs: a host's container gets the GPUs the control plane assigned the host (../gpus.ts), and only
 * those, by Docker's device requests: the nvidia runtime's, or CDI names (./gpus.ts). An engine
 * that can give none gives none; under `--instance-resources enforce` a GPU instance type then
 * fails the job at start, naming what is missing (option `gpus: false` says the engine has none).
 *
 * Instance resources: under `--instance-resources enforce` a host's container gets its instance
 * type's memory (no swap on top) and vCPUs from the engine (HostConfig Memory, MemorySwap,
 * NanoCpus), OPTML_NUM_CPUS for SM_NUM_CPUS, and an OutOfMemoryError when the kernel kills it.
 *
 * Loopback services: a job whose environment names an endpoint on this machine's loopback
 * (AWS_ENDPOINT_URL_S3=http://127.0.0.1:9000, ...) reaches it at that URL from its containers: each
 * host then runs in the network namespace of a holder container that forwards those addresses to the
 * job's relay (holder.ts, ../loopback). Not with EnableNetworkIsolation, which keeps loopback only.
 *
 * Containers outlive the control plane: a restarted one reattaches from the stored state (see
 * host.ts for how output resumes). Containers and networks carry labels (`optml.job`: hash of the
 * job's work dir; `optml.home`: hash of the control plane's state dir), so `reclaim` removes what
 * a crashed control plane of this state dir left, and nothing of anyone else's.
 */
import { mkdir } from "node:fs/promises";
import { dirname, join } from "node:path";
import type { HostPlan, JobPlan } from "../../jobs/plan.js";
import { ExecutorFailure, type Executor, type HostHandle } from "../types.js";
import { engineGpus, gpuShortfall, type EngineGpus, type GpuDriver } from "./gpus.js";
import { LoopbackServices, endpointsOfHosts, loopbackEndpoints, proxyScript, type LoopbackEndpoint } from "../loopback/index.js";
import { containerEnv, containerName, containerSpec, jobIds, LABEL_HOME, LABEL_HOST, LABEL_JOB, labels } from "./container.js";
import { DEFAULT_DOCKER_SOCKET, DockerEngine, DockerError, dockerSocketFrom, followProgress, imagePath, pullReference } from "./engine.js";
import { readExitFile, writeExitFile } from "../exit-file.js";
import { FrameDecoder } from "./frames.js";
import { holderName, holderSpec, mountedNode, type MountedNode } from "./holder.js";
import { DockerHost, type DockerHostState } from "./host.js";

export { DockerEngine, DockerError, dockerSocketFrom, DEFAULT_DOCKER_SOCKET } from "./engine.js";
export { engineGpus, gpuDeviceRequests, gpuShortfall, type EngineGpus, type GpuDriver } from "./gpus.js";
export type { DockerHostState } from "./host.js";

export interface DockerExecutorOptions {
  /** The engine's unix socket; default: from DOCKER_HOST (`unix://...`), else /var/run/docker.sock. */
  readonly socketPath?: string;
  /** What tells this control plane's containers and networks from others': its state dir (`$OPTML_HOME`). */
  readonly home: string;
  /** `false`: the engine gives no GPUs (whatever it reports); default: as its `/info` says (./gpus.ts). */
  readonly gpus?: boolean;
  /** How long `cannotRun` tries to pull an image that is not present; default 15 s. */
  readonly pullTimeoutMs?: number;
  /** The containers' user; default the image's (as SageMaker). */
  readonly user?: string;
  /** Extra environment for every container, under the plan's own. */
  readonly baseEnv?: Readonly<Record<string, string>>;
  /** Where the jobs' loopback relays keep their sockets; default `<home>/loopback`. */
  readonly loopbackDir?: string;
}

/** Whether a Docker engine answers at the socket (default: DOCKER_HOST, else /var/run/docker.sock). */
export async function dockerAvailable(socketPath?: string, timeoutMs = 3000): Promise<boolean> {
  const where = socketPath !== undefined ? { socketPath } : dockerSocketFrom();
  if (!("socketPath" in where)) return false;
  return new DockerEngine(where.socketPath).ping(timeoutMs);
}

interface Listed {
  readonly Id: string;
  readonly Name?: string;
  readonly Labels?: Record<string, string>;
}

export class DockerExecutor implements Executor {
  readonly name = "docker";
  readonly engine: DockerEngine;
  /** Set when DOCKER_HOST names something other than a unix socket. */
  private readonly unsupported?: string;
  private gpus?: Promise<EngineGpus>;
  private readonly loopback: LoopbackServices;
  private node?: MountedNode;

  constructor(private readonly options: DockerExecutorOptions) {
    const where = options.socketPath !== undefined ? { socketPath: options.socketPath } : dockerSocketFrom();
    if ("unsupported" in where) this.unsupported = where.unsupported;
    this.loopback = new LoopbackServices({ stateDir: options.loopbackDir ?? join(options.home, "loopback") });
    this.engine = new DockerEngine("socketPath" in where ? where.socketPath : DEFAULT_DOCKER_SOCKET);
    if (options.gpus === false) this.gpus = Promise.resolve({ missing: "this control plane's Docker executor was set up without GPUs" });
  }

  get socketPath(): string {
    return this.engine.socketPath;
  }

  /** How the engine gives containers GPUs, or what it lacks (asked once). */
  engineGpus(): Promise<EngineGpus> {
    this.gpus ??= (this.engine.call("GET", "/info", { timeoutMs: 10_000 }) as Promise<Parameters<typeof engineGpus>[0]>).then(
      (info) => engineGpus(info ?? {}, this.socketPath),
      (e: unknown) => {
        this.gpus = undefined;
        throw e;
      },
    );
    return this.gpus;
  }

  private async gpuDriver(): Promise<GpuDriver | undefined> {
    const gpus = await this.engineGpus();
    return "driver" in gpus ? gpus.driver : undefined;
  }

  /** Whether the engine has the image locally (no pull). */
  async hasImage(image: string): Promise<boolean> {
    try {
      await this.engine.call("GET", `/images/${imagePath(image)}/json`, { timeoutMs: 10_000 });
      return true;
    } catch (e) {
      if (e instanceof DockerError && e.status === 404) return false;
      throw e;
    }
  }

  /** Pull an image, giving up after `timeoutMs`; rejects with why it could not. */
  async pull(image: string, timeoutMs = this.options.pullTimeoutMs ?? 15_000): Promise<void> {
    const res = await this.engine.stream("POST", "/images/create", { query: pullReference(image), timeoutMs });
    await followProgress(res);
  }

  async cannotRun(job: JobPlan): Promise<string | undefined> {
    if (this.unsupported) return this.unsupported;
    if (!(await this.engine.ping())) return `Docker is not running at ${this.socketPath}`;
    const image = job.image;
    if (!image) return "the job names no TrainingImage to run";
    try {
      if (await this.hasImage(image)) return undefined;
      await this.pull(image);
      return undefined;
    } catch (e) {
      return `image ${image} is not present locally and could not be pulled: ${oneLine((e as Error).message)}`;
    }
  }

  private async list(kind: "containers" | "networks", filters: Record<string, string[]>): Promise<Listed[]> {
    const query = { filters: JSON.stringify(filters), ...(kind === "containers" ? { all: 1 } : {}) };
    return ((await this.engine.call("GET", `/${kind}${kind === "containers" ? "/json" : ""}`, { query })) as Listed[]) ?? [];
  }

  private async removeContainer(id: string): Promise<void> {
    await this.engine.call("DELETE", `/containers/${encodeURIComponent(id)}`, { query: { force: 1, v: 1 } }).catch((e: unknown) => {
      if (!(e instanceof DockerError && e.status === 404)) throw e;
    });
  }

  private async removeNetwork(idOrName: string): Promise<void> {
    await this.engine.call("DELETE", `/networks/${encodeURIComponent(idOrName)}`).catch((e: unknown) => {
      if (!(e instanceof DockerError && e.status === 404)) throw e;
    });
  }

  /** The environment of a host's container (its loopback endpoints are read from it; GPUs aside). */
  private envOf(job: JobPlan, host: HostPlan): Record<string, string> {
    return containerEnv(job, host, this.options.baseEnv);
  }

  /** The loopback endpoints a host's container is configured with (none under network isolation). */
  loopbackEndpointsOf(job: JobPlan, host: HostPlan): LoopbackEndpoint[] {
    return job.enableNetworkIsolation ? [] : loopbackEndpoints(this.envOf(job, host));
  }

  async prepare(job: JobPlan): Promise<void> {
    // GPUs asked for under enforce that the engine cannot give: the job fails before anything starts.
    if (job.hosts.some((h) => h.limits)) {
      const gpus = await this.engineGpus();
      const shortfall = job.hosts.map((h) => gpuShortfall(h, gpus)).find((why) => why !== undefined);
      if (shortfall) throw new ExecutorFailure(shortfall);
    }
    await this.release(job); // a rerun after a restart starts from nothing
    if (job.enableNetworkIsolation) return;
    const ids = jobIds(job, this.options.home);
    await this.engine.call("POST", "/networks/create", {
      body: { Name: ids.network, Driver: "bridge", CheckDuplicate: true, Labels: labels(ids, job) },
    });
    await this.loopback.startRelay(job, endpointsOfHosts(job.hosts.map((h) => this.loopbackEndpointsOf(job, h))));
  }

  async release(job: JobPlan): Promise<void> {
    const ids = jobIds(job, this.options.home);
    const containers = await this.list("containers", { label: [`${LABEL_JOB}=${ids.job}`, `${LABEL_HOME}=${ids.home}`] });
    for (const c of containers) {
      // Keep the exit code of a host whose exit was not seen yet: the container is about to go.
      const host = job.hosts.find((h) => h.host === c.Labels?.[LABEL_HOST]);
      if (host && !readExitFile(host.exitFile)) {
        const state = ((await this.engine.call("GET", `/containers/${c.Id}/json`).catch(() => undefined)) as { State?: { Running?: boolean; ExitCode?: number } } | undefined)
          ?.State;
        if (state && !state.Running && typeof state.ExitCode === "number") await writeExitFile(host.exitFile, state.ExitCode).catch(() => undefined);
      }
      await this.removeContainer(c.Id);
    }
    await this.removeNetwork(ids.network);
    await this.loopback.stop(job);
  }

  async reclaim(active: readonly JobPlan[]): Promise<void> {
    const home = jobIds({ workDir: "" }, this.options.home).home;
    const keep = new Set(active.map((job) => jobIds(job, this.options.home).job));
    for (const c of await this.list("containers", { label: [`${LABEL_HOME}=${home}`] })) {
      if (!keep.has(c.Labels?.[LABEL_JOB] ?? "")) await this.removeContainer(c.Id);
    }
    for (const n of await this.list("networks", { label: [`${LABEL_HOME}=${home}`] })) {
      if (!keep.has(n.Labels?.[LABEL_JOB] ?? "")) await this.removeNetwork(n.Id);
    }
    await this.loopback.reclaim(active);
  }

  async launch(job: JobPlan, host: HostPlan): Promise<HostHandle> {
    if (!job.image) throw new Error("the job names no TrainingImage to run");
    await mkdir(dirname(host.exitFile), { recursive: true });
    const ids = jobIds(job, this.options.home);
    const name = containerName(ids, host.host);
    const endpoints = this.loopbackEndpointsOf(job, host);
    const holder = endpoints.length > 0 ? await this.startHolder(job, host, endpoints) : undefined;
    const spec = containerSpec(job, host, ids, {
      ...(host.gpuIds?.length ? { gpuDriver: await this.gpuDriver() } : {}),
      ...(this.options.user ? { user: this.options.user } : {}),
      ...(this.options.baseEnv ? { env: this.options.baseEnv } : {}),
      ...(holder ? { holder } : {}),
    });
    const created = await this.create(name, spec);
    let startError: string | undefined;
    try {
      await this.engine.call("POST", `/containers/${created.Id}/start`);
    } catch (e) {
      // The image's command cannot run (no `train` in it, ...): the host fails as a program would.
      if (!(e instanceof DockerError) || e.status === undefined) throw e;
      startError = oneLine(e.message);
    }
    const state: DockerHostState = {
      kind: "docker",
      host: host.host,
      containerId: created.Id,
      containerName: name,
      socketPath: this.socketPath,
      exitFile: host.exitFile,
      ...(startError ? { startError } : {}),
      ...(host.limits ? { limits: { memoryBytes: host.limits.memoryBytes, instanceType: host.limits.instanceType } } : {}),
    };
    return new DockerHost(state, this.engine);
  }

  /** Create a container; one of the same name left by an earlier try of this very job goes first. */
  private async create(name: string, spec: Record<string, unknown>): Promise<{ Id: string }> {
    const create = () => this.engine.call("POST", "/containers/create", { query: { name }, body: spec }) as Promise<{ Id: string }>;
    try {
      return await create();
    } catch (e) {
      if (!(e instanceof DockerError && e.status === 409)) throw e;
      await this.removeContainer(name);
      return create();
    }
  }

  /** The last lines a container wrote (for messages). */
  private async lastOutput(id: string): Promise<string> {
    try {
      const res = await this.engine.stream("GET", `/containers/${id}/logs`, { query: { stdout: 1, stderr: 1, tail: 5 }, timeoutMs: 10_000 });
      const decoder = new FrameDecoder();
      const parts: Buffer[] = [];
      for await (const chunk of res) parts.push(...decoder.push(chunk as Buffer));
      return Buffer.concat(parts).toString("utf8");
    } catch {
      return "";
    }
  }

  /** Start a host's network holder (holder.ts) and wait until its forwarder listens; its id. */
  private async startHolder(job: JobPlan, host: HostPlan, endpoints: readonly LoopbackEndpoint[]): Promise<string> {
    const ids = jobIds(job, this.options.home);
    this.node ??= mountedNode();
    const spec = holderSpec(job, host, ids, {
      node: this.node,
      proxyScript: proxyScript(),
      loopbackDir: this.loopback.dirOf(job),
      forwarderArgs: this.loopback.forwarderArgs(host.host, endpoints),
    });
    const { Id } = await this.create(holderName(ids, host.host), spec);
    await this.engine.call("POST", `/containers/${Id}/start`);
    await this.loopback.waitUntilReady(job, host.host, undefined, async () => {
      const state = ((await this.engine.call("GET", `/containers/${Id}/json`).catch(() => undefined)) as { State?: { Running?: boolean; ExitCode?: number } } | undefined)?.State;
      if (state?.Running) return undefined;
      return `its container exited with code ${state?.ExitCode ?? "?"}: ${oneLine(await this.lastOutput(Id))}`;
    });
    return Id;
  }

  /**
   * The host of a stored state. Synchronous, so the container is not asked here: a host whose
   * container is gone and left no exit file ends at once with an unknown exit code.
   */
  reattach(state: unknown): HostHandle | undefined {
    const s = state as DockerHostState;
    if (s?.kind !== "docker" || typeof s.containerId !== "string") return undefined;
    const engine = s.socketPath === this.socketPath ? this.engine : new DockerEngine(s.socketPath);
    return new DockerHost(s, engine);
  }
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, " ").trim();
}
