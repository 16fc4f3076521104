/**
 * Starting a job's hosts, for training jobs (lifecycle.ts) and processing jobs (processing-run.ts)
 * alike: every host at once, as SageMaker starts a job's instances together, each with its log
 * stream `<job>/algo-N-<epoch seconds>` in the job's group; and what the job could not have as
 * asked said in each host's log.
 */
import type { Executor, HostHandle } from "../executors/types.js";
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
