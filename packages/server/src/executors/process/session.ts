/**
 * Linux process facts from /proc: a process's start time (to tell a live host from a reused pid)
 * and every process of a session (to stop all that a host started, whatever groups they made).
 */
import { readdirSync, readFileSync } from "node:fs";

interface ProcStat {
  readonly pid: number;
  /** R, S, D, Z (zombie: ended, not yet reaped), ... */
  readonly state: string;
  readonly parent: number;
  readonly session: number;
  readonly startTicks: number;
}

function readStat(pid: number): ProcStat | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, "utf8");
  } catch {
    return undefined;
  }
  // The command name (field 2) is in parentheses and may hold spaces: split after the last ')'.
  const fields = text.slice(text.lastIndexOf(")") + 2).split(" ");
  // fields[0] is field 3 (state); parent is field 4, session field 6, start time field 22.
  return { pid, state: fields[0]!, parent: Number(fields[1]), session: Number(fields[3]), startTicks: Number(fields[19]) };
}

export function processStartTicks(pid: number): number | undefined {
  return readStat(pid)?.startTicks;
}

/** Whether `pid` is still the process that started at `startTicks`, and has not ended (a zombie has). */
export function isSameProcessAlive(pid: number, startTicks: number): boolean {
  const stat = readStat(pid);
  return stat !== undefined && stat.startTicks === startTicks && stat.state !== "Z" && stat.state !== "X";
}

function allProcesses(): ProcStat[] {
  const all: ProcStat[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = readStat(Number(entry));
    if (stat) all.push(stat);
  }
  return all;
}

export function childrenOf(parent: number): number[] {
  return allProcesses()
    .filter((p) => p.parent === parent)
    .map((p) => p.pid);
}

/**
 * Every process a host started: the descendants of its wrapper, and every member of a session
 * that the wrapper or one of them leads (train starts the user program in a session of its own,
 * and a program's daemonised children stay in it after their parent is gone).
 */
export function hostProcesses(wrapper: number): number[] {
  const all = allProcesses();
  const children = new Map<number, number[]>();
  for (const p of all) children.set(p.parent, [...(children.get(p.parent) ?? []), p.pid]);
  const tree = new Set<number>();
  const queue = [wrapper];
  while (queue.length) {
    for (const child of children.get(queue.shift()!) ?? []) {
      if (tree.has(child)) continue;
      tree.add(child);
      queue.push(child);
    }
  }
  const sessions = new Set([wrapper, ...all.filter((p) => tree.has(p.pid) && p.session === p.pid).map((p) => p.pid)]);
  for (const p of all) if (sessions.has(p.session) && p.pid !== wrapper) tree.add(p.pid);
  return [...tree];
}

/** Send a signal to every process a host started (see hostProcesses), not to its wrapper. */
export function signalHost(wrapper: number, signal: NodeJS.Signals): number {
  let sent = 0;
  for (const pid of hostProcesses(wrapper)) {
    try {
      process.kill(pid, signal);
      sent++;
    } catch {
      // already gone
    }
  }
  return sent;
}
