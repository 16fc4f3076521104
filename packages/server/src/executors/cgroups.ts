/**
 * Each host of a process-run job (process and netns executors) in a cgroup of its own, so that no
 * process the host started outlives it: a program's `setsid` children and double-forked daemons
 * leave its process group and session, but never its cgroup.
 *
 * The host's wrapper writes its own pid into the cgroup's `cgroup.procs` as its first command
 * (before anything forks, and before a network namespace's `ip netns exec` hides /sys/fs/cgroup),
 * so everything the host starts is a member. To stop a host, the cgroup is frozen (where it can
 * be), every member but the wrapper (which records the exit code) gets SIGKILL, and it is thawed;
 * once the wrapper has exited, whatever is left is killed and the cgroup removed. A control plane
 * at start removes the cgroups of its jobs that are over (after a crash).
 *
 * One hierarchy that tracks membership is enough: cgroup v2 where it is the machine's hierarchy
 * (/sys/fs/cgroup is cgroup2); otherwise cgroup v1's freezer (it can freeze), or pids, or a
 * hybrid machine's cgroup2. Cgroups are named `optml/<control plane>/<job dir>.<host>`, the
 * control plane being a hash of its jobs dir, so that control planes sharing a machine leave each
 * other's alone. Without root or a writable hierarchy (or with OPTML_CGROUPS=off) hosts are not
 * contained, and the process group / session behaviour (process/session.ts) is what stops them.
 */
