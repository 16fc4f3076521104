/**
 * A real Slurm cluster on this machine, for the tests of anything that drives Slurm: one
 * `slurmctld` in the machine's network namespace and N `slurmd` (nodes n1..nN), each in its own
 * network namespace (a veth to a bridge on a private /24 the cluster owns), UTS namespace (its
 * hostname) and mount namespace (its own /etc/hosts naming every node and the controller, and an
 * empty resolv.conf). The cluster has its own munged (own key and socket), its own ports, its own
 * dir under the temp dir and a random id in every name, so test files can each run one at once.
 *
 * Facts and pitfalls it follows are in the shared notes on Slurm (engines/slurm.md): slurmd is
 * started through `nsenter` + `unshare`, not `ip netns exec` (which hides /sys/fs/cgroup); bridged
 * traffic is let through iptables where Docker's bridge netfilter would drop it; job steps outlive
 * slurmd (slurmstepd re-parents to PID 1), so processes are found and killed by network namespace.
 *
 * The configuration is Slurm's defaults but for what a test needs to be quick: a dead node is
 * noticed within seconds (SlurmdTimeout=5: its job ends NODE_FAIL about 15 s after the kill),
 * KillWait=5, jobs stay visible to squeue for 5 minutes after they end (MinJobAge=300). Slurm's
 * own default stands that a batch job whose node fails is requeued (PENDING, reason BeginTime),
 * unless it was submitted with --no-requeue. There is no accounting: `sacct` answers "Slurm
 * accounting storage is disabled".
 *
 * Needs root, iproute2, util-linux and Debian's `slurm-wlm` and `munge`.
 */
