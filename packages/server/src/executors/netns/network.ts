/**
 * A job's private network on this machine: one network namespace per host, each with its own
 * address on a bridge the job owns, `/etc/hosts` naming every `algo-N`, and its hostname set in a
 * UTS namespace at launch. With network isolation a host's namespace has loopback only.
 *
 * `planNetwork` is pure; `createNetwork`/`destroyNetwork` run `ip` (iproute2) as root.
 * Names carry the prefix `optml` so that leftovers of a crashed control plane can be found.
 */
import { execFile, spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { mkdir, rm, writeFile } from "node:fs/promises";
import { promisify } from "node:util";

const run = promisify(execFile);

export const NETWORK_PREFIX = "optml";

export interface HostNetwork {
  readonly host: string;
  /** Network namespace (`ip netns`) name. */
  readonly namespace: string;
  /** The veth end left on the bridge side, `o<id>h<n>` (absent when isolated). */
  readonly veth: string | undefined;
  /**
   * The host's address. An isolated host has no interface to hold it: other hosts still resolve
   * its name (as the runner waits for every name), but nothing can reach it.
   */
  readonly address: string;
}

export interface JobNetwork {
  readonly id: string;
  readonly bridge: string;
  /** `a.b.c` of the job's /24. */
  readonly subnet: string;
  readonly isolated: boolean;
  readonly hosts: readonly HostNetwork[];
}

/** The /24 networks the machine already routes (`ip -4 route` destinations), as `a.b.c`. */
export function routedSubnets(ipRouteOutput: string): Set<string> {
  const used = new Set<string>();
  for (const line of ipRouteOutput.split("\n")) {
    const m = /^(\d+)\.(\d+)\.(\d+)\.(\d+)(?:\/(\d+))?/.exec(line.trim());
    if (!m) continue;
    const prefix = Number(m[5] ?? 32);
    const base = (Number(m[1]) << 24) | (Number(m[2]) << 16) | (Number(m[3]) << 8) | Number(m[4]);
    // Every /24 the route covers, up to a /16 of them (wider routes mark their first /16's worth).
    const count = prefix >= 24 ? 1 : Math.min(1 << (24 - prefix), 1 << 16);
    for (let i = 0; i < count; i++) {
      const n = ((base >>> 8) + i) >>> 0;
      used.add(`${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`);
    }
  }
  return used;
}

/** The id of a job's network (in its names and its record), from the job's key. */
export function networkId(jobKey: string): string {
  return createHash("sha256").update(jobKey).digest("hex").slice(0, 8);
}

/**
 * Names and addresses for a job's hosts: a /24 in 10.0.0.0/8 picked from the job's key and moved on
 * past any network the machine already routes or another job uses.
 */
export function planNetwork(jobKey: string, hosts: readonly string[], isolated: boolean, taken: ReadonlySet<string>): JobNetwork {
  const id = networkId(jobKey);
  let subnet: string | undefined;
  let n = parseInt(id.slice(0, 4), 16);
  for (let tries = 0; tries < 65536 && !subnet; tries++, n = (n + 1) & 0xffff) {
    const candidate = `10.${n >>> 8}.${n & 255}`;
    if (!taken.has(candidate)) subnet = candidate;
  }
  if (!subnet) throw new Error("no free /24 left in 10.0.0.0/8 for the job's network");
  return {
    id,
    bridge: `${NETWORK_PREFIX}${id}`,
    subnet,
    isolated,
    hosts: hosts.map((host, i) => ({
      host,
      namespace: `${NETWORK_PREFIX}-${id}-${host}`,
      veth: isolated ? undefined : `o${id}h${i + 1}`,
      address: `${subnet}.${i + 2}`,
    })),
  };
}

/**
 * `/etc/hosts` as a host of the job sees it: itself, and the hosts in `started` (all by default).
 * Like DNS on SageMaker, a host's name resolves once that host has been launched.
 */
export function hostsFile(net: JobNetwork, self: string, started?: ReadonlySet<string>): string {
  const lines = ["127.0.0.1\tlocalhost", "::1\tlocalhost ip6-localhost ip6-loopback"];
  for (const h of net.hosts) {
    if (h.host !== self && started && !started.has(h.host)) continue;
    lines.push(`${net.isolated && h.host === self ? "127.0.1.1" : h.address}\t${h.host}`);
  }
  return `${lines.join("\n")}\n`;
}

/**
 * Run `ip` commands, one per line, in one `ip -batch` process (a process per command made a
 * 4-host network take ~40 spawns). It stops at the first command that fails, and its error names
 * the command; with `force` it goes on past failures (for removing what may already be gone).
 */
async function ipBatch(commands: readonly string[], options: { namespace?: string; force?: boolean } = {}): Promise<void> {
  if (commands.length === 0) return;
  const args = [...(options.namespace ? ["-n", options.namespace] : []), ...(options.force ? ["-force"] : []), "-batch", "-"];
  await new Promise<void>((resolve, reject) => {
    const child = spawn("ip", args, { stdio: ["pipe", "ignore", "pipe"] });
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

/** `ip netns exec` lays files of /etc/netns/<namespace>/ over /etc inside the namespace. */
function netnsEtc(namespace: string): string {
  return `/etc/netns/${namespace}`;
}

/**
 * Where bridged traffic goes through iptables (br_netfilter loaded, as Docker does, which also
 * sets the FORWARD policy to DROP), traffic within the job's bridge must be let through.
 */
async function allowBridgeTraffic(bridge: string, allow: boolean): Promise<void> {
  const rule = ["FORWARD", "-i", bridge, "-o", bridge, "-j", "ACCEPT"];
  await run("iptables", allow ? ["-I", ...rule.slice(0, 1), "1", ...rule.slice(1)] : ["-D", ...rule]).catch((e: NodeJS.ErrnoException) => {
    // No iptables (or no such rule to delete): nothing filters the bridge, or nothing to undo.
    if (allow && e.code !== "ENOENT" && bridgeFiltered()) throw e;
  });
}

function bridgeFiltered(): boolean {
  try {
    return readFileSync("/proc/sys/net/bridge/bridge-nf-call-iptables", "utf8").trim() === "1";
  } catch {
    return false;
  }
}

/**
 * Make the job's network: the bridge, the namespaces and the veth pairs in one batch in the
 * machine's namespace, then each namespace's own side (loopback, eth0 and its address) in one batch
 * per host, all hosts at once.
 */
export async function createNetwork(net: JobNetwork): Promise<void> {
  const outside: string[] = [];
  if (!net.isolated) outside.push(`link add ${net.bridge} type bridge`, `link set ${net.bridge} up`);
  for (const h of net.hosts) {
    outside.push(`netns add ${h.namespace}`);
    if (!h.veth) continue;
    outside.push(
      `link add ${h.veth} type veth peer name ${peerOf(h.veth)} netns ${h.namespace}`,
      `link set ${h.veth} master ${net.bridge}`,
      `link set ${h.veth} up`,
    );
  }
  try {
    await Promise.all([
      ipBatch(outside),
      net.isolated ? undefined : allowBridgeTraffic(net.bridge, true),
      ...net.hosts.map(async (h) => {
        await mkdir(netnsEtc(h.namespace), { recursive: true });
        await writeFile(`${netnsEtc(h.namespace)}/hosts`, hostsFile(net, h.host, new Set()));
      }),
    ]);
    await Promise.all(
      net.hosts.map((h) =>
        ipBatch(
          h.veth
            ? ["link set lo up", `link set ${peerOf(h.veth)} name eth0`, `addr add ${h.address}/24 dev eth0`, "link set eth0 up"]
            : ["link set lo up"],
          { namespace: h.namespace },
        ),
      ),
    );
  } catch (e) {
    await destroyNetwork(net);
    throw e;
  }
}

/** The veth end that moves into the host's namespace (and becomes its eth0). */
function peerOf(veth: string): string {
  return veth.replace(/h(\d+)$/, "p$1");
}

/**
 * Name the started hosts in every host's /etc/hosts. The file is rewritten in place: inside a
 * namespace it is a bind mount of this very file, so running hosts see the change.
 */
export async function publishStartedHosts(net: JobNetwork, started: ReadonlySet<string>): Promise<void> {
  await Promise.all(net.hosts.map((h) => writeFile(`${netnsEtc(h.namespace)}/hosts`, hostsFile(net, h.host, started))));
}

/** Remove everything of the job's network; what is already gone is fine. */
export async function destroyNetwork(net: JobNetwork): Promise<void> {
  // Deleting a namespace deletes the veth pair with an end in it; the explicit delete covers a
  // pair whose move into the namespace failed.
  const commands = net.hosts.flatMap((h) => [`netns delete ${h.namespace}`, ...(h.veth ? [`link delete ${h.veth}`] : [])]);
  if (!net.isolated) commands.push(`link delete ${net.bridge}`);
  await Promise.all([
    ipBatch(commands, { force: true }).catch(() => undefined),
    ...net.hosts.map((h) => rm(netnsEtc(h.namespace), { recursive: true, force: true })),
  ]);
  if (!net.isolated) await allowBridgeTraffic(net.bridge, false);
}

/** Namespaces and bridges of optml jobs that exist on the machine, by job network id. */
export async function existingNetworks(): Promise<Map<string, { namespaces: string[]; bridge: string | undefined }>> {
  const found = new Map<string, { namespaces: string[]; bridge: string | undefined }>();
  const entry = (id: string) => {
    let e = found.get(id);
    if (!e) found.set(id, (e = { namespaces: [], bridge: undefined }));
    return e;
  };
  const { stdout: ns } = await run("ip", ["netns", "list"]).catch(() => ({ stdout: "" }));
  for (const line of ns.split("\n")) {
    const m = new RegExp(`^(${NETWORK_PREFIX}-([0-9a-f]{8})-\\S+)`).exec(line.trim());
    if (m) entry(m[2]!).namespaces.push(m[1]!);
  }
  const { stdout: links } = await run("ip", ["-o", "link", "show", "type", "bridge"]).catch(() => ({ stdout: "" }));
  for (const line of links.split("\n")) {
    const m = new RegExp(`^\\d+: (${NETWORK_PREFIX}([0-9a-f]{8}))[:@]`).exec(line.trim());
    if (m) entry(m[2]!).bridge = m[1]!;
  }
  return found;
}

/** Whether this process can make network namespaces (root with iproute2). */
export async function networkNamespacesAvailable(): Promise<string | undefined> {
  if (process.getuid?.() !== 0) return "multi-host jobs need root (to create a network namespace per host)";
  try {
    await run("ip", ["netns", "list"]);
  } catch {
    return "multi-host jobs need iproute2's `ip` command (apt-get install iproute2)";
  }
  try {
    await run("unshare", ["--help"]);
  } catch {
    return "multi-host jobs need util-linux's `unshare` command";
  }
  return undefined;
}
