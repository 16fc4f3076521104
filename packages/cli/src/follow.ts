/**
 * Following a job as it runs: DescribeTrainingJob for its status transitions, CloudWatch Logs for
 * its hosts' lines, polled and printed in time order until the job ends (or once, for a job's logs
 * so far). Shared by train, run, logs and stop.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { TRAINING_LOG_GROUP, type LogGroup } from "@optml/server";
import { ENDED, type Connection, type TrainingJob } from "./connection.js";
import { executorLine, hostOfStream, logLine, transitionLine, warningLine, WARNING_LOG_PREFIX, type Output, type Spinner, type Style } from "./display.js";

export interface FollowOptions {
  /** Where log lines (and transitions) go. */
  readonly out: Output;
  readonly style: Style;
  /** Shows the wait in statuses without output (staging, uploading, ...) on a terminal. */
  readonly spinner?: Spinner;
  /** Print each SecondaryStatus transition. */
  readonly transitions: boolean;
  /** `json`: one JSON object per log line (host, logStream, timestamp, message); no transitions. */
  readonly format?: "text" | "json";
  /** Follow until the job ends; otherwise print what is there and return. */
  readonly untilEnd: boolean;
  /** Stop following (the job goes on). */
  readonly signal?: AbortSignal;
  readonly pollMs?: number;
}

export interface Followed {
  /** The job's last description. */
  readonly job: TrainingJob;
  /** Following was stopped by the signal before the job ended. */
  readonly interrupted: boolean;
}


/** `last`: the job's final transition, which comes after the lines logged at the same millisecond. */
export type Item = { at: number; order: number; text: string; last?: boolean };

export async function followJob(conn: Connection, name: string, options: FollowOptions): Promise<Followed> {
  const s = options.style;
  const json = options.format === "json";
  const tokens = new Map<string, string | undefined>();
  let printed = 0; // transitions printed
  let executorShown = !options.transitions;
  const shownWarnings = new Set<string>();
  let order = 0;
  for (;;) {
    const job = await conn.describeTrainingJob(name);
    const ended = ENDED.includes(job.TrainingJobStatus ?? "");
    const items: Item[] = [];

    const transitions = job.SecondaryStatusTransitions ?? [];
    if (options.transitions && !json) {
      for (const t of transitions.slice(printed)) {
        const last = ENDED.includes(t.Status ?? "") || t.Status === "MaxRuntimeExceeded";
        const at = t.StartTime?.getTime() ?? 0;
        // The job's warnings that the message carries ("...; warning: W") get a line each, once.
        let message = t.StatusMessage;
        const warnings = (job.OptmlWarnings ?? []).filter((w) => message?.includes(`; warning: ${w}`));
        for (const w of warnings) message = message!.replace(`; warning: ${w}`, "");
        items.push({ at, order: order++, text: transitionLine(s, t.StartTime, t.Status ?? "", message), last });
        for (const w of warnings.filter((w) => !shownWarnings.has(w))) {
          shownWarnings.add(w);
          items.push({ at, order: order++, text: warningLine(s, w) });
        }
      }
    }
    printed = transitions.length;

    // The executor once, when the hosts are launched (at the start of Training).
    if (!executorShown && job.OptmlExecutor && !json) {
      executorShown = true;
      const training = transitions.find((t) => t.Status === "Training")?.StartTime?.getTime();
      items.push({ at: training ?? Date.now(), order: order++, text: executorLine(s, job.OptmlExecutor) });
    }

    order = await newLogItems(conn, name, TRAINING_LOG_GROUP, tokens, { style: s, json, shownWarnings }, items, order);
    printItems(options, items);

    if (ended || !options.untilEnd) {
      options.spinner?.stop();
      return { job, interrupted: false };
    }
    const last = transitions[transitions.length - 1];
    // The wait on a terminal: what the job is doing (staging, training, uploading, ...) and for how long.
    options.spinner?.set(last?.Status === "Training" ? "Training" : (last?.StatusMessage ?? last?.Status));
    if (options.signal?.aborted) {
      options.spinner?.stop();
      return { job, interrupted: true };
    }
    await sleep(options.pollMs ?? 250, undefined, options.signal ? { signal: options.signal } : {}).catch(() => undefined);
    if (options.signal?.aborted) {
      options.spinner?.stop();
      return { job, interrupted: true };
    }
  }
}

/**
 * The lines each of the job's hosts logged since `tokens` (which are moved on), as items to print
 * in time order; returns the next item order.
 */
export async function newLogItems(
  conn: Connection,
  name: string,
  group: LogGroup,
  tokens: Map<string, string | undefined>,
  o: { readonly style: Style; readonly json: boolean; readonly shownWarnings?: ReadonlySet<string> },
  items: Item[],
  order: number,
): Promise<number> {
  for (const stream of await conn.logStreams(name, group)) {
    const host = hostOfStream(stream);
    for (;;) {
      const page = await conn.logEvents(stream, tokens.get(stream), group);
      tokens.set(stream, page.token);
      if (page.events.length === 0) break;
      for (const e of page.events) {
        // A warning already shown is not repeated by each host's log (`optml logs` shows them all).
        if (!o.json && e.message.startsWith(WARNING_LOG_PREFIX) && o.shownWarnings?.has(e.message.slice(WARNING_LOG_PREFIX.length))) continue;
        const text = o.json
          ? `${JSON.stringify({ host, logStream: stream, timestamp: new Date(e.timestamp).toISOString(), message: e.message })}\n`
          : logLine(o.style, host, e.message);
        items.push({ at: e.timestamp, order: order++, text });
      }
    }
  }
  return order;
}

/** Items in time order (a job's final transition after the lines of the same millisecond), through the spinner when there is one. */
export function printItems(options: Pick<FollowOptions, "out" | "spinner">, items: Item[]): void {
  items.sort((a, b) => a.at - b.at || Number(a.last ?? false) - Number(b.last ?? false) || a.order - b.order);
  for (const item of items) {
    if (options.spinner) options.spinner.print(options.out, item.text);
    else options.out.write(item.text);
  }
}

/** Poll the job's description until it has ended. */
export async function waitForEnd(conn: Connection, name: string, pollMs = 250): Promise<TrainingJob> {
  for (;;) {
    const job = await conn.describeTrainingJob(name);
    if (ENDED.includes(job.TrainingJobStatus ?? "")) return job;
    await sleep(pollMs);
  }
}
