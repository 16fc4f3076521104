/**
 * A job's hosts, for training jobs (lifecycle.ts) and processing jobs (processing-run.ts) alike:
 * started every one at once, as SageMaker starts a job's instances together, each with its log
 * stream `<job>/algo-N-<epoch seconds>` in the job's group; what the job could not have as asked
 * said in each host's log; stopped with SIGTERM and SIGKILL after the grace period; and waited for,
 * the first that fails named so that the others can be stopped.
 */
import type { Executor, HostExit, HostHandle } from "../executors/types.js";
import type { LogGroup, Store } from "../store/index.js";
import type { JobPlan } from "./plan.js";

/** A started host as the job's row keeps it (to find it again after a restart). */
export interface LaunchedHost {
  readonly host: string;
  readonly stream: string;
  readonly state: unknown;
}

/**
 * Launch every host of the plan; returns their handles and records, in host order. When one
 * cannot start, the hosts that did are killed and its error is thrown.
 */
export async function launchHosts(store: Store, executor: Executor, plan: JobPlan, group: LogGroup): Promise<{ handles: HostHandle[]; hosts: LaunchedHost[] }> {
  const now = Date.now();
  const launched = await Promise.allSettled(plan.hosts.map((host) => executor.launch(plan, host)));
  const handles: HostHandle[] = [];
  const hosts: LaunchedHost[] = [];
  launched.forEach((result, i) => {
    if (result.status === "rejected") return;
    const host = plan.hosts[i]!.host;
    handles.push(result.value);
    const stream = `${plan.name}/${host}-${Math.floor(now / 1000)}`;
    store.logs.createStream(plan.name, host, stream, now, group);
    hosts.push({ host, stream, state: result.value.state });
  });
  const failed = launched.find((r): r is PromiseRejectedResult => r.status === "rejected");
  if (failed) {
    for (const handle of handles) handle.kill();
    throw failed.reason;
  }
  return { handles, hosts };
}

/** The job's warnings, each a line `[optml] warning: ...` in every host's log. */
export function logWarnings(store: Store, group: LogGroup, hosts: readonly LaunchedHost[], warnings: readonly string[]): void {
  if (warnings.length === 0) return;
  for (const h of hosts) {
    const stream = store.logs.streamByName(h.stream, group)!;
    store.logs.append(stream, warnings.map((w) => ({ timestamp: Date.now(), message: `[optml] warning: ${w}` })), stream.sourceOffset);
  }
}

/** SIGTERM to every host now, SIGKILL once `graceSeconds` have passed (`onKill` is told); returns that timer. */
export function terminateHosts(handles: readonly HostHandle[], graceSeconds: number, onKill: () => void): NodeJS.Timeout {
  for (const h of handles) h.terminate();
  return setTimeout(() => {
    onKill();
    for (const h of handles) h.kill();
  }, graceSeconds * 1000);
}

/**
 * Every host's exit, in host order. The first host to exit non-zero while `stopping()` is false is
 * given to `onFirstFailure`, once (a job fails with it and stops the others).
 */
export function hostExits(handles: readonly HostHandle[], stopping: () => boolean, onFirstFailure: (index: number) => void): Promise<HostExit[]> {
  let failed = false;
  return Promise.all(
    handles.map((h, i) =>
      h.exited.then((exit) => {
        if (exit.exitCode !== 0 && !failed && !stopping()) {
          failed = true;
          onFirstFailure(i);
        }
        return exit;
      }),
    ),
  );
}
