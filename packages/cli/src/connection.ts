/**
 * The control plane a command talks to, always through the real AWS SDK clients:
 * - `explicit`: --endpoint or OPTML_ENDPOINT;
 * - `shared`: the control plane that already serves this OPTML_HOME (`optml serve`, or another
 *   optml command's embedded one; see home-lease.ts);
 * - `embedded`: started inside this command (`startServer({port: 0, home})`) for its duration.
 * A shared control plane that goes away is replaced on the next call (found again, or embedded).
 */
import type { CloudWatchLogsClient } from "@aws-sdk/client-cloudwatch-logs";
import type {
  DescribeHyperParameterTuningJobCommandOutput,
  DescribeProcessingJobCommandOutput,
  ProcessingJobSummary,
  DescribeTrainingJobCommandOutput,
  HyperParameterTrainingJobSummary,
  HyperParameterTuningJobSummary,
  SageMakerClient,
  TrainingJobSummary,
} from "@aws-sdk/client-sagemaker";
import { defaultHome, startServer, TRAINING_LOG_GROUP, type LogGroup, type RunningServer } from "@optml/server";
import {
  apiError,
  CliError,
  controlPlaneUnreachable,
  EXIT,
  isApiErrorCode,
  jobStillRunning,
  noSuchJob,
  noSuchJobOrTuningJob,
  NoSuchJobError,
  noSuchProcessingJob,
  noSuchTuningJob,
} from "./cli-error.js";
import { claimHome, clearStaleHolder, type HomeLease, type LeaseRecord } from "./home-lease.js";
import { bytesMember, keepOptmlMembers, type OptmlMembers } from "./extension-members.js";
import type { JobRequest } from "./job-request.js";
import type { TuningRequest } from "./tuning-request.js";

/** DescribeTrainingJob's answer, with optml's extension members (see extension-members.ts). */
export type TrainingJob = Omit<DescribeTrainingJobCommandOutput, "$metadata"> & OptmlMembers;
/** A ListTrainingJobs summary, with the bytes the job's files take when the control plane says. */
export type JobSummary = TrainingJobSummary & { OptmlDiskBytes?: number };
export type JobStatus = "InProgress" | "Completed" | "Failed" | "Stopping" | "Stopped";
/** What `optml jobs` asks of a List* operation: a status, part of a name, and how many at most. */
export interface ListQuery {
  readonly statusEquals?: JobStatus | undefined;
  readonly nameContains?: string | undefined;
  readonly limit: number;
}
export const ENDED: readonly string[] = ["Completed", "Failed", "Stopped"];
/** DescribeHyperParameterTuningJob's answer. */
export type TuningJob = Omit<DescribeHyperParameterTuningJobCommandOutput, "$metadata">;
/** A training job of a tuning job (ListTrainingJobsForHyperParameterTuningJob, BestTrainingJob). */
export type Trial = HyperParameterTrainingJobSummary;
export type TuningJobSummary = HyperParameterTuningJobSummary;
/** The statuses in which a tuning job has ended; Deleting too (it is going away). */
export const TUNING_ENDED: readonly string[] = ["Completed", "Failed", "Stopped", "Deleting"];
/** A job found by name: training jobs first, then tuning jobs. */
export type ProcessingJob = Omit<DescribeProcessingJobCommandOutput, "$metadata"> & Pick<OptmlMembers, "OptmlWarnings" | "OptmlExecutor">;
export type { ProcessingJobSummary };

export type FoundJob =
  | { readonly kind: "training"; readonly job: TrainingJob }
  | { readonly kind: "tuning"; readonly tuning: TuningJob }
  | { readonly kind: "processing"; readonly processing: ProcessingJob };

export interface LogEvent {
  readonly timestamp: number;
  readonly message: string;
}