import { createHash } from "node:crypto";
import { readdirSync, readFileSync, rmdirSync, writeFileSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { basename, dirname } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";

/** How the hierarchy in use tracks membership and freezes. */
export type CgroupKind = "v2" | "freezer" | "pids";

export interface CgroupHierarchy {
  readonly kind: CgroupKind;
  /** Where it is mounted, e.g. /sys/fs/cgroup or /sys/fs/cgroup/freezer. */
  readonly mountPoint: string;
}

/** The environment variable that turns containment off (`off`). */
export const CGROUPS_VARIABLE = "OPTML_CGROUPS";

// ---- pure: choosing a hierarchy, naming cgroups ----

interface Mount {
  readonly mountPoint: string;
  readonly fsType: string;
  readonly superOptions: readonly string[];
}

/** The mounts of a /proc/<pid>/mountinfo text. */
export function parseMountinfo(text: string): Mount[] {
  const mounts: Mount[] = [];
  for (const line of text.split("\n")) {
    const [left, right] = line.split(" - ");
    if (!left || !right) continue;
    const mountPoint = left.split(" ")[4];
    const [fsType, , options] = right.split(" ");
    if (!mountPoint || !fsType) continue;
    mounts.push({ mountPoint: mountPoint.replace(/\\040/g, " "), fsType, superOptions: (options ?? "").split(",") });
  }
  return mounts;
}

/**
 * The hierarchy to put hosts in: cgroup v2 where the machine is unified (/sys/fs/cgroup is
 * cgroup2); else v1's freezer, else v1's pids, else a hybrid machine's cgroup2; undefined if none.
 */
export function chooseHierarchy(mountinfo: string): CgroupHierarchy | undefined {
  const mounts = parseMountinfo(mountinfo);
  const unified = mounts.find((m) => m.fsType === "cgroup2" && m.mountPoint === "/sys/fs/cgroup");
  if (unified) return { kind: "v2", mountPoint: unified.mountPoint };
  for (const kind of ["freezer", "pids"] as const) {
    const v1 = mounts.find((m) => m.fsType === "cgroup" && m.superOptions.includes(kind));
    if (v1) return { kind, mountPoint: v1.mountPoint };
  }
  const hybrid = mounts.find((m) => m.fsType === "cgroup2");
  return hybrid ? { kind: "v2", mountPoint: hybrid.mountPoint } : undefined;
}

/** The name of a control plane's parent cgroup: its jobs dir, hashed (a path has slashes). */
export function scopeName(jobsDir: string): string {
  return `cp-${createHash("sha256").update(jobsDir).digest("hex").slice(0, 16)}`;
}

/** Where a control plane's host cgroups live. */
export function scopePath(hierarchy: CgroupHierarchy, jobsDir: string): string {
  return `${hierarchy.mountPoint}/optml/${scopeName(jobsDir)}`;
}

/** A host's cgroup name: its job's work dir name (job name and creation time) and the host. */
export function hostCgroupName(workDir: string, host: string): string {
  return `${basename(workDir)}.${host}`;
}

/** The job work dir name of a host cgroup name (see hostCgroupName). */
export function jobOfCgroupName(name: string): string {
  const dot = name.lastIndexOf(".");
  return dot < 0 ? name : name.slice(0, dot);
}

/** A host's cgroup: under its control plane's scope (the parent of its work dir is the jobs dir). */
export function hostCgroupPath(hierarchy: CgroupHierarchy, jobsDir: string, workDir: string, host: string): string {
  return `${scopePath(hierarchy, jobsDir)}/${hostCgroupName(workDir, host)}`;
}

/**
 * The command that puts itself in a cgroup and execs its arguments ($0: cgroup.procs, $1: log
 * file); where the write fails, the log says so and the host runs uncontained.
 */
export function joinCgroupCommand(cgroup: string, logFile: string, limitCgroups: readonly string[] = []): string[] {
  // The cgroups that hold its limits (cgroup v1's memory and cpu hierarchies), joined likewise.
  const limits = limitCgroups
    .map((dir) => `if ! echo $$ >'${dir}/cgroup.procs' 2>/dev/null; then echo "[optml] warning: the host could not join ${dir}: its instance limits are not enforced" >>"$1"; fi; `)
    .join("");
  const script =
    'if ! echo $$ >"$0" 2>/dev/null; then echo "[optml] warning: the host could not join its cgroup ($0): processes it starts outside its session may outlive the job" >>"$1"; fi; ' +
    limits +
    'shift; exec "$@"';
  return ["/bin/sh", "-c", script, `${cgroup}/cgroup.procs`, logFile];
}

// ---- effectful: the machine's hierarchy, creating, killing, removing ----

let detected: { hierarchy?: CgroupHierarchy; why?: string } | undefined;

/** The hierarchy hosts go in on this machine, or why there is none (found once). */
export function machineHierarchy(): { hierarchy?: CgroupHierarchy; why?: string } {
  if (detected) return detected;
  if (process.getuid?.() !== 0) {
    detected = { why: "not running as root, so hosts are not put in cgroups" };
    return detected;
  }
  let mountinfo = "";
  try {
    mountinfo = readFileSync("/proc/self/mountinfo", "utf8");
  } catch {
    // not Linux
  }
  const hierarchy = chooseHierarchy(mountinfo);
  detected = hierarchy ? { hierarchy } : { why: "no cgroup hierarchy is mounted (cgroup2, or v1's freezer or pids)" };
  return detected;
}

/** Make a host's cgroup; the reason when it cannot be made. */
export async function createCgroup(path: string): Promise<string | undefined> {
  for (let attempt = 0; ; attempt++) {
    try {
      await mkdir(path, { recursive: true });
      return undefined;
    } catch (e) {
      // The control plane's scope was removed as its last other host's cgroup went: again.
      if ((e as NodeJS.ErrnoException).code === "ENOENT" && attempt < 3) continue;
      return `its cgroup ${path} could not be made (${(e as Error).message})`;
    }
  }
}

/** The pids in a cgroup (none when it is gone). */
export function cgroupMembers(path: string): number[] {
  try {
    return readFileSync(`${path}/cgroup.procs`, "utf8")
      .split("\n")
      .filter((l) => /^\d+$/.test(l))
      .map(Number);
  } catch {
    return [];
  }
}

function write(file: string, text: string): boolean {
  try {
    writeFileSync(file, text);
    return true;
  } catch {
    return false;
  }
}

/** Freeze (true) or thaw (false) a cgroup where its hierarchy can; whether it is now frozen. */
async function setFrozen(kind: CgroupKind, path: string, frozen: boolean): Promise<boolean> {
  if (kind === "pids") return false;
  const ok = kind === "v2" ? write(`${path}/cgroup.freeze`, frozen ? "1" : "0") : write(`${path}/freezer.state`, frozen ? "FROZEN" : "THAWED");
  if (!ok || !frozen) return false;
  // Freezing takes effect over a moment; a member that cannot be frozen does not hold this up long.
  for (let i = 0; i < 20; i++) {
    const state =
      kind === "v2" ? /frozen 1/.test(readOr(`${path}/cgroup.events`)) : readOr(`${path}/freezer.state`).trim() === "FROZEN";
    if (state) return true;
    await sleep(5);
  }
  return false;
}

function readOr(file: string): string {
  try {
    return readFileSync(file, "utf8");
  } catch {
    return "";
  }
}

/**
 * SIGKILL every member of a cgroup but `spare` (the host's wrapper, which records the exit code):
 * frozen first, so that nothing forks away between reading the members and killing them, and
 * again until no other member is left (a pids-only hierarchy cannot freeze). Returns how many
 * members (but `spare`) are left, 0 once all are gone.
 */
export async function killCgroup(hierarchy: CgroupHierarchy, path: string, spare?: number): Promise<number> {
  let others: number[] = [];
  for (let round = 0; round < 50; round++) {
    others = cgroupMembers(path).filter((pid) => pid !== spare);
    if (others.length === 0) return 0;
    const frozen = await setFrozen(hierarchy.kind, path, true);
    for (const pid of cgroupMembers(path)) {
      if (pid === spare) continue;
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        // already gone
      }
    }
    // Killed members of a frozen cgroup end once it is thawed (v1) or at once (v2).
    if (frozen || hierarchy.kind !== "pids") await setFrozen(hierarchy.kind, path, false);
    await sleep(round < 5 ? 5 : 20);
  }
  return cgroupMembers(path).filter((pid) => pid !== spare).length;
}

