/**
 * Running one program (the user's, or a dependency install) the way a job runs it: in its own
 * process group, without a shell, stdout and stderr passed through line by line, stop signals
 * forwarded to the whole group, and SIGKILL for the group when the grace period runs out.
 */
import { spawn } from "node:child_process";
import { setTimeout as sleep } from "node:timers/promises";
import { programNotStarted } from "./errors.js";
import type { Log } from "./log.js";
import { LinePassthrough, TailBuffer, type ByteSink } from "./output-stream.js";
import { normalisedExitCode } from "./failure.js";
import { groupAlive, signalGroup } from "./process-group.js";
import type { StopRequests } from "./stop.js";

export interface LaunchOptions {
  readonly cwd: string;
  readonly env: Readonly<Record<string, string>>;
  /**
   * Where the program's stdout goes: a sink its lines are passed to, or "inherit" for this
   * process's own stdout, handed to the program as is: its bytes reach the log as it writes them,
   * with no copy through the runner (a chatty program runs at the speed it runs without one).
   */
  readonly stdout: ByteSink | "inherit";
  readonly stderr: ByteSink;
  readonly stop: StopRequests;
  /** Seconds between the first forwarded stop signal and SIGKILL. */
  readonly graceSeconds: number;
  readonly log: Log;
}

export interface LaunchResult {
  /** The exit code; 128 + n when the program was killed by signal n. */
  readonly exitCode: number;
  /** The signal that ended the program, when one did. */
  readonly signal: NodeJS.Signals | null;
  /** The end of what the program wrote to stderr. */
  readonly stderrTail: string;
  /** Set when a stop was requested while the program ran. */
  readonly stopped?: { readonly signal: NodeJS.Signals; readonly killed: boolean };
}

/** How long processes a finished program left in its group get after SIGTERM. */
const LEFTOVER_GRACE_MS = 5_000;
const GROUP_POLL_MS = 50;
/** How long to wait for output pipes that a process outside the group still holds open. */
const PIPE_DRAIN_MS = 1_000;

async function waitForGroup(pgid: number, deadline: number): Promise<boolean> {
  while (groupAlive(pgid)) {
    if (Date.now() >= deadline) return false;
    await sleep(GROUP_POLL_MS);
  }
  return true;
}

export async function launch(command: string, args: readonly string[], options: LaunchOptions): Promise<LaunchResult> {
  const { log, stop } = options;
  const child = spawn(command, args, {
    cwd: options.cwd,
    env: options.env,
    // Its own process group (and session): signals reach the program and everything it starts.
    detached: true,
    stdio: ["ignore", options.stdout === "inherit" ? "inherit" : "pipe", "pipe"],
  });

  await new Promise<void>((resolve, reject) => {
    child.once("spawn", resolve);
    child.once("error", (e: NodeJS.ErrnoException) => {
      const hint = e.code === "ENOENT" ? "not found; see OPTML_PYTHON / OPTML_NODE / OPTML_NPM" : "";
      reject(programNotStarted(command, e.message, hint));
    });
  });
  const pgid = child.pid!;
  // Signals go through process.kill; nothing else should make the child emit an error, but an
  // unhandled one must not bring the runner down.
  child.on("error", (e) => log(`user program: ${e.message}`));

  const stdout = options.stdout === "inherit" ? undefined : new LinePassthrough(options.stdout);
  const stderr = new LinePassthrough(options.stderr);
  const tail = new TailBuffer();
  if (stdout) child.stdout!.on("data", (chunk: Buffer) => stdout.write(chunk));
  child.stderr!.on("data", (chunk: Buffer) => {
    stderr.write(chunk);
    tail.push(chunk);
  });
  const pipesClosed = new Promise<void>((resolve) => child.once("close", () => resolve()));
  const exited = new Promise<[number | null, NodeJS.Signals | null]>((resolve) =>
    child.once("exit", (code, signal) => resolve([code, signal])),
  );

  const graceMs = options.graceSeconds * 1000;
  let stopSignal: NodeJS.Signals | undefined;
  let killDeadline = Infinity;
  let killed = false;
  let killTimer: NodeJS.Timeout | undefined;
  const onStop = (signal: NodeJS.Signals) => {
    stopSignal ??= signal;
    if (groupAlive(pgid)) {
      log(`received ${signal}: forwarding it to the user program's process group (${pgid})`);
      signalGroup(pgid, signal);
    }
    if (killTimer === undefined) {
      log(`the program has ${options.graceSeconds} s to exit before it is killed (OPTML_STOP_GRACE_SECONDS)`);
      killDeadline = Date.now() + graceMs;
      killTimer = setTimeout(() => {
        if (!groupAlive(pgid)) return;
        killed = true;
        log(`grace period of ${options.graceSeconds} s over: killing the process group with SIGKILL`);
        signalGroup(pgid, "SIGKILL");
      }, graceMs);
    }
  };
  const unsubscribe = stop.onRequest(onStop);
  if (stop.signal !== undefined) onStop(stop.signal);

  try {
    const [code, signal] = await exited;
    if (groupAlive(pgid)) {
      if (stopSignal !== undefined) {
        // The stop's grace period covers the whole group; the timer kills what is left.
        await waitForGroup(pgid, killDeadline + 2 * GROUP_POLL_MS + 1_000);
      } else {
        log("the program exited and left processes in its group: sending them SIGTERM");
        signalGroup(pgid, "SIGTERM");
        if (!(await waitForGroup(pgid, Date.now() + LEFTOVER_GRACE_MS))) signalGroup(pgid, "SIGKILL");
      }
    }
    await Promise.race([pipesClosed, sleep(PIPE_DRAIN_MS)]);
    stdout?.end();
    stderr.end();
    return {
      exitCode: normalisedExitCode(code, signal),
      signal,
      stderrTail: tail.text(),
      ...(stopSignal === undefined ? {} : { stopped: { signal: stopSignal, killed } }),
    };
  } finally {
    unsubscribe();
    if (killTimer !== undefined) clearTimeout(killTimer);
    child.stdout?.destroy();
    child.stderr!.destroy();
  }
}
