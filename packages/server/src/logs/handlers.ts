/**
 * CloudWatch Logs over the job log store, as the SageMaker Python SDK, the AWS CLI (`aws logs tail`)
 * and the SDKs read job logs: the groups `/aws/sagemaker/TrainingJobs` and
 * `/aws/sagemaker/ProcessingJobs`, one stream per host named `<job>/algo-<n>-<epoch seconds>`.
 */
import type { ControlPlane } from "../control-plane.js";
import { invalidParameterException, resourceNotFoundException } from "../protocol/errors.js";
import type { Handler, RequestContext, ServiceDefinition } from "../protocol/types.js";
import { LOG_GROUPS, type LogGroup, type LogStreamRecord, type Store } from "../store/index.js";
import { compileFilterPattern } from "./filter-pattern.js";

export const TRAINING_LOG_GROUP = LOG_GROUPS.training;
const GROUPS: readonly LogGroup[] = Object.values(LOG_GROUPS);
const MAX_EVENTS = 10_000;

function str(input: Record<string, unknown>, key: string): string | undefined {
  const v = input[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "string") throw invalidParameterException(`${key} must be a string`);
  return v;
}

function int(input: Record<string, unknown>, key: string, fallback: number, max: number): number {
  const v = input[key];
  if (v === undefined || v === null) return fallback;
  if (typeof v !== "number" || !Number.isInteger(v) || v < 1 || v > max) throw invalidParameterException(`${key} must be a whole number from 1 to ${max}`);
  return v;
}

function optionalTime(input: Record<string, unknown>, key: string): number | undefined {
  const v = input[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "number") throw invalidParameterException(`${key} must be epoch milliseconds`);
  return v;
}

/** The request's log group (by name or ARN): one of SageMaker's job groups, else ResourceNotFoundException. */
function requireGroup(input: Record<string, unknown>): LogGroup {
  const named = str(input, "logGroupName") ?? str(input, "logGroupIdentifier");
  const group = GROUPS.find((g) => named === g || named?.endsWith(`:log-group:${g}`));
  if (group === undefined) throw resourceNotFoundException();
  return group;
}

const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");
function decode<T>(token: string | undefined, key: string): T | undefined {
  if (token === undefined) return undefined;
  try {
    return JSON.parse(Buffer.from(token, "base64url").toString("utf8")) as T;
  } catch {
    throw invalidParameterException(`The ${key} is not valid`);
  }
}

function streamArn(ctx: RequestContext, cp: ControlPlane, group: LogGroup, name: string): string {
  return `arn:aws:logs:${ctx.region}:${cp.settings.accountId}:log-group:${group}:log-stream:${name}`;
}

function streamView(s: LogStreamRecord, arn: string) {
  return {
    logStreamName: s.name,
    creationTime: s.creationTime,
    ...(s.firstEventTime !== null ? { firstEventTimestamp: s.firstEventTime } : {}),
    ...(s.lastEventTime !== null ? { lastEventTimestamp: s.lastEventTime } : {}),
    ...(s.lastIngestionTime !== null ? { lastIngestionTime: s.lastIngestionTime } : {}),
    arn,
    storedBytes: s.storedBytes,
  };
}

function getLogEvents(store: Store, input: Record<string, unknown>) {
  const group = requireGroup(input);
  const name = str(input, "logStreamName");
  const stream = name === undefined ? undefined : store.logs.streamByName(name, group);
  if (!stream) throw resourceNotFoundException("The specified log stream does not exist.");
  const limit = int(input, "limit", MAX_EVENTS, MAX_EVENTS);
  const startTime = optionalTime(input, "startTime");
  const endTime = optionalTime(input, "endTime");
  const token = str(input, "nextToken");
  const m = token === undefined ? null : /^([fb])\/(\d+)$/.exec(token);
  if (token !== undefined && !m) throw invalidParameterException("The specified nextToken is invalid.");
  const forward = m ? m[1] === "f" : input.startFromHead === true;
  const range = { ...(startTime !== undefined ? { startTime } : {}), ...(endTime !== undefined ? { endTime } : {}), limit };
  const events = forward
    ? store.logs.events(stream.id, { fromSeq: m ? Number(m[2]) : 0, toSeq: Number.MAX_SAFE_INTEGER, ...range })
    : store.logs.events(stream.id, { fromSeq: 0, toSeq: m ? Number(m[2]) : Number.MAX_SAFE_INTEGER, ...range, newestFirst: true });
  const first = events[0]?.seq;
  const last = events[events.length - 1]?.seq;
  const from = m ? Number(m[2]) : forward ? 0 : stream.eventCount - 1;
  return {
    events: events.map((e) => ({ timestamp: e.timestamp, message: e.message, ingestionTime: e.ingestionTime })),
    // An empty page hands the same token back: the SageMaker SDK stops on an empty page.
    nextForwardToken: `f/${last !== undefined ? last + 1 : forward ? from : from + 1}`,
    nextBackwardToken: `b/${first !== undefined ? first - 1 : forward ? from - 1 : from}`,
  };
}

