/**
 * One control plane per state directory. The optml command that runs a control plane for an
 * OPTML_HOME (`optml serve`, or any command that starts an embedded one) holds
 * `<home>/control-plane.json`: its pid and, once listening, its endpoint. Every other optml command
 * on that home finds it there and talks to it over HTTP instead of opening the same state, which
 * would pick up (and run a second time) the jobs the first one is running.
 */
import { linkSync, mkdirSync, readFileSync, renameSync, statSync, unlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { CliError } from "./cli-error.js";

export const LEASE_FILE = "control-plane.json";

export interface LeaseRecord {
  readonly pid: number;
  /** null while the holder is starting. */
  readonly endpoint: string | null;
  /** What holds it, e.g. "optml train". */
  readonly by: string;
  readonly since: string;
}

export type HomeClaim = { readonly kind: "claimed"; readonly lease: HomeLease } | { readonly kind: "served"; readonly record: LeaseRecord };

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

function readRecord(file: string): LeaseRecord | undefined | "unreadable" {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    return "unreadable";
  }
  try {
    const r = JSON.parse(text) as Partial<LeaseRecord>;
    if (typeof r.pid !== "number") return "unreadable";
    return { pid: r.pid, endpoint: typeof r.endpoint === "string" ? r.endpoint : null, by: String(r.by ?? "optml"), since: String(r.since ?? "") };
  } catch {
    return "unreadable";
  }
}

function removeIf(file: string, pid: number): void {
  const now = readRecord(file);
  if (now === "unreadable" || (now !== undefined && now.pid === pid)) {
    try {
      unlinkSync(file);
    } catch {
      // someone else removed it first
    }
  }
}

export class HomeLease {
  private released = false;

  constructor(
    readonly home: string,
    private readonly by: string,
  ) {}

  get file(): string {
    return join(this.home, LEASE_FILE);
  }

  /** Say where this control plane listens. */
  publish(endpoint: string): void {
    const tmp = `${this.file}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(record(this.by, endpoint)));
    renameSync(tmp, this.file);
  }

  release(): void {
    if (this.released) return;
    this.released = true;
    removeIf(this.file, process.pid);
  }
}

function record(by: string, endpoint: string | null): LeaseRecord {
  return { pid: process.pid, endpoint, by, since: new Date().toISOString() };
}

/**
 * Claim the home for a control plane this process will run, or find the one that serves it.
 * A holder whose process is gone is cleared. Waits (up to `waitMs`) for a holder that is starting.
 */
export async function claimHome(home: string, by: string, waitMs = 15_000): Promise<HomeClaim> {
  mkdirSync(home, { recursive: true });
  const file = join(home, LEASE_FILE);
  const deadline = Date.now() + waitMs;
  for (;;) {
    const tmp = `${file}.${process.pid}.claim`;
    writeFileSync(tmp, JSON.stringify(record(by, null)));
    try {
      linkSync(tmp, file); // atomic, and fails when the file exists
      return { kind: "claimed", lease: new HomeLease(home, by) };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
    } finally {
      unlinkSync(tmp);
    }
    const holder = readRecord(file);
    if (holder === undefined) continue;
    if (holder === "unreadable") {
      const age = Date.now() - (statSync(file, { throwIfNoEntry: false })?.mtimeMs ?? 0);
      if (age > 10_000) removeIf(file, -1);
      else await sleep(50);
      continue;
    }
    if (holder.pid === process.pid || !alive(holder.pid)) {
      removeIf(file, holder.pid);
      continue;
    }
    if (holder.endpoint !== null) return { kind: "served", record: holder };
    if (Date.now() > deadline) {
      throw new CliError(
        `${by}: the optml control plane of process ${holder.pid} (${holder.by}) holds ${home} but has not started listening; wait for it, or stop that process`,
      );
    }
    await sleep(100);
  }
}

/** Clear a holder that answers no more (its pid lives on in another process). */
export function clearStaleHolder(home: string, holder: LeaseRecord): void {
  removeIf(join(home, LEASE_FILE), holder.pid);
}
