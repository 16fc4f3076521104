/**
 * A user program's process group: signalling it, and telling whether any of its processes still
 * runs. On Linux a zombie (a process that ended but was not yet reaped, which can last when the
 * machine's init reaps slowly) does not count as running.
 */
import { readdirSync, readFileSync } from "node:fs";

/** Send a signal to every process of the group; false when the group is gone. */
export function signalGroup(pgid: number, signal: NodeJS.Signals | 0): boolean {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * The state letter and process group of a `/proc/<pid>/stat` line:
 * `pid (comm) state ppid pgrp ...`, where comm may hold spaces and parentheses.
 */
export function parseProcStat(stat: string): { state: string; pgrp: number } | undefined {
  const close = stat.lastIndexOf(")");
  if (close < 0) return undefined;
  const fields = stat.slice(close + 2).split(" ");
  const pgrp = Number(fields[2]);
  return fields[0] && Number.isInteger(pgrp) ? { state: fields[0], pgrp } : undefined;
}

function runningMemberInProc(pgid: number): boolean | undefined {
  let entries: string[];
  try {
    entries = readdirSync("/proc");
  } catch {
    return undefined;
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, "utf8");
    } catch {
      continue; // ended meanwhile
    }
    const parsed = parseProcStat(stat);
    if (parsed && parsed.pgrp === pgid && parsed.state !== "Z" && parsed.state !== "X") return true;
  }
  return false;
}

/** Whether any process of the group is still running. */
export function groupAlive(pgid: number): boolean {
  if (!signalGroup(pgid, 0)) return false;
  return runningMemberInProc(pgid) ?? true;
}