function filterLogEvents(store: Store, input: Record<string, unknown>) {
  const group = requireGroup(input);
  const names = input.logStreamNames;
  if (names !== undefined && (!Array.isArray(names) || !names.every((n) => typeof n === "string"))) {
    throw invalidParameterException("logStreamNames must be a list of strings");
  }
  const prefix = str(input, "logStreamNamePrefix");
  if (names !== undefined && prefix !== undefined) throw invalidParameterException("Cannot specify both logStreamNames and logStreamNamePrefix");
  const streams = store.logs
    .streams({ group, ...(prefix !== undefined ? { prefix } : {}), orderBy: "LogStreamName", descending: false })
    .filter((s) => names === undefined || (names as string[]).includes(s.name));
  const limit = int(input, "limit", MAX_EVENTS, MAX_EVENTS);
  const matches = compileFilterPattern(str(input, "filterPattern"));
  const startTime = optionalTime(input, "startTime");
  const endTime = optionalTime(input, "endTime");
  let after = decode<{ timestamp: number; streamId: number; seq: number }>(str(input, "nextToken"), "nextToken");
  const byId = new Map(streams.map((s) => [s.id, s]));
  const found: { logStreamName: string; timestamp: number; message: string; ingestionTime: number; eventId: string }[] = [];
  let exhausted = false;
  while (found.length < limit) {
    const page = store.logs.interleaved([...byId.keys()], {
      ...(startTime !== undefined ? { startTime } : {}),
      ...(endTime !== undefined ? { endTime } : {}),
      ...(after ? { after } : {}),
      limit: 1000,
    });
    for (const e of page) {
      after = { timestamp: e.timestamp, streamId: e.streamId, seq: e.seq };
      if (!matches(e.message)) continue;
      found.push({
        logStreamName: byId.get(e.streamId)!.name,
        timestamp: e.timestamp,
        message: e.message,
        ingestionTime: e.ingestionTime,
        eventId: `${e.streamId}-${e.seq}`,
      });
      if (found.length === limit) break;
    }
    if (page.length < 1000) {
      exhausted = found.length < limit || page.length === 0;
      break;
    }
  }
  return {
    events: found,
    searchedLogStreams: streams.map((s) => ({ logStreamName: s.name, searchedCompletely: exhausted })),
    ...(!exhausted && after ? { nextToken: encode(after) } : {}),
  };
}

export function logsService(cp: ControlPlane): ServiceDefinition {
  const store = cp.store;
  const handlers: Record<string, Handler> = {
    DescribeLogGroups: (input, ctx) => {
      const prefix = str(input, "logGroupNamePrefix") ?? "";
      // Sorted by name, as CloudWatch lists groups; the processing group once a processing job has logged (as SageMaker makes it).
      const present = GROUPS.filter((group) => group === LOG_GROUPS.training || store.logs.streams({ group, orderBy: "LogStreamName", descending: false }).length > 0);
      const groups = [...present].sort().filter((group) => group.startsWith(prefix)).map((group) => ({
        logGroupName: group,
        creationTime: store.logs.streams({ group, orderBy: "LogStreamName", descending: false }).reduce((t, s) => Math.min(t, s.creationTime), Date.now()),
        metricFilterCount: 0,
        arn: `arn:aws:logs:${ctx.region}:${cp.settings.accountId}:log-group:${group}:*`,
        storedBytes: store.logs.totalStoredBytes(group),
      }));
      return { logGroups: groups };
    },
    DescribeLogStreams: (input, ctx) => {
      const group = requireGroup(input);
      const orderBy = (str(input, "orderBy") ?? "LogStreamName") as "LogStreamName" | "LastEventTime";
      if (orderBy !== "LogStreamName" && orderBy !== "LastEventTime") throw invalidParameterException("orderBy must be LogStreamName or LastEventTime");
      const prefix = str(input, "logStreamNamePrefix");
      if (prefix !== undefined && orderBy === "LastEventTime") throw invalidParameterException("Cannot order by LastEventTime with a logStreamNamePrefix.");
      const limit = int(input, "limit", 50, 50);
      const offset = decode<{ offset: number }>(str(input, "nextToken"), "nextToken")?.offset ?? 0;
      const all = store.logs.streams({ group, ...(prefix !== undefined ? { prefix } : {}), orderBy, descending: input.descending === true });
      const page = all.slice(offset, offset + limit);
      return {
        logStreams: page.map((s) => streamView(s, streamArn(ctx, cp, group, s.name))),
        ...(offset + limit < all.length ? { nextToken: encode({ offset: offset + limit }) } : {}),
      };
    },
    GetLogEvents: (input) => getLogEvents(store, input),
    FilterLogEvents: (input) => filterLogEvents(store, input),
  };
  return { targetPrefix: "Logs_20140328", signingName: "logs", handlers };
}
