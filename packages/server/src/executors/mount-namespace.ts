/**
 * A host's own view of the machine's files, as SageMaker's container gives it: each host of a
 * process-run job (process and netns executors) runs in a private mount namespace in which
 *
 * - its base dir is mounted at `/opt/ml`, so the contract's paths (`SM_MODEL_DIR=/opt/ml/model`,
 *   `/opt/ml/input/data/<channel>`, the checkpoint dir at CheckpointConfig.LocalPath) are the real
 *   paths, and code that hard-codes them works;
 * - a single-host job's `/etc/hosts` names `algo-1` (loopback) and its hostname is `algo-1`
 *   (a multi-host job's names come from its network namespaces, see netns/);
 * - local (file://) channel sources are read-only.
 *
 * It needs root (mount namespaces). Without it, or where a mount fails, the host keeps the
 * machine's view and the job's log says so: the `SM_*` variables then name the host's base dir.
 *
 * The scene is set up by a small `sh` script run between the host's wrapper and `train`, so that
 * its messages reach the host's log, and it execs `train` (the host's pid chain stays one process).
 */
import { writeFile } from "node:fs/promises";
import type { HostPlan, JobPlan } from "../jobs/plan.js";

/** Where SageMaker mounts a job's tree, and so where each host's base dir appears. */
export const OPT_ML = "/opt/ml";

/** The host's base dir as the machine sees it, in every host's environment (to find its processes). */
export const HOST_BASE_DIR_VARIABLE = "OPTML_HOST_BASE_DIR";

/**
 * Where the job's own PATH waits while the executor's commands (ip, unshare, mount) run with the
 * control plane's: a job's Environment may set PATH (as a container's can), which must not hide
 * them. The scene restores it just before it execs `train`.
 */
export const JOB_PATH_VARIABLE = "OPTML_JOB_PATH";

const RESTORE_JOB_PATH = `if [ -n "\${${JOB_PATH_VARIABLE}+x}" ]; then PATH="$${JOB_PATH_VARIABLE}"; export PATH; unset ${JOB_PATH_VARIABLE}; fi`;

// $1 base dir to mount at /opt/ml ("" none), $2 file to mount at /etc/hosts ("" none),
// $3 hostname to set ("" none), then local channel sources, "--", then the command.
const SCENE = `base="$1"; hosts="$2"; name="$3"; shift 3
warn() { echo "[optml] warning: $*" >&2; }
if [ -n "$name" ] && ! hostname "$name" 2>/dev/null; then warn "the hostname could not be set to $name"; fi
if [ -n "$hosts" ] && ! mount --bind "$hosts" /etc/hosts 2>/dev/null; then warn "/etc/hosts could not be replaced: $name does not resolve"; fi
while [ "$1" != "--" ]; do
  mount --bind -o ro "$1" "$1" 2>/dev/null || warn "local channel $1 could not be made read-only for the job"
  shift
done
shift
if [ -n "$base" ]; then
  mkdir -p ${OPT_ML} 2>/dev/null
  if mount --rbind "$base" ${OPT_ML} 2>/dev/null; then
    export SAGEMAKER_BASE_DIR=${OPT_ML}
  else
    warn "${OPT_ML} could not be mounted: the job's files are under $base (the SM_* variables say where)"
  fi
fi
${RESTORE_JOB_PATH}
exec "$@"`;

const NO_NAMESPACE = `echo "[optml] warning: $1" >&2; shift; ${RESTORE_JOB_PATH}; exec "$@"`;

export interface HostSceneOptions {
  /**
   * The host's name and its peers' names are given by its network namespace (netns executor);
   * otherwise (a single host on the machine's network) `algo-1` is named here.
   */
  readonly namesProvided: boolean;
  /** Whether this process can make mount namespaces; default: running as root. */
  readonly privileged?: boolean;
  /**
   * The hosts file naming the job's hosts, made by someone else (a Slurm node makes its own):
   * mounted at /etc/hosts with the hostname set to the host's name (namesProvided must be false).
   */
  readonly hostsFile?: string;
}

/** `/etc/hosts` of a single-host job: the machine's entries' basics and the host on loopback. */
export function singleHostHostsFile(host: string): string {
  return `127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n127.0.0.1\t${host}\n`;
}

/** Where a single-host job's hosts file is written (next to the host's log). */
export function hostsFilePath(job: JobPlan, host: HostPlan): string {
  return `${job.workDir}/${host.host}.hosts`;
}

/** Whether a host's base dir lies inside /opt/ml itself (mounting over it would hide it). */
function insideOptMl(baseDir: string): boolean {
  return baseDir === OPT_ML || baseDir.startsWith(`${OPT_ML}/`);
}

/**
 * The command that sets up the host's scene and then execs its arguments (the runner command is
 * appended by the caller). Writes the single-host hosts file first when one is needed.
 */
export async function hostScenePrefix(job: JobPlan, host: HostPlan, options: HostSceneOptions): Promise<string[]> {
  const privileged = options.privileged ?? process.getuid?.() === 0;
  if (!privileged) {
    const why =
      `not running as root, so the host has no mount namespace: ${OPT_ML} is not mounted (the job's files are under ${host.baseDir}; ` +
      `the SM_* variables say where)` + (options.namesProvided ? "" : ` and ${host.host} does not resolve`);
    return ["/bin/sh", "-c", NO_NAMESPACE, "optml-host-scene", why];
  }
  let hostsFile = "";
  let hostname = "";
  if (!options.namesProvided) {
    hostname = host.host;
    if (options.hostsFile !== undefined) {
      hostsFile = options.hostsFile;
    } else {
      hostsFile = hostsFilePath(job, host);
      await writeFile(hostsFile, singleHostHostsFile(host.host));
    }
  }
  const sources = [...new Set(host.channels.filter((c) => c.source.kind === "file").map((c) => (c.source as { path: string }).path))];
  const base = insideOptMl(host.baseDir) ? "" : host.baseDir;
  return [
    "unshare",
    "--mount",
    ...(options.namesProvided ? [] : ["--uts"]),
    "--propagation",
    "private",
    "--",
    "/bin/sh",
    "-c",
    SCENE,
    "optml-host-scene",
    base,
    hostsFile,
    hostname,
    ...sources,
    "--",
  ];
}