export interface ConnectOptions {
  /** --endpoint or OPTML_ENDPOINT; undefined to find or start a control plane for `home`. */
  readonly endpoint?: string | undefined;
  readonly home: string;
  /** The command, for the lease file (e.g. "optml train"). */
  readonly by: string;
  /** Diagnostics of an embedded control plane. */
  readonly log: (message: string) => void;
  readonly env?: NodeJS.ProcessEnv;
}

interface Clients {
  readonly sagemaker: SageMakerClient;
  /** Made on first use: most commands need no logs, and the client takes a while to load. */
  logs(): Promise<CloudWatchLogsClient>;
  destroy(): void;
}

type Mode = "explicit" | "shared" | "embedded";

async function sdkClients(endpoint: string, env: NodeJS.ProcessEnv): Promise<Clients> {
  const { SageMakerClient } = await import("@aws-sdk/client-sagemaker");
  // This shell's keys when it has them (an `optml serve --auth` checks them); else any will do.
  const credentials =
    env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY
      ? { accessKeyId: env.AWS_ACCESS_KEY_ID, secretAccessKey: env.AWS_SECRET_ACCESS_KEY, ...(env.AWS_SESSION_TOKEN ? { sessionToken: env.AWS_SESSION_TOKEN } : {}) }
      : { accessKeyId: "optml", secretAccessKey: "optml" };
  const config = {
    endpoint,
    region: env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? "us-east-1",
    credentials,
    maxAttempts: 1,
    requestHandler: { connectionTimeout: 5_000 },
  };
  const sagemaker = new SageMakerClient(config);
  keepOptmlMembers(sagemaker);
  let logs: Promise<CloudWatchLogsClient> | undefined;
  let made: CloudWatchLogsClient | undefined;
  return {
    sagemaker,
    logs: () =>
      (logs ??= import("@aws-sdk/client-cloudwatch-logs").then(({ CloudWatchLogsClient }) => {
        made = new CloudWatchLogsClient(config);
        return made;
      })),
    destroy: () => {
      sagemaker.destroy();
      made?.destroy();
    },
  };
}

const NETWORK_CODES = new Set(["ECONNREFUSED", "ECONNRESET", "EPIPE", "ETIMEDOUT", "EHOSTUNREACH", "ENOTFOUND", "EAI_AGAIN", "ECONNABORTED"]);

/** Why the request did not reach a control plane, or undefined when it got an answer. */
function networkProblem(e: unknown): string | undefined {
  if (typeof e !== "object" || e === null) return undefined;
  const err = e as { code?: string; name?: string; message?: string; $metadata?: { httpStatusCode?: number }; cause?: { code?: string } };
  const code = err.code ?? err.cause?.code;
  if (code && NETWORK_CODES.has(code)) return code;
  if (err.name === "TimeoutError") return "timed out";
  if (err.$metadata?.httpStatusCode === undefined && /socket hang up|connect|ECONN/i.test(err.message ?? "")) return err.message;
  return undefined;
}

function isServiceError(e: unknown): e is { name: string; message: string } {
  return typeof e === "object" && e !== null && typeof (e as { $metadata?: unknown }).$metadata === "object" && typeof (e as { name?: unknown }).name === "string";
}

export class Connection {
  private constructor(
    private readonly options: ConnectOptions,
    private mode: Mode,
    private clients: Clients,
    public endpoint: string,
    private server?: RunningServer,
    private lease?: HomeLease,
    private holder?: LeaseRecord,
    /** Jobs an embedded control plane picked up from an earlier one when it opened. */
    private recovered: readonly string[] = [],
  ) {}

  static async open(options: ConnectOptions): Promise<Connection> {
    const env = options.env ?? process.env;
    if (options.endpoint) return new Connection(options, "explicit", await sdkClients(options.endpoint, env), options.endpoint);
    const claim = await claimHome(options.home, options.by);
    if (claim.kind === "served") {
      const endpoint = claim.record.endpoint!;
      return new Connection(options, "shared", await sdkClients(endpoint, env), endpoint, undefined, undefined, claim.record);
    }
    try {
      const server = await startServer({ port: 0, home: options.home, log: options.log });
      claim.lease.publish(server.endpoint);
      const clients = await sdkClients(server.endpoint, env);
      return new Connection(options, "embedded", clients, server.endpoint, server, claim.lease, undefined, runningJobs(server));
    } catch (e) {
      claim.lease.release();
      throw e;
    }
  }