/**
 * Kill every member of a cgroup and remove it, waiting (up to `timeoutMs`) for `spare` to leave
 * first (the wrapper, between writing its exit file and exiting). Whether it is gone.
 */
export async function removeCgroup(hierarchy: CgroupHierarchy, path: string, spare?: number, timeoutMs = 10_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const waitFor = Date.now() < deadline - timeoutMs / 2 ? spare : undefined;
    await killCgroup(hierarchy, path, waitFor);
    try {
      rmdirSync(path);
      removeIfEmpty(dirname(path));
      return true;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") return true;
      if (Date.now() > deadline) return false;
    }
    await sleep(20);
  }
}

/** Remove a control plane's scope once it holds no host cgroup (it fails while one is there). */
function removeIfEmpty(scope: string): void {
  try {
    rmdirSync(scope);
  } catch {
    // another host's cgroup is there
  }
}

/** Kill and remove a control plane's host cgroups whose job is not one of `activeWorkDirs`. */
export async function reclaimCgroups(hierarchy: CgroupHierarchy, jobsDir: string, activeWorkDirs: readonly string[]): Promise<string[]> {
  const scope = scopePath(hierarchy, jobsDir);
  const keep = new Set(activeWorkDirs.map((dir) => basename(dir)));
  let names: string[];
  try {
    names = readdirSync(scope, { withFileTypes: true })
      .filter((e) => e.isDirectory())
      .map((e) => e.name);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const name of names) {
    if (keep.has(jobOfCgroupName(name))) continue;
    if (await removeCgroup(hierarchy, `${scope}/${name}`, undefined, 5_000)) removed.push(name);
  }
  return removed;
}
