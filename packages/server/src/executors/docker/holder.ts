/**
 * A host's network holder: when the job reaches services on this machine's loopback (see
 * ../loopback), each host is two containers. The holder owns the host's network namespace (the
 * job's network, hostname algo-N, the alias algo-N) and runs the host's loopback forwarder; the
 * host's own container joins that namespace (`NetworkMode: container:<holder>`, which also gives it
 * the holder's hostname and /etc/hosts). The holder starts first, so the forwarder listens before
 * the image's program runs.
 *
 * The holder runs this machine's node (with its own loader and libraries, mounted read-only under
 * /.optml), whatever the image has: nothing is added to the job's own container, and no root is
 * needed beyond access to Docker.
 */
import { execFileSync } from "node:child_process";
import { realpathSync } from "node:fs";
import { basename } from "node:path";
import type { HostPlan, JobPlan } from "../../jobs/plan.js";
import { containerName, labels, type JobIds } from "./container.js";

/** Marks a holder (value: its host); holders carry no `optml.host`, which is the host's own container's. */
export const LABEL_NETWORK_HOLDER = "optml.network-holder";
/** Where the job's loopback dir is mounted in a holder (its working directory). */
export const HOLDER_LOOPBACK_DIR = "/.optml/loopback";
const HOLDER_LIB_DIR = "/.optml/lib";
const HOLDER_NODE = "/.optml/bin/node";
const HOLDER_PROXY = "/.optml/proxy.mjs";

/** This machine's node as a container runs it: the mounts, and the command that starts it. */
export interface MountedNode {
  readonly binds: readonly string[];
  readonly command: readonly string[];
}

/**
 * `ldd` output -> the libraries (name as the program asks for it, and path here) and the loader.
 * A static program has neither.
 */
export function parseLdd(output: string): { libraries: { name: string; path: string }[]; loader: string | undefined } {
  const libraries: { name: string; path: string }[] = [];
  let loader: string | undefined;
  for (const line of output.split("\n")) {
    const linked = /^\s*(\S+)\s+=>\s+(\/\S+)\s+\(0x/.exec(line);
    if (linked) {
      libraries.push({ name: linked[1]!, path: linked[2]! });
      continue;
    }
    const direct = /^\s*(\/\S+)\s+\(0x/.exec(line);
    if (direct) loader = direct[1]!;
  }
  return { libraries, loader };
}

/** Mount this machine's node (`nodePath`, default the running one) into a container, with its loader and libraries. */
export function mountedNode(nodePath: string = process.execPath): MountedNode {
  const node = realpathSync(nodePath);
  let ldd = "";
  try {
    ldd = execFileSync("ldd", [node], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] });
  } catch {
    // not a dynamic executable (or no ldd): node runs as it is
  }
  const { libraries, loader } = parseLdd(ldd);
  const binds = [`${node}:${HOLDER_NODE}:ro`];
  if (!loader) return { binds, command: [HOLDER_NODE] };
  const inside = `${HOLDER_LIB_DIR}/${basename(loader)}`;
  for (const lib of libraries) if (lib.path !== loader) binds.push(`${realpathSync(lib.path)}:${HOLDER_LIB_DIR}/${lib.name}:ro`);
  binds.push(`${realpathSync(loader)}:${inside}:ro`);
  // The loader run as a program takes the libraries from our dir, whatever the image's libc.
  return { binds, command: [inside, "--library-path", HOLDER_LIB_DIR, HOLDER_NODE] };
}

export function holderName(ids: JobIds, host: string): string {
  return `${containerName(ids, host)}-net`;
}

/** The body of `POST /containers/create` for a host's holder. */
export function holderSpec(
  job: JobPlan,
  host: HostPlan,
  ids: JobIds,
  o: { readonly node: MountedNode; readonly proxyScript: string; readonly loopbackDir: string; readonly forwarderArgs: readonly string[] },
): Record<string, unknown> {
  return {
    Image: job.image,
    Entrypoint: [...o.node.command, HOLDER_PROXY, ...o.forwarderArgs],
    Cmd: [],
    Hostname: host.host,
    // The image's environment is not for our node: nothing preloaded, no options of the image's own node.
    Env: ["LD_PRELOAD=", "NODE_OPTIONS="],
    Labels: { ...labels(ids, job), [LABEL_NETWORK_HOLDER]: host.host },
    // The relay's sockets are root's (0700).
    User: "0:0",
    WorkingDir: HOLDER_LOOPBACK_DIR,
    // The image's HEALTHCHECK is about the job's program, which does not run here.
    Healthcheck: { Test: ["NONE"] },
    Tty: false,
    OpenStdin: false,
    AttachStdin: false,
    HostConfig: {
      Binds: [...o.node.binds, `${o.proxyScript}:${HOLDER_PROXY}:ro`, `${o.loopbackDir}:${HOLDER_LOOPBACK_DIR}`],
      NetworkMode: ids.network,
      LogConfig: { Type: "json-file", Config: {} },
    },
    NetworkingConfig: { EndpointsConfig: { [ids.network]: { Aliases: [host.host] } } },
  };
}