  /**
   * The address of the control plane's web dashboard (`/`), when it serves one: an embedded one
   * does; another is asked (`GET /_optml/api/info`; 401 means it serves one behind --auth's token).
   */
  async dashboardUrl(): Promise<string | undefined> {
    if (this.server) return this.server.dashboardUrl;
    try {
      const res = await fetch(new URL("/_optml/api/info", this.endpoint), { signal: AbortSignal.timeout(2_000) });
      await res.body?.cancel();
      return res.status === 200 || res.status === 401 ? new URL("/", this.endpoint).toString() : undefined;
    } catch {
      return undefined;
    }
  }

  /** Where the control plane is, in words, for the first line of a command's output. */
  describeSelf(): string {
    if (this.mode === "embedded") return `an embedded control plane (state in ${this.options.home})`;
    if (this.mode === "shared") return `the control plane at ${this.endpoint} (${this.holder?.by ?? "optml"}, pid ${this.holder?.pid})`;
    return `the control plane at ${this.endpoint}`;
  }

  /** Whether the control plane lives and ends with this command. */
  get embedded(): boolean {
    return this.mode === "embedded";
  }

  private async reconnect(): Promise<void> {
    if (this.holder) clearStaleHolder(this.options.home, this.holder);
    this.destroyClients();
    const next = await Connection.open(this.options);
    Object.assign(this, { mode: next.mode, clients: next.clients, endpoint: next.endpoint, server: next.server, lease: next.lease, holder: next.holder, recovered: next.recovered });
  }

