/**
 * Submitting a job and following it to its end: what `optml train` and `optml run` share. The exit
 * code says how the job ended (cli-error.ts EXIT).
 *
 * Ctrl-C: with a control plane that outlives the command, following stops and the job goes on.
 * With an embedded one, which ends with the command, the job is stopped (SIGTERM to the program,
 * artifacts uploaded); a second Ctrl-C leaves it running, for the next optml command to pick up.
 */
import { Option } from "commander";
import { EXIT, usageError } from "./cli-error.js";
import { openConnection, type Connection, type TrainingJob } from "./connection.js";
import { colourEnabled, jobSummary, Spinner, style, type Style } from "./display.js";
import { followJob, type FollowOptions } from "./follow.js";
import type { JobRequest } from "./job-request.js";

export function endpointOption(): Option {
  return new Option("--endpoint <url>", "a running control plane (default: $OPTML_ENDPOINT, else the one serving $OPTML_HOME, else one inside this command)");
}

export interface SubmitOptions {
  readonly endpoint?: string | undefined;
  readonly json?: boolean | undefined;
  readonly wait: boolean;
  /** The command, e.g. "optml train". */
  readonly by: string;
}

/** The command's exit code for how a job (training or tuning) ended. */
export function exitCodeForStatus(status: string | undefined): number {
  if (status === "Completed") return EXIT.ok;
  if (status === "Stopped") return EXIT.stopped;
  return EXIT.failed;
}

export function exitCodeOf(job: TrainingJob): number {
  return exitCodeForStatus(job.TrainingJobStatus);
}

export async function submitAndFollow(request: JobRequest, options: SubmitOptions): Promise<number> {
  return submitThenFollow(options, {
    kind: "training job",
    name: String(request.TrainingJobName),
    members: ["TrainingJobName", "TrainingJobArn"],
    create: (conn) => conn.createTrainingJob(request),
    follow,
  });
}

/** What submitThenFollow needs to know of one kind of job. */
export interface Submission {
  readonly kind: "training job" | "tuning job" | "processing job";
  readonly name: string;
  /** The name's and the ARN's members in --no-wait --json's answer. */
  readonly members: readonly [string, string];
  /** Create the job; returns its ARN. */
  create(conn: Connection): Promise<string>;
  follow(conn: Connection, name: string, display: NodeJS.WriteStream, s: Style, json: boolean): Promise<number>;
}

/** The job's page on the dashboard at `base` (`http://host:port/`, maybe with `?token=`). */
export function dashboardPage(base: string, job: Pick<Submission, "kind" | "name">): string {
  return `${base}#/${job.kind === "training job" ? "jobs" : "tuning"}/${encodeURIComponent(job.name)}`;
}

/** Create a job and follow it to its end; with --no-wait, print its name (or JSON) and leave it to run. */
export async function submitThenFollow(options: SubmitOptions, job: Submission): Promise<number> {
  const display = options.json ? process.stderr : process.stdout;
  const s = style(colourEnabled(display));
  const conn = await openConnection(options.by, options.endpoint);
  let arn: string;
  try {
    if (!options.wait && conn.embedded) {
      throw usageError(
        "--no-wait needs a control plane that outlives this command: start 'optml serve' in another terminal (optml then uses it), or give --endpoint",
      );
    }
    arn = await job.create(conn);
  } catch (e) {
    await conn.close();
    throw e;
  }
  if (!options.wait) {
    const [nameMember, arnMember] = job.members;
    process.stdout.write(options.json ? `${JSON.stringify({ [nameMember]: job.name, [arnMember]: arn }, null, 2)}\n` : `${job.name}\n`);
    await conn.close();
    return EXIT.ok;
  }
  display.write(`${s.dim(`optml: ${job.kind} ${s.bold(job.name)} on ${conn.describeSelf()}`)}\n`);
  const dashboard = await conn.dashboardUrl();
  if (dashboard !== undefined) display.write(`${s.dim(`optml: dashboard ${dashboardPage(dashboard, job)}`)}\n`);
  return job.follow(conn, job.name, display, s, options.json === true);
}

function follow(conn: Connection, name: string, display: NodeJS.WriteStream, s: Style, json: boolean): Promise<number> {
  return followToEnd(conn, name, display, s, json, {
    stop: () => conn.stopTrainingJob(name),
    follow: (options) => followJob(conn, name, options),
    summary: (job) => jobSummary(s, job),
    exitCode: exitCodeOf,
  });
}

/** What followToEnd needs of one kind of job. */
export interface FollowedKind<J> {
  /** Stop the job (Ctrl-C on an embedded control plane). */
  stop(): Promise<void>;
  /** Print its lines (and status) until it ends or the signal aborts. */
  follow(options: FollowOptions): Promise<{ readonly job: J; readonly interrupted: boolean }>;
  summary(job: J): string;
  exitCode(job: J): number;
}

/**
 * Follow a job to its end and print its summary (and, with --json, its description); the exit
 * code says how it ended. Ctrl-C: see the header.
 */
export async function followToEnd<J>(conn: Connection, name: string, display: NodeJS.WriteStream, s: Style, json: boolean, kind: FollowedKind<J>): Promise<number> {
  const spinner = new Spinner(process.stderr, process.stderr.isTTY === true);
  const leaveFollowing = new AbortController();
  let interrupts = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    interrupts++;
    if (!conn.embedded || interrupts > 1) {
      leaveFollowing.abort();
      return;
    }
    spinner.print(process.stderr, `optml: ${signal}: stopping ${name} (press Ctrl-C again to leave it running)\n`);
    kind.stop().catch(() => undefined);
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  try {
    const followed = await kind.follow({ out: display, style: s, spinner, transitions: true, untilEnd: true, signal: leaveFollowing.signal });
    if (followed.interrupted) {
      const where = conn.embedded ? "the next optml command picks it up" : "it goes on";
      process.stderr.write(`optml: stopped following ${name}; ${where}: 'optml logs ${name} --follow', 'optml stop ${name}'\n`);
      if (conn.embedded) conn.leave();
      else await conn.close();
      return EXIT.interrupted;
    }
    display.write(`\n${kind.summary(followed.job)}`);
    if (json) process.stdout.write(`${JSON.stringify(followed.job, null, 2)}\n`);
    await conn.close();
    return interrupts > 0 ? EXIT.interrupted : kind.exitCode(followed.job);
  } catch (e) {
    spinner.stop();
    if (conn.embedded) conn.leave();
    else await conn.close();
    throw e;
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
}