import { execFile, spawn, spawnSync, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { closeSync, existsSync, openSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync } from "node:fs";
import { chmod, mkdir, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir, totalmem } from "node:os";
import { delimiter, join } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

export interface SlurmNode {
  /** n1..nN: the node's Slurm name and its hostname. */
  readonly name: string;
  readonly address: string;
  /** Its network namespace (`ip netns`), /run/netns/<namespace>. */
  readonly namespace: string;
}

export interface SlurmCluster {
  readonly nodes: readonly SlurmNode[];
  /** The slurm.conf path: clients find it through SLURM_CONF. */
  readonly confFile: string;
  /** Environment for Slurm client commands (sbatch, squeue, ...): { SLURM_CONF }. */
  readonly env: Readonly<Record<string, string>>;
  /** The default partition's name. */
  readonly partition: string;
  /** The cluster's own dir (configuration, state, logs); removed by stop(). */
  readonly dir: string;
  /** The random id in the cluster's namespace, bridge and veth names. */
  readonly id: string;
  /** The bridge the nodes hang on; its address is the controller's. */
  readonly bridge: string;
  readonly controllerAddress: string;
  /** Kill node `name` as a machine that died: its link down, then its slurmd and every process in its namespaces (SIGKILL). */
  killNode(name: string): Promise<void>;
  /** Pids of processes still running in the nodes' network namespaces other than the slurmd daemons (what jobs left behind). */
  leftoverProcesses(): number[];
  /** Ids of the jobs in the queue: pending, running, completing, configuring or suspended. */
  queued(): Promise<string[]>;
  /** Restart slurmctld; with { clean: true } it starts with no saved state (`slurmctld -c`): every job it knew is forgotten. */
  restartController(options?: { clean?: boolean }): Promise<void>;
  /** Stop everything: every process in the nodes' namespaces, slurmd, slurmctld, munged; remove namespaces, bridge, iptables rule and the dir. Idempotent. */
  stop(): Promise<void>;
}

export interface SlurmClusterOptions {
  readonly nodes: number;
  /** CPUs per node as Slurm sees them, default 1. */
  readonly cpus?: number;
  /** slurm.conf lines appended (they override the fixture's). */
  readonly extraConfig?: readonly string[];
}

const PARTITION = "main";
/** The controller's hostname (slurmctld runs in its own UTS namespace with it) and its name in the nodes' /etc/hosts. */
const CONTROLLER = "slurmctl";
const READY_TIMEOUT_MS = 30_000;

/** Commands the cluster runs, and the Debian package that has each. */
const COMMANDS = {
  sbatch: "slurm-wlm",
  srun: "slurm-wlm",
  squeue: "slurm-wlm",
  sinfo: "slurm-wlm",
  scontrol: "slurm-wlm",
  slurmctld: "slurm-wlm",
  slurmd: "slurm-wlm",
  munged: "munge",
  ip: "iproute2",
  nsenter: "util-linux",
  unshare: "util-linux",
} as const;
type Command = keyof typeof COMMANDS;

/** Where a command is on PATH (or in the sbin dirs a non-login root shell may lack). */
function which(command: string): string | undefined {
  const dirs = [...(process.env.PATH ?? "").split(delimiter), "/usr/local/sbin", "/usr/sbin", "/sbin"];
  for (const dir of dirs) {
    const path = join(dir, command);
    try {
      if (statSync(path).isFile()) return path;
    } catch {
      // not here
    }
  }
  return undefined;
}

/** The commands' paths, or an error saying what to install or do. */
function requirements(): Record<Command, string> {
  if (process.getuid?.() !== 0) {
    throw new Error("a Slurm test cluster needs root (network namespaces, munged --force, slurmd): run the tests as root");
  }
  const found: Partial<Record<Command, string>> = {};
  const missing: Command[] = [];
  for (const command of Object.keys(COMMANDS) as Command[]) {
    const path = which(command);
    if (path) found[command] = path;
    else missing.push(command);
  }
  if (missing.length > 0) {
    const packages = [...new Set(missing.map((c) => COMMANDS[c]))];
    throw new Error(`a Slurm test cluster needs ${missing.join(", ")}: apt-get install -y ${packages.join(" ")}`);
  }
  return found as Record<Command, string>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen(0, "0.0.0.0", () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

/** The address ranges ([first, last] as numbers) that the routes of any table cover. */
function routedRanges(ipRouteOutput: string): Array<readonly [number, number]> {
  const ranges: Array<readonly [number, number]> = [];
  for (const line of ipRouteOutput.split("\n")) {
    const m = /^(?:[a-z]+\s+)?(\d+)\.(\d+)\.(\d+)\.(\d+)(?:\/(\d+))?(?:\s|$)/.exec(line.trim());
    if (!m) continue;
    const prefix = Number(m[5] ?? 32);
    const address = ((Number(m[1]) << 24) | (Number(m[2]) << 16) | (Number(m[3]) << 8) | Number(m[4])) >>> 0;
    const size = 2 ** (32 - prefix);
    const first = address - (address % size);
    ranges.push([first, first + size - 1]);
  }
  return ranges;
}

/**
 * A /24 in 10.77.0.0-10.99.255.0 that no route covers, starting at a random one so that clusters
 * starting at the same time are unlikely to pick the same.
 */
async function pickSubnet(ip: string): Promise<string> {
  const { stdout } = await run(ip, ["-4", "route", "show", "table", "all"]);
  const ranges = routedRanges(stdout);
  const span = (99 - 77 + 1) * 256;
  const start = randomBytes(2).readUInt16BE() % span;
  for (let i = 0; i < span; i++) {
    const n = (start + i) % span;
    const first = ((10 << 24) >>> 0) + ((77 + (n >>> 8)) << 16) + ((n & 255) << 8);
    if (!ranges.some(([a, b]) => a <= first + 255 && first <= b)) return `10.${77 + (n >>> 8)}.${n & 255}`;
  }
  throw new Error("no unrouted /24 left in 10.77.0.0-10.99.255.0 for a Slurm test cluster");
}

/** `ip -batch`: one process for many commands; with `force` it goes on past failures. */
async function ipBatch(ip: string, commands: readonly string[], options: { namespace?: string; force?: boolean } = {}): Promise<void> {
  const args = [...(options.namespace ? ["-n", options.namespace] : []), ...(options.force ? ["-force"] : []), "-batch", "-"];
  await new Promise<void>((resolve, reject) => {
    const child = spawn(ip, args, { stdio: ["pipe", "ignore", "pipe"] });
    let stderr = "";
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    child.once("error", reject);
    child.once("close", (code) => {
      if (code === 0 || options.force) resolve();
      else reject(new Error(`ip ${args.join(" ")} failed (exit ${code}): ${stderr.trim()}\ncommands:\n${commands.join("\n")}`));
    });
    child.stdin.end(`${commands.join("\n")}\n`);
  });
}

/**
 * Whether bridged traffic goes through iptables and would be dropped: br_netfilter on
 * (`bridge-nf-call-iptables` 1) or a FORWARD policy of DROP (what dockerd sets).
 */
function bridgeFiltered(): boolean {
  try {
    if (readFileSync("/proc/sys/net/bridge/bridge-nf-call-iptables", "utf8").trim() === "1") return true;
  } catch {
    // no br_netfilter: bridged frames skip iptables
  }
  const r = spawnSync("iptables", ["-S", "FORWARD"], { encoding: "utf8" });
  return r.status === 0 && /^-P FORWARD DROP/m.test(r.stdout);
}

function forwardRule(bridge: string): string[] {
  return ["FORWARD", "-i", bridge, "-o", bridge, "-j", "ACCEPT"];
}

/** The last lines of a file, for errors; "" when it cannot be read. */
function tail(path: string, lines = 25): string {
  try {
    return readFileSync(path, "utf8").trimEnd().split("\n").slice(-lines).join("\n");
  } catch {
    return "";
  }
}

/** The network namespace inode of a process, or undefined (gone, a zombie, or no access). */
function netnsOf(pid: number): number | undefined {
  try {
    if (/^\d+ \(.*\) Z/s.test(readFileSync(`/proc/${pid}/stat`, "utf8"))) return undefined;
    const m = /^net:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/ns/net`));
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

/** Live (non-zombie) processes whose network namespace is one of `inodes`. */
function processesInNamespaces(inodes: ReadonlySet<number>): number[] {
  if (inodes.size === 0) return [];
  return readdirSync("/proc")
    .filter((p) => /^\d+$/.test(p))
    .map(Number)
    .filter((pid) => pid !== process.pid && inodes.has(netnsOf(pid) ?? -1));
}

function alive(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z/s.test(readFileSync(`/proc/${pid}/stat`, "utf8"));
  } catch {
    return false;
  }
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // already gone
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** SIGKILL every process in the namespaces until none is left (new ones may fork meanwhile). */
async function killNamespaces(inodes: ReadonlySet<number>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const pids = processesInNamespaces(inodes);
    if (pids.length === 0) return;
    if (Date.now() > deadline) throw new Error(`processes ${pids.join(", ")} in the Slurm test cluster's namespaces survived SIGKILL`);
    for (const pid of pids) signal(pid, "SIGKILL");
    await sleep(50);
  }
}

async function waitForExit(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (alive(pid)) {
    if (Date.now() > deadline) return false;
    await sleep(50);
  }
  return true;
}

/** A daemon's process, with the files whose tails explain its failure. */
interface Daemon {
  readonly what: string;
  readonly child: ChildProcess;
  readonly logs: readonly string[];
}

/** Start a daemon in the foreground, its stdout and stderr into `out`. */
function startDaemon(what: string, command: string, args: readonly string[], out: string, logs: readonly string[]): Daemon {
  const fd = openSync(out, "a");
  try {
    const child = spawn(command, args, { stdio: ["ignore", fd, fd] });
    child.on("error", () => undefined);
    return { what, child, logs: [out, ...logs] };
  } finally {
    closeSync(fd);
  }
}

function daemonLogs(d: Daemon): string {
  return d.logs
    .map((f) => [f, tail(f)] as const)
    .filter(([, t]) => t !== "")
    .map(([f, t]) => `--- ${f} (last lines) ---\n${t}`)
    .join("\n");
}

function exitedError(d: Daemon): Error {
  return new Error(`${d.what} exited (code ${d.child.exitCode}, signal ${d.child.signalCode})\n${daemonLogs(d)}`);
}

/** The RealMemory slurmd reports for this machine (`slurmd -C`), so the node lines agree with it. */
function realMemory(slurmd: string): number {
  const r = spawnSync(slurmd, ["-C"], { encoding: "utf8" });
  const m = /RealMemory=(\d+)/.exec(r.stdout ?? "");
  return m ? Number(m[1]) : Math.floor(totalmem() / 1024 / 1024);
}

interface Layout {
  readonly id: string;
  readonly dir: string;
  readonly subnet: string;
  readonly bridge: string;
  readonly nodes: readonly (SlurmNode & { readonly veth: string })[];
  readonly ctldPort: number;
  readonly slurmdPort: number;
  readonly mungeSocket: string;
}

function slurmConf(l: Layout, cpus: number, memory: number, extra: readonly string[]): string {
  const d = l.dir;
  return [
    `# Slurm test cluster ${l.id} (test-support/slurm-cluster.ts)`,
    `ClusterName=optml${l.id}`,
    `SlurmctldHost=${CONTROLLER}(${l.subnet}.1)`,
    `SlurmctldPort=${l.ctldPort}`,
    `SlurmdPort=${l.slurmdPort}`,
    `SlurmUser=root`,
    `SlurmdUser=root`,
    `AuthType=auth/munge`,
    `CredType=cred/munge`,
    `AuthInfo=socket=${l.mungeSocket}`,
    `StateSaveLocation=${d}/state`,
    `SlurmdSpoolDir=${d}/spool/%n`,
    `SlurmctldPidFile=${d}/slurmctld.pid`,
    `SlurmdPidFile=${d}/slurmd-%n.pid`,
    `SlurmctldLogFile=${d}/slurmctld.log`,
    `SlurmdLogFile=${d}/slurmd-%n.log`,
    `SlurmctldDebug=info`,
    `SlurmdDebug=info`,
    `ProctrackType=proctrack/linuxproc`,
    `TaskPlugin=task/none`,
    `JobAcctGatherType=jobacct_gather/none`,
    `AccountingStorageType=accounting_storage/none`,
    `JobCompType=jobcomp/none`,
    `SelectType=select/cons_tres`,
    `SelectTypeParameters=CR_Core`,
    `SlurmdParameters=config_overrides`,
    `MpiDefault=none`,
    `MailProg=/bin/true`,
    `ReturnToService=2`,
    `SlurmdTimeout=5`,
    `SlurmctldTimeout=10`,
    `MessageTimeout=5`,
    `KillWait=5`,
    `InactiveLimit=0`,
    `MinJobAge=300`,
    `SchedulerType=sched/backfill`,
    `SchedulerParameters=bf_interval=1,sched_interval=1`,
    ...l.nodes.map((n) => `NodeName=${n.name} NodeAddr=${n.address} NodeHostname=${n.name} CPUs=${cpus} RealMemory=${memory} State=UNKNOWN`),
    `PartitionName=${PARTITION} Nodes=${l.nodes.map((n) => n.name).join(",")} Default=YES MaxTime=UNLIMITED State=UP`,
    ...extra,
    "",
  ].join("\n");
}

function hostsFile(l: Layout): string {
  return [
    "127.0.0.1\tlocalhost",
    "::1\tlocalhost ip6-localhost ip6-loopback",
    `${l.subnet}.1\t${CONTROLLER}`,
    ...l.nodes.map((n) => `${n.address}\t${n.name}`),
    "",
  ].join("\n");
}

/** Starts a cluster; resolves once every node is idle. Throws naming what is missing when it cannot. */
export async function startSlurmCluster(options: SlurmClusterOptions): Promise<SlurmCluster> {
  const bin = requirements();
  if (!Number.isInteger(options.nodes) || options.nodes < 1 || options.nodes > 250) throw new Error(`a Slurm test cluster has 1 to 250 nodes, not ${options.nodes}`);
  const id = randomBytes(3).toString("hex");
  const dir = join(tmpdir(), `optml-slurm-${id}`);
  await mkdir(dir, { mode: 0o755 });
  const planned = await layout(bin, id, dir, options.nodes).catch((e: unknown) => {
    rmSync(dir, { recursive: true, force: true });
    throw e;
  });
  const cluster = new Cluster(bin, planned);
  try {
    await cluster.start(options.cpus ?? 1, options.extraConfig ?? []);
    return cluster;
  } catch (e) {
    await cluster.stop().catch(() => undefined);
    throw e;
  }
}

async function layout(bin: Record<Command, string>, id: string, dir: string, count: number): Promise<Layout> {
  const subnet = await pickSubnet(bin.ip);
  const [ctldPort, slurmdPort] = await Promise.all([freePort(), freePort()]);
  return {
    id,
    dir,
    subnet,
    bridge: `slm${id}`,
    nodes: Array.from({ length: count }, (_, i) => ({
      name: `n${i + 1}`,
      address: `${subnet}.${i + 2}`,
      namespace: `slurm-${id}-n${i + 1}`,
      veth: `slm${id}h${i + 1}`,
    })),
    ctldPort,
    slurmdPort: slurmdPort === ctldPort ? ctldPort + 1 : slurmdPort,
    mungeSocket: join(dir, "munge", "munge.socket"),
  };
}

class Cluster implements SlurmCluster {
  readonly nodes: readonly SlurmNode[];
  readonly confFile: string;
  readonly env: Readonly<Record<string, string>>;
  readonly partition = PARTITION;
  readonly dir: string;
  readonly id: string;
  readonly bridge: string;
  readonly controllerAddress: string;

  /** Network namespace inode of each node, taken when the namespace is made. */
  private readonly inodes = new Map<string, number>();
  private readonly slurmds = new Map<string, Daemon>();
  /** Nodes killNode() killed: dead for good, so nothing waits for them to answer again. */
  private readonly killed = new Set<string>();
  private munged: Daemon | undefined;
  private slurmctld: Daemon | undefined;
  private forwardRuleAdded = false;
  private stopping: Promise<void> | undefined;
  private readonly onExit = () => this.stopNow();

  constructor(
    private readonly bin: Record<Command, string>,
    private readonly l: Layout,
  ) {
    this.nodes = l.nodes.map(({ name, address, namespace }) => ({ name, address, namespace }));
    this.dir = l.dir;
    this.id = l.id;
    this.bridge = l.bridge;
    this.controllerAddress = `${l.subnet}.1`;
    this.confFile = join(l.dir, "etc", "slurm.conf");
    this.env = Object.freeze({ SLURM_CONF: this.confFile });
    process.once("exit", this.onExit);
  }

  async start(cpus: number, extra: readonly string[]): Promise<void> {
    await Promise.all([this.writeFiles(cpus, extra), this.createNetwork()]);
    await this.startMunged();
    this.startSlurmctld(true);
    // A slurmd that cannot register at its start retries only some time later.
    await this.waitController("its start");
    for (const n of this.l.nodes) this.startSlurmd(n.name);
    await this.waitReady(READY_TIMEOUT_MS, "start");
  }

  private async writeFiles(cpus: number, extra: readonly string[]): Promise<void> {
    const d = this.l.dir;
    await Promise.all(["etc", "state", "munge", ...this.l.nodes.map((n) => `spool/${n.name}`)].map((s) => mkdir(join(d, s), { recursive: true })));
    await chmod(join(d, "munge"), 0o700);
    await writeFile(join(d, "etc", "slurm.conf"), slurmConf(this.l, cpus, realMemory(this.bin.slurmd), extra));
    await writeFile(join(d, "etc", "cgroup.conf"), "CgroupPlugin=autodetect\nIgnoreSystemd=yes\n");
    await writeFile(join(d, "etc", "hosts"), hostsFile(this.l));
    await writeFile(join(d, "etc", "resolv.conf"), "");
    await writeFile(join(d, "munge", "munge.key"), randomBytes(1024), { mode: 0o400 });
  }

  /** The bridge with the controller's address, a namespace per node with a veth to the bridge. */
  private async createNetwork(): Promise<void> {
    const { bridge, subnet } = this.l;
    const outside = [`link add ${bridge} type bridge`, `addr add ${subnet}.1/24 dev ${bridge}`, `link set ${bridge} up`];
    for (const n of this.l.nodes) {
      outside.push(
        `netns add ${n.namespace}`,
        `link add ${n.veth} type veth peer name ${n.veth.replace(/h(\d+)$/, "p$1")} netns ${n.namespace}`,
        `link set ${n.veth} master ${bridge}`,
        `link set ${n.veth} up`,
      );
    }
    await ipBatch(this.bin.ip, outside);
    for (const n of this.l.nodes) this.inodes.set(n.name, statSync(`/run/netns/${n.namespace}`).ino);
    await Promise.all(
      this.l.nodes.map((n) =>
        ipBatch(this.bin.ip, ["link set lo up", `link set ${n.veth.replace(/h(\d+)$/, "p$1")} name eth0`, `addr add ${n.address}/24 dev eth0`, "link set eth0 up"], {
          namespace: n.namespace,
        }),
      ),
    );
    if (bridgeFiltered()) {
      await run("iptables", ["-I", "FORWARD", "1", ...forwardRule(bridge).slice(1)]).catch((e: Error) => {
        throw new Error(`Docker's bridge netfilter would drop traffic between the Slurm test cluster's nodes, and adding an ACCEPT rule failed (apt-get install -y iptables): ${e.message}`);
      });
      this.forwardRuleAdded = true;
    }
  }

  private async startMunged(): Promise<void> {
    const m = join(this.l.dir, "munge");
    const log = join(m, "munged.log");
    const args = ["--foreground", "--force", `--key-file=${m}/munge.key`, `--socket=${this.l.mungeSocket}`, `--pid-file=${m}/munged.pid`, `--log-file=${log}`, `--seed-file=${m}/munged.seed`];
    const d = startDaemon("munged", this.bin.munged, args, join(m, "munged.out"), [log]);
    this.munged = d;
    const deadline = Date.now() + 10_000;
    while (!existsSync(this.l.mungeSocket)) {
      if (d.child.exitCode !== null || d.child.signalCode !== null) throw exitedError(d);
      if (Date.now() > deadline) throw new Error(`munged made no socket ${this.l.mungeSocket} within 10 s\n${daemonLogs(d)}`);
      await sleep(20);
    }
  }

  /** slurmctld in the machine's network namespace, with its own hostname (what SlurmctldHost names). */
  private startSlurmctld(clean: boolean): void {
    const script = 'hostname "$1" && shift && exec "$@"';
    const args = ["--uts", "--", "sh", "-c", script, "sh", CONTROLLER, this.bin.slurmctld, "-D", ...(clean ? ["-c"] : []), "-f", this.confFile];
    this.slurmctld = startDaemon("slurmctld", this.bin.unshare, args, join(this.l.dir, "slurmctld.out"), [join(this.l.dir, "slurmctld.log")]);
  }

  /** slurmd in the node's network namespace, its own UTS namespace (hostname) and mount namespace (/etc/hosts, resolv.conf). */
  private startSlurmd(name: string): void {
    const n = this.l.nodes.find((x) => x.name === name)!;
    const etc = join(this.l.dir, "etc");
    const script = 'hostname "$1" && mount --bind "$2" /etc/hosts && mount --bind "$3" /etc/resolv.conf && exec "$4" -D -N "$1" -f "$5"';
    const args = [`--net=/run/netns/${n.namespace}`, this.bin.unshare, "--uts", "--mount", "--propagation", "private", "--", "sh", "-c", script, "sh", n.name, join(etc, "hosts"), join(etc, "resolv.conf"), this.bin.slurmd, this.confFile];
    const out = join(this.l.dir, `slurmd-${n.name}.out`);
    this.slurmds.set(name, startDaemon(`slurmd on ${n.name}`, this.bin.nsenter, args, out, [join(this.l.dir, `slurmd-${n.name}.log`)]));
  }

  private daemons(): Daemon[] {
    return [this.munged, this.slurmctld, ...[...this.slurmds].filter(([name]) => !this.killed.has(name)).map(([, d]) => d)].filter((d): d is Daemon => d !== undefined);
  }

  private async client(command: "sinfo" | "squeue" | "scontrol", args: readonly string[]): Promise<string> {
    const { stdout } = await run(this.bin[command], args, { env: { ...process.env, ...this.env }, timeout: 15_000 });
    return stdout;
  }

  /** Node name -> Slurm's state of it (`idle`, `allocated`, `idle*`, `down*`, ...). */
  private async nodeStates(): Promise<Map<string, string>> {
    const out = await this.client("sinfo", ["-h", "-N", "-o", "%N %T"]);
    return new Map(out.split("\n").filter(Boolean).map((line) => line.trim().split(/\s+/) as [string, string]));
  }

  /**
   * Until every live node answers the controller: all idle on a fresh start; after a restart
   * with jobs left, allocated or mixed count as well.
   */
  private async waitReady(timeoutMs: number, what: string): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    const live = this.l.nodes.map((n) => n.name).filter((n) => !this.killed.has(n));
    const ok = what === "start" ? /^idle$/ : /^(idle|allocated|mixed|completing)$/;
    let last = "";
    for (;;) {
      for (const d of this.daemons()) if (d.child.exitCode !== null || d.child.signalCode !== null) throw exitedError(d);
      try {
        const states = await this.nodeStates();
        last = [...states].map(([n, s]) => `${n}=${s}`).join(" ");
        if (live.every((n) => ok.test(states.get(n) ?? ""))) return;
      } catch (e) {
        last = (e as Error).message;
      }
      if (Date.now() > deadline) {
        throw new Error(`the Slurm test cluster's nodes were not ready within ${timeoutMs / 1000} s after ${what} (last: ${last})\n${this.daemons().map(daemonLogs).join("\n")}`);
      }
      await sleep(100);
    }
  }

  /** Until slurmctld answers (`scontrol ping`). */
  private async waitController(after: string): Promise<void> {
    const deadline = Date.now() + READY_TIMEOUT_MS;
    while (!/ is UP/.test(await this.client("scontrol", ["ping"]).catch(() => ""))) {
      const d = this.slurmctld!;
      if (d.child.exitCode !== null || d.child.signalCode !== null) throw exitedError(d);
      if (Date.now() > deadline) throw new Error(`slurmctld did not answer within ${READY_TIMEOUT_MS / 1000} s after ${after}\n${daemonLogs(d)}`);
      await sleep(50);
    }
  }

  async killNode(name: string): Promise<void> {
    const inode = this.inodes.get(name);
    if (inode === undefined) throw new Error(`the Slurm test cluster has no node ${name} (it has ${this.nodes.map((n) => n.name).join(", ")})`);
    this.killed.add(name);
    // A machine that dies says nothing: its link goes first, so that no FIN or RST of its dying
    // processes reaches the others (srun would see its peers' sockets close and end the job
    // itself before slurmctld times the node out as NODE_FAIL, which is not what a dead machine does).
    const veth = this.l.nodes.find((n) => n.name === name)!.veth;
    await ipBatch(this.bin.ip, [`link set ${veth} down`]);
    await killNamespaces(new Set([inode]));
  }

  leftoverProcesses(): number[] {
    const daemons = new Set([...this.slurmds.values()].map((d) => d.child.pid));
    return processesInNamespaces(new Set(this.inodes.values())).filter((pid) => !daemons.has(pid) && !isSlurmd(pid));
  }

  async queued(): Promise<string[]> {
    const out = await this.client("squeue", ["-h", "-t", "PENDING,RUNNING,COMPLETING,CONFIGURING,SUSPENDED", "-o", "%i"]);
    return out.split("\n").map((s) => s.trim()).filter(Boolean);
  }

  async restartController(options: { clean?: boolean } = {}): Promise<void> {
    const old = this.slurmctld;
    if (old?.child.pid !== undefined) {
      signal(old.child.pid, "SIGTERM");
      if (!(await waitForExit(old.child.pid, 10_000))) {
        signal(old.child.pid, "SIGKILL");
        await waitForExit(old.child.pid, 5_000);
      }
    }
    this.startSlurmctld(options.clean ?? false);
    await this.waitController("a restart");
    // Have every live slurmd register now (SIGHUP: it re-reads its configuration and registers),
    // not at the controller's first ping of it, some seconds later.
    for (const [name, d] of this.slurmds) if (!this.killed.has(name) && d.child.pid !== undefined) signal(d.child.pid, "SIGHUP");
    await this.waitReady(READY_TIMEOUT_MS, options.clean ? "a clean restart of slurmctld" : "a restart of slurmctld");
  }

  stop(): Promise<void> {
    this.stopping ??= this.stopAll();
    return this.stopping;
  }

  private async stopAll(): Promise<void> {
    await killNamespaces(new Set(this.inodes.values())).catch(() => undefined);
    const pids = this.controlPids();
    for (const pid of pids) signal(pid, "SIGKILL");
    for (const pid of pids) await waitForExit(pid, 5_000);
    await this.removeNetwork();
    rmSync(this.l.dir, { recursive: true, force: true });
    process.removeListener("exit", this.onExit);
  }

  /** munged, slurmctld and slurmctld's children (slurmscriptd), all in the machine's namespaces. */
  private controlPids(): number[] {
    const daemons = [this.slurmctld, this.munged].map((d) => d?.child.pid).filter((pid): pid is number => pid !== undefined && alive(pid));
    return [...daemons, ...daemons.flatMap(childrenOf)];
  }

  private async removeNetwork(): Promise<void> {
    const commands = this.l.nodes.flatMap((n) => [`netns delete ${n.namespace}`, `link delete ${n.veth}`]);
    await ipBatch(this.bin.ip, [...commands, `link delete ${this.l.bridge}`], { force: true }).catch(() => undefined);
    if (this.forwardRuleAdded) {
      await run("iptables", ["-D", ...forwardRule(this.l.bridge)]).catch(() => undefined);
      this.forwardRuleAdded = false;
    }
  }

  /** The safety net when the test process exits without stop(): synchronous, best effort. */
  private stopNow(): void {
    const inodes = new Set(this.inodes.values());
    for (let i = 0; i < 20; i++) {
      const pids = processesInNamespaces(inodes);
      if (pids.length === 0) break;
      for (const pid of pids) signal(pid, "SIGKILL");
    }
    for (const pid of this.controlPids()) signal(pid, "SIGKILL");
    const commands = this.l.nodes.flatMap((n) => [`netns delete ${n.namespace}`, `link delete ${n.veth}`]);
    spawnSync(this.bin.ip, ["-force", "-batch", "-"], { input: `${[...commands, `link delete ${this.l.bridge}`].join("\n")}\n`, stdio: ["pipe", "ignore", "ignore"] });
    if (this.forwardRuleAdded) spawnSync("iptables", ["-D", ...forwardRule(this.l.bridge)], { stdio: "ignore" });
    rmSync(this.l.dir, { recursive: true, force: true });
  }
}

/** A slurmd process (a fork of a daemon counts as the daemon, not as a job's leftover). */
function isSlurmd(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/comm`, "utf8").trim() === "slurmd";
  } catch {
    return false;
  }
}

/** The live children of a process. */
function childrenOf(parent: number): number[] {
  return readdirSync("/proc")
    .filter((p) => /^\d+$/.test(p))
    .map(Number)
    .filter((pid) => {
      try {
        const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
        const [state, ppid] = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
        return state !== "Z" && Number(ppid) === parent;
      } catch {
        return false;
      }
    });
}