  private async call<T>(operation: string, send: (c: Clients) => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await send(this.clients);
      } catch (e) {
        const problem = networkProblem(e);
        if (problem !== undefined) {
          if (this.mode === "shared" && attempt < 2) {
            await this.reconnect();
            continue;
          }
          throw controlPlaneUnreachable(this.endpoint, problem);
        }
        if (isServiceError(e)) throw apiError(operation, e.name, e.message);
        throw e;
      }
    }
  }

  async createTrainingJob(request: JobRequest): Promise<string> {
    const { CreateTrainingJobCommand } = await import("@aws-sdk/client-sagemaker");
    try {
      const out = await this.call("CreateTrainingJob", (c) => c.sagemaker.send(new CreateTrainingJobCommand(request as never)));
      return out.TrainingJobArn ?? "";
    } catch (e) {
      if (e instanceof CliError && e.message.startsWith("CreateTrainingJob: ResourceInUse:")) {
        throw new CliError(`${e.message}: give the job another name with --name, or leave TrainingJobName out to have one generated`, EXIT.usage);
      }
      throw e;
    }
  }

  async describeTrainingJob(name: string): Promise<TrainingJob> {
    const { DescribeTrainingJobCommand } = await import("@aws-sdk/client-sagemaker");
    try {
      const { $metadata: _, ...job } = await this.call("DescribeTrainingJob", (c) => c.sagemaker.send(new DescribeTrainingJobCommand({ TrainingJobName: name })));
      return job;
    } catch (e) {
      throw notFound(e, name);
    }
  }

  /** Newest first, up to `limit`; with optml's OptmlDiskBytes where the control plane gives it. */
  async listTrainingJobs(query: ListQuery): Promise<JobSummary[]> {
    const { ListTrainingJobsCommand } = await import("@aws-sdk/client-sagemaker");
    const summaries = await this.listPages(query, "ListTrainingJobs", async (input) => {
      const page = await this.clients.sagemaker.send(new ListTrainingJobsCommand(input));
      return { items: (page.TrainingJobSummaries ?? []) as JobSummary[], token: page.NextToken };
    });
    return summaries.map((summary) => {
      const { OptmlDiskBytes: disk, ...rest } = summary;
      const bytes = bytesMember(disk);
      return bytes !== undefined ? { ...rest, OptmlDiskBytes: bytes } : rest;
    });
  }

  /**
   * Every page of a List* operation, newest first (CreationTime, Descending), until `limit` items
   * or the last page.
   */
  private async listPages<T>(
    query: ListQuery,
    operation: string,
    send: (input: { SortBy: "CreationTime"; SortOrder: "Descending"; MaxResults: number; StatusEquals?: JobStatus; NameContains?: string; NextToken?: string }) => Promise<{ items: T[]; token: string | undefined }>,
  ): Promise<T[]> {
    const found: T[] = [];
    let token: string | undefined;
    do {
      const input = {
        SortBy: "CreationTime" as const,
        SortOrder: "Descending" as const,
        MaxResults: Math.min(100, query.limit - found.length),
        ...(query.statusEquals ? { StatusEquals: query.statusEquals } : {}),
        ...(query.nameContains ? { NameContains: query.nameContains } : {}),
        ...(token ? { NextToken: token } : {}),
      };
      const page = await this.call(operation, () => send(input));
      found.push(...page.items);
      token = page.token;
    } while (token && found.length < query.limit);
    return found;
  }

  /**
   * DeleteTrainingJob: the job's record, logs, metrics and files under the control plane's home.
   * Returns the bytes its files took (undefined from a control plane that does not say).
   */
  async deleteTrainingJob(name: string): Promise<number | undefined> {
    const { DeleteTrainingJobCommand } = await import("@aws-sdk/client-sagemaker");
    let answer: { OptmlFreedBytes?: unknown };
    try {
      // OptmlFreedBytes: kept by keepOptmlMembers (extension-members.ts).
      answer = (await this.call("DeleteTrainingJob", (c) => c.sagemaker.send(new DeleteTrainingJobCommand({ TrainingJobName: name })))) as {
        OptmlFreedBytes?: unknown;
      };
    } catch (e) {
      const running = e instanceof CliError && /training job is in status (InProgress|Stopping)/.exec(e.message);
      if (running) throw jobStillRunning(name, running[1]!);
      throw notFound(e, name);
    }
    return bytesMember(answer.OptmlFreedBytes);
  }

  async stopTrainingJob(name: string): Promise<void> {
    const { StopTrainingJobCommand } = await import("@aws-sdk/client-sagemaker");
    try {
      await this.call("StopTrainingJob", (c) => c.sagemaker.send(new StopTrainingJobCommand({ TrainingJobName: name })));
    } catch (e) {
      throw notFound(e, name);
    }
  }

  async createHyperParameterTuningJob(request: TuningRequest): Promise<string> {
    const { CreateHyperParameterTuningJobCommand } = await import("@aws-sdk/client-sagemaker");
    try {
      const out = await this.call("CreateHyperParameterTuningJob", (c) => c.sagemaker.send(new CreateHyperParameterTuningJobCommand(request as never)));
      return out.HyperParameterTuningJobArn ?? "";
    } catch (e) {
      if (isApiErrorCode(e, "ResourceInUse")) {
        throw new CliError(`${e.message}: give the tuning job another name with --name, or leave HyperParameterTuningJobName out to have one generated`, EXIT.usage);
      }
      throw e;
    }
  }

  async describeTuningJob(name: string): Promise<TuningJob> {
    const { DescribeHyperParameterTuningJobCommand } = await import("@aws-sdk/client-sagemaker");
    try {
      const { $metadata: _, ...tuning } = await this.call("DescribeHyperParameterTuningJob", (c) =>
        c.sagemaker.send(new DescribeHyperParameterTuningJobCommand({ HyperParameterTuningJobName: name })),
      );
      return tuning;
    } catch (e) {
      throw tuningNotFound(e, name);
    }
  }

  /** Every training job of the tuning job, in creation order. */
  async listTrials(name: string): Promise<Trial[]> {
    const { ListTrainingJobsForHyperParameterTuningJobCommand } = await import("@aws-sdk/client-sagemaker");
    const found: Trial[] = [];
    let token: string | undefined;
    try {
      do {
        const command = new ListTrainingJobsForHyperParameterTuningJobCommand({
          HyperParameterTuningJobName: name,
          SortBy: "CreationTime",
          SortOrder: "Ascending",
          MaxResults: 100,
          ...(token ? { NextToken: token } : {}),
        });
        const page = await this.call("ListTrainingJobsForHyperParameterTuningJob", (c) => c.sagemaker.send(command));
        found.push(...(page.TrainingJobSummaries ?? []));
        token = page.NextToken;
      } while (token);
    } catch (e) {
      throw tuningNotFound(e, name);
    }
    return found;
  }

  /**
   * Tuning jobs, newest first, up to `limit`. None from a control plane that does not serve tuning
   * (an older optml: UnknownOperationException).
   */
  async listTuningJobs(query: ListQuery): Promise<TuningJobSummary[]> {
    const { ListHyperParameterTuningJobsCommand } = await import("@aws-sdk/client-sagemaker");
    try {
      return await this.listPages(query, "ListHyperParameterTuningJobs", async (input) => {
        const page = await this.clients.sagemaker.send(new ListHyperParameterTuningJobsCommand(input));
        return { items: page.HyperParameterTuningJobSummaries ?? [], token: page.NextToken };
      });
    } catch (e) {
      if (isApiErrorCode(e, "UnknownOperationException")) return [];
      throw e;
    }
  }

  async stopTuningJob(name: string): Promise<void> {
    const { StopHyperParameterTuningJobCommand } = await import("@aws-sdk/client-sagemaker");
    try {
      await this.call("StopHyperParameterTuningJob", (c) => c.sagemaker.send(new StopHyperParameterTuningJobCommand({ HyperParameterTuningJobName: name })));
    } catch (e) {
      throw tuningNotFound(e, name);
    }
  }

  async createProcessingJob(request: Record<string, unknown>): Promise<string> {
    const { CreateProcessingJobCommand } = await import("@aws-sdk/client-sagemaker");
    try {
      const out = await this.call("CreateProcessingJob", (c) => c.sagemaker.send(new CreateProcessingJobCommand(request as never)));
      return out.ProcessingJobArn ?? "";
    } catch (e) {
      if (isApiErrorCode(e, "ResourceInUse")) {
        throw new CliError(`${e.message}: give the job another name with --name, or leave ProcessingJobName out to have one generated`, EXIT.usage);
      }
      throw e;
    }
  }

  async describeProcessingJob(name: string): Promise<ProcessingJob> {
    const { DescribeProcessingJobCommand } = await import("@aws-sdk/client-sagemaker");
    try {
      const { $metadata: _, ...job } = await this.call("DescribeProcessingJob", (c) => c.sagemaker.send(new DescribeProcessingJobCommand({ ProcessingJobName: name })));
      return job;
    } catch (e) {
      throw processingNotFound(e, name);
    }
  }

  async stopProcessingJob(name: string): Promise<void> {
    const { StopProcessingJobCommand } = await import("@aws-sdk/client-sagemaker");
    try {
      await this.call("StopProcessingJob", (c) => c.sagemaker.send(new StopProcessingJobCommand({ ProcessingJobName: name })));
    } catch (e) {
      throw processingNotFound(e, name);
    }
  }

  /** DeleteProcessingJob: the job's record, logs and files under the control plane's home; the bytes its files took. */
  async deleteProcessingJob(name: string): Promise<number | undefined> {
    const { DeleteProcessingJobCommand } = await import("@aws-sdk/client-sagemaker");
    let answer: { OptmlFreedBytes?: unknown };
    try {
      answer = (await this.call("DeleteProcessingJob", (c) => c.sagemaker.send(new DeleteProcessingJobCommand({ ProcessingJobName: name })))) as { OptmlFreedBytes?: unknown };
    } catch (e) {
      const running = isApiErrorCode(e, "ResourceInUse") && /status (InProgress|Stopping)/.exec(e.message);
      if (running) throw jobStillRunning(name, running[1]!);
      throw processingNotFound(e, name);
    }
    return bytesMember(answer.OptmlFreedBytes);
  }

  /** Processing jobs, newest first, up to `limit`; none from a control plane that does not serve them. */
  async listProcessingJobs(query: ListQuery): Promise<ProcessingJobSummary[]> {
    const { ListProcessingJobsCommand } = await import("@aws-sdk/client-sagemaker");
    try {
      return await this.listPages(query, "ListProcessingJobs", async (input) => {
        const page = await this.clients.sagemaker.send(new ListProcessingJobsCommand(input));
        return { items: page.ProcessingJobSummaries ?? [], token: page.NextToken };
      });
    } catch (e) {
      if (isApiErrorCode(e, "UnknownOperationException")) return [];
      throw e;
    }
  }

  /** The training job named `name`, else the tuning job, else the processing job; none: noSuchJobOrTuningJob. */
  async describeAnyJob(name: string): Promise<FoundJob> {
    try {
      return { kind: "training", job: await this.describeTrainingJob(name) };
    } catch (e) {
      if (!(e instanceof NoSuchJobError)) throw e;
    }
    try {
      return { kind: "tuning", tuning: await this.describeTuningJob(name) };
    } catch (e) {
      if (!isMissing(e)) throw e;
    }
    return { kind: "processing", processing: await this.orNone(name, () => this.describeProcessingJob(name)) };
  }

  /** StopTrainingJob of `name`, else StopHyperParameterTuningJob, else StopProcessingJob; which one it stopped. */
  async stopAnyJob(name: string): Promise<"training" | "tuning" | "processing"> {
    try {
      await this.stopTrainingJob(name);
      return "training";
    } catch (e) {
      if (!(e instanceof NoSuchJobError)) throw e;
    }
    try {
      await this.stopTuningJob(name);
      return "tuning";
    } catch (e) {
      if (!isMissing(e)) throw e;
    }
    await this.orNone(name, () => this.stopProcessingJob(name));
    return "processing";
  }

  /** `call` for a name that is no training job's nor tuning job's: not a processing job's either (or none served here) -> noSuchJobOrTuningJob. */
  private async orNone<T>(name: string, call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (e) {
      if (isMissing(e)) throw noSuchJobOrTuningJob(name);
      throw e;
    }
  }

  /** Whether a processing job named `name` is there (false from a control plane that serves none). */
  async hasProcessingJob(name: string): Promise<boolean> {
    try {
      await this.describeProcessingJob(name);
      return true;
    } catch (e) {
      if (isMissing(e)) return false;
      throw e;
    }
  }

  /** The job's log streams (`<job>/algo-<n>-<epoch>`) in its group (a training job's unless told), by name. */
  async logStreams(job: string, group: LogGroup = TRAINING_LOG_GROUP): Promise<string[]> {
    const { DescribeLogStreamsCommand } = await import("@aws-sdk/client-cloudwatch-logs");
    const names: string[] = [];
    let token: string | undefined;
    do {
      const input = { logGroupName: group, logStreamNamePrefix: `${job}/`, orderBy: "LogStreamName" as const, ...(token ? { nextToken: token } : {}) };
      const page = await this.call("DescribeLogStreams", async (c) => (await c.logs()).send(new DescribeLogStreamsCommand(input)));
      names.push(...(page.logStreams ?? []).map((s) => s.logStreamName!));
      token = page.nextToken;
    } while (token);
    return names;
  }

  /** The stream's events after `token` (from the start without one), and the token to go on from. */
  async logEvents(stream: string, token: string | undefined, group: LogGroup = TRAINING_LOG_GROUP): Promise<{ events: LogEvent[]; token: string | undefined }> {
    const { GetLogEventsCommand } = await import("@aws-sdk/client-cloudwatch-logs");
    const input = { logGroupName: group, logStreamName: stream, startFromHead: true, ...(token ? { nextToken: token } : {}) };
    const page = await this.call("GetLogEvents", async (c) => (await c.logs()).send(new GetLogEventsCommand(input)));
    return {
      events: (page.events ?? []).map((e) => ({ timestamp: e.timestamp ?? 0, message: e.message ?? "" })),
      token: page.nextForwardToken ?? token,
    };
  }

  /**
   * Done with the control plane. An embedded one first runs to their end the jobs created on it
   * (this command's, and any that other optml commands started on it meanwhile); jobs it only
   * picked up from an earlier control plane, and which are still running, are left to go on.
   */
  async close(): Promise<void> {
    const server = this.server;
    if (server) {
      await this.settleCreatedJobs(server);
      // A tuner that runs here (resumed, or between two trials) is left to go on as well.
      if (runningJobs(server).length > 0 || server.controlPlane.runningTuningJobs().length > 0) return this.leave();
      this.lease?.release();
      await server.close();
    }
    this.destroyClients();
  }

  /** Leave now: an embedded control plane's running jobs go on, and the next optml command picks them up. */
  leave(): void {
    if (this.server) {
      this.lease?.release();
      this.server.http.close();
      this.server.http.closeAllConnections();
      this.server.controlPlane.detach();
    }
    this.destroyClients();
  }

  private async settleCreatedJobs(server: RunningServer): Promise<void> {
    const cp = server.controlPlane;
    const created = () => runningJobs(server).filter((name) => !this.recovered.includes(name));
    let names = created();
    if (names.length) this.options.log(`waiting for ${names.length} job(s) that other optml commands started here to end: ${names.join(", ")}`);
    while (names.length) {
      await Promise.all(names.map((n) => cp.settled(n)));
      const next = created();
      if (next.length === names.length && next.every((n) => names.includes(n))) return; // not run here
      names = next;
    }
  }

  private destroyClients(): void {
    this.clients.destroy();
  }
}

