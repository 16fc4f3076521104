/**
 * Submitting a tuning job and following it to its end (`optml tune`), as submit.ts and follow.ts
 * do for a training job: DescribeHyperParameterTuningJob and ListTrainingJobsForHyperParameterTuningJob
 * polled until the tuning job ends; on a terminal a live table of its training jobs redrawn in
 * place, in a pipe a line per training job that starts or ends (tuning-display.ts); at the end the
 * best training job and its artifacts. The exit code says how the tuning job ended.
 *
 * Ctrl-C: with a control plane that outlives the command, following stops and the tuning job goes
 * on. With an embedded one, the tuning job is stopped (StopHyperParameterTuningJob: its running
 * training jobs stop, their artifacts uploaded); a second Ctrl-C leaves it running, for the next
 * optml command to pick up.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { EXIT } from "./cli-error.js";
import { TUNING_ENDED, type Connection, type TrainingJob, type Trial, type TuningJob } from "./connection.js";
import { transitionLine, type Output, type Style } from "./display.js";
import { exitCodeForStatus, submitThenFollow, type SubmitOptions } from "./submit.js";
import {
  bestTrial,
  LiveBlock,
  objectiveOf,
  orderTrials,
  parameterNames,
  progressLine,
  statusesOf,
  trialEvents,
  trialTable,
  tuningHeadline,
  tuningSummary,
  type Screen,
} from "./tuning-display.js";
import type { TuningRequest } from "./tuning-request.js";

export async function submitTuningAndFollow(request: TuningRequest, options: SubmitOptions): Promise<number> {
  return submitThenFollow(options, {
    kind: "tuning job",
    name: String(request.HyperParameterTuningJobName),
    members: ["HyperParameterTuningJobName", "HyperParameterTuningJobArn"],
    create: (conn) => conn.createHyperParameterTuningJob(request),
    follow,
  });
}

async function follow(conn: Connection, name: string, display: Screen, s: Style, json: boolean): Promise<number> {
  const leaveFollowing = new AbortController();
  const live = display.isTTY === true ? new LiveBlock(display) : undefined;
  const say = (text: string) => (live ? live.print(process.stderr, text) : process.stderr.write(text));
  let interrupts = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    interrupts++;
    if (!conn.embedded || interrupts > 1) {
      leaveFollowing.abort();
      return;
    }
    say(`optml: ${signal}: stopping ${name} and its training jobs (press Ctrl-C again to leave it running)\n`);
    conn.stopTuningJob(name).catch(() => undefined);
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  try {
    const followed = await followTuningJob(conn, name, { out: display, style: s, live, signal: leaveFollowing.signal });
    if (followed.interrupted) {
      const where = conn.embedded ? "the next optml command picks it up" : "it goes on";
      process.stderr.write(`optml: stopped following ${name}; ${where}: 'optml describe ${name}', 'optml stop ${name}'\n`);
      if (conn.embedded) conn.leave();
      else await conn.close();
      return EXIT.interrupted;
    }
    const { tuning } = followed;
    const best = await bestJobOf(conn, tuning);
    display.write(`\n${tuningSummary(s, tuning, best)}`);
    if (json) process.stdout.write(`${JSON.stringify(tuning, null, 2)}\n`);
    await conn.close();
    return interrupts > 0 ? EXIT.interrupted : exitCodeForStatus(tuning.HyperParameterTuningJobStatus);
  } catch (e) {
    if (conn.embedded) conn.leave();
    else await conn.close();
    throw e;
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
}

/** The DescribeTrainingJob of the tuning job's best training job (for its artifacts), if it has one. */
export async function bestJobOf(conn: Connection, tuning: TuningJob): Promise<TrainingJob | undefined> {
  const name = tuning.BestTrainingJob?.TrainingJobName;
  return name ? conn.describeTrainingJob(name) : undefined;
}

export interface TuningFollowOptions {
  readonly out: Output;
  readonly style: Style;
  /** On a terminal: the table redrawn in place. Otherwise a line per training job that starts or ends, and the whole table at the end. */
  readonly live?: LiveBlock | undefined;
  /** Stop following (the tuning job goes on). */
  readonly signal?: AbortSignal;
  readonly pollMs?: number;
}

export interface TuningFollowed {
  /** The tuning job's last description. */
  readonly tuning: TuningJob;
  /** Its training jobs, in creation order. */
  readonly trials: readonly Trial[];
  /** Following was stopped by the signal before the tuning job ended. */
  readonly interrupted: boolean;
}

export async function followTuningJob(conn: Connection, name: string, options: TuningFollowOptions): Promise<TuningFollowed> {
  const s = options.style;
  let statuses = new Map<string, string>();
  let tuningStatus: string | undefined;
  let headline = false;
  for (;;) {
    const tuning = await conn.describeTuningJob(name);
    const trials = orderTrials(await conn.listTrials(name));
    const status = tuning.HyperParameterTuningJobStatus ?? "?";
    const ended = TUNING_ENDED.includes(status);
    const objective = objectiveOf(tuning);
    const params = parameterNames(tuning, trials);
    const best = objective ? bestTrial(trials, objective.type)?.TrainingJobName : undefined;
    const definitions = (tuning.TrainingJobDefinitions?.length ?? 0) > 1;
    if (!headline) {
      options.out.write(`${s.dim(`optml: ${tuningHeadline(tuning)}`)}\n`);
      headline = true;
    }
    if (options.live) {
      // At the end, every trial: the block is not drawn again, so it may scroll.
      const table = trialTable(s, trials, { params, best, definitions, ...(ended ? {} : { maxRows: options.live.height - 3 }) });
      options.live.draw([progressLine(s, tuning), "", ...table]);
    } else {
      // The tuning job's own transitions: before its trials' lines, an end after them.
      const at = new Date();
      const transition = status !== tuningStatus ? [transitionLine(s, at, status, `tuning job ${name}`).trimEnd()] : [];
      const events = trialEvents(s, statuses, trials, { params, best, at });
      const lines = ended ? [...events, ...transition, "", ...trialTable(s, trials, { params, best, definitions })] : [...transition, ...events];
      options.out.write(lines.map((l) => `${l}\n`).join(""));
    }
    tuningStatus = status;
    statuses = statusesOf(trials);
    if (ended) return { tuning, trials, interrupted: false };
    if (options.signal?.aborted) return { tuning, trials, interrupted: true };
    await sleep(options.pollMs ?? 500, undefined, options.signal ? { signal: options.signal } : {}).catch(() => undefined);
    if (options.signal?.aborted) return { tuning, trials, interrupted: true };
  }
}

/** Poll the tuning job's description until it has ended. */
export async function waitForTuningEnd(conn: Connection, name: string, pollMs = 500): Promise<TuningJob> {
  for (;;) {
    const tuning = await conn.describeTuningJob(name);
    if (TUNING_ENDED.includes(tuning.HyperParameterTuningJobStatus ?? "")) return tuning;
    await sleep(pollMs);
  }
}
