/**
 * Multi-host jobs: before launch, wait until every host of the job resolves, as the reference does
 * (it retries DNS with exponential backoff for up to 15 minutes). Bounded by
 * `OPTML_HOST_WAIT_SECONDS`; a progress line in the log while it waits.
 */
import { lookup } from "node:dns/promises";
import { setTimeout as sleep } from "node:timers/promises";
import { hostsUnresolved } from "./errors.js";
import type { Log } from "./log.js";

export interface HostWaitOptions {
  readonly timeoutSeconds: number;
  readonly log: Log;
  /** Aborts the wait (a stop request). */
  readonly signal?: AbortSignal;
  /** Resolves when the host name resolves; rejects otherwise. Default: the system resolver. */
  readonly resolve?: (host: string) => Promise<unknown>;
  readonly sleep?: (ms: number, signal?: AbortSignal) => Promise<unknown>;
  readonly now?: () => number;
}

const FIRST_DELAY_MS = 100;
const MAX_DELAY_MS = 30_000;
const PROGRESS_EVERY_MS = 30_000;

/** The delay before retry number `attempt` (0-based): 100 ms doubling, at most 30 s. */
export function retryDelayMs(attempt: number): number {
  return Math.min(MAX_DELAY_MS, FIRST_DELAY_MS * 2 ** Math.min(attempt, 20));
}

/** Wait until every host resolves; throws a RunnerError naming the hosts that did not in time. */
export async function waitForHosts(hosts: readonly string[], options: HostWaitOptions): Promise<void> {
  if (hosts.length <= 1) return;
  const now = options.now ?? Date.now;
  const pause = options.sleep ?? ((ms: number, signal?: AbortSignal) => sleep(ms, undefined, { signal }));
  const resolveHost = options.resolve ?? ((host: string) => lookup(host));
  const start = now();
  const deadline = start + options.timeoutSeconds * 1000;
  let pending = [...hosts];
  let lastProgress = -Infinity;

  for (let attempt = 0; ; attempt++) {
    options.signal?.throwIfAborted();
    const remaining = Math.max(0, deadline - now());
    const results = await Promise.all(pending.map((host) => resolvesWithin(resolveHost, host, remaining)));
    pending = pending.filter((_, i) => !results[i]);
    if (pending.length === 0) {
      if (attempt > 0) options.log(`all ${hosts.length} hosts resolve`);
      return;
    }
    const elapsed = now() - start;
    if (now() >= deadline) throw hostsUnresolved(pending, options.timeoutSeconds);
    if (elapsed - lastProgress >= PROGRESS_EVERY_MS) {
      lastProgress = elapsed;
      options.log(
        `waiting for host${pending.length === 1 ? "" : "s"} ${pending.join(", ")} to resolve ` +
          `(${Math.round(elapsed / 1000)} s of at most ${options.timeoutSeconds} s, OPTML_HOST_WAIT_SECONDS)`,
      );
    }
    await pause(Math.min(retryDelayMs(attempt), Math.max(0, deadline - now())), options.signal);
  }
}

/** Whether the host resolves before `ms` pass (a lookup that hangs counts as not resolving). */
async function resolvesWithin(resolveHost: (host: string) => Promise<unknown>, host: string, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([resolveHost(host).then(() => true, () => false), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