/** The jobs in progress (or stopping) in an embedded control plane's state. */
function runningJobs(server: RunningServer): string[] {
  return (["InProgress", "Stopping"] as const).flatMap((status) =>
    server.controlPlane.list({ statusEquals: status, sortBy: "CreationTime", sortOrder: "Ascending", offset: 0, limit: 10_000 }).map((j) => j.name),
  );
}



function notFound(e: unknown, name: string): unknown {
  return e instanceof Error && /ValidationException: Requested resource not found/.test(e.message) ? noSuchJob(name) : e;
}

/** A name that is no job of the kind asked for, or an operation this control plane does not serve. */
function isMissing(e: unknown): boolean {
  return e instanceof NoSuchJobError || isApiErrorCode(e, "UnknownOperationException");
}

/** SageMaker answers ResourceNotFound for a processing job that is not there. */
function processingNotFound(e: unknown, name: string): unknown {
  return isApiErrorCode(e, "ResourceNotFound") ? noSuchProcessingJob(name) : e;
}

/** SageMaker answers ResourceNotFound for a tuning job that is not there (the training job operations answer a ValidationException). */
function tuningNotFound(e: unknown, name: string): unknown {
  return isApiErrorCode(e, "ResourceNotFound") ? noSuchTuningJob(name) : e;
}

/** The connection of a command: --endpoint, else $OPTML_ENDPOINT, else the home's control plane or an embedded one. */
export async function openConnection(by: string, endpointFlag: string | undefined): Promise<Connection> {
  return Connection.open({
    endpoint: endpointFlag ?? (process.env.OPTML_ENDPOINT || undefined),
    home: defaultHome(),
    by,
    log: (message) => process.stderr.write(`optml: control plane: ${message}\n`),
  });
}
