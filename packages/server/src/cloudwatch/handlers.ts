/**
 * CloudWatch metrics (ListMetrics, GetMetricStatistics, GetMetricData) over the training metrics
 * and host utilisation the store keeps (catalogue.ts), statistics as CloudWatch computes them
 * (statistics.ts). Served by the protocol layer in every protocol CloudWatch's clients speak
 * (rpc-v2-CBOR, awsJson1_0, query); input timestamps arrive as Dates whatever the protocol.
 */
import { createHash } from "node:crypto";
import { ApiError, invalidParameterCombination, invalidParameterValue, invalidNextToken, missingParameter } from "../protocol/errors.js";
import type { Handler, ServiceDefinition } from "../protocol/types.js";
import type { Store } from "../store/index.js";
import { allMetrics, dimensionsOf, findMetric, samplesOf, TRAINING_NAMESPACE, unitOf, type Dimension } from "./catalogue.js";
import { CLOUDWATCH_MODEL } from "./cloudwatch-model.generated.js";
import { validateInput, validationError } from "./validate.js";
import {
  bucketize,
  datapointsRequested,
  isKnownStat,
  isValidPeriod,
  percentile,
  percentileOf,
  roundedStart,
  statistic,
  statValue,
  type Statistic,
} from "./statistics.js";

/** CloudWatch's limits. */
const LIST_PAGE = 500;
const MAX_STATISTICS_DATAPOINTS = 1440;
const MAX_QUERIES = 500;
const DEFAULT_MAX_DATAPOINTS = 100_800;
const THREE_HOURS = 3 * 3600;
const METRIC_ID = /^[a-z][a-zA-Z0-9_]*$/;

export interface CloudWatchDeps {
  readonly store: Store;
  /** Epoch ms (default Date.now): where "15 days ago" and RecentlyActive are measured from. */
  readonly now?: () => number;
}

export function cloudwatchService(deps: CloudWatchDeps): ServiceDefinition {
  const now = () => (deps.now ?? Date.now)() / 1000;
  const handlers: Record<string, Handler> = {
    ListMetrics: (input) => (validateInput("ListMetrics", input), listMetrics(deps.store, input, now())),
    GetMetricStatistics: (input) => (validateInput("GetMetricStatistics", input), getMetricStatistics(deps.store, input, now())),
    GetMetricData: (input) => (validateInput("GetMetricData", input), getMetricData(deps.store, input, now())),
  };
  return { targetPrefix: CLOUDWATCH_MODEL.targetPrefix, signingName: CLOUDWATCH_MODEL.signingName, handlers, model: CLOUDWATCH_MODEL };
}

// ---------------------------------------------------------------------------------------------
// ListMetrics

function listMetrics(store: Store, input: Record<string, unknown>, now: number) {
  const namespace = optString(input, "Namespace");
  const metricName = optString(input, "MetricName");
  const filters = list(input, "Dimensions").map((f, i) => {
    const name = optString(f as Record<string, unknown>, "Name");
    if (name === undefined) throw missingParameter(`Dimensions.member.${i + 1}.Name`);
    return { name, value: optString(f as Record<string, unknown>, "Value") };
  });
  const recentlyActive = optString(input, "RecentlyActive");
  const fingerprint = hash(["ListMetrics", namespace, metricName, filters, recentlyActive]);
  const offset = readToken(input.NextToken, fingerprint, (t) => invalidParameterValue(`The value ${t} for parameter NextToken is not valid.`));

  const matching = (namespace === undefined || namespace === TRAINING_NAMESPACE ? allMetrics(store) : []).filter((m) => {
    if (metricName !== undefined && m.name !== metricName) return false;
    if (recentlyActive !== undefined && m.last < now - THREE_HOURS) return false;
    const dims = dimensionsOf(m);
    return filters.every((f) => dims.some((d) => d.Name === f.name && (f.value === undefined || d.Value === f.value)));
  });
  const page = matching.slice(offset, offset + LIST_PAGE);
  return {
    Metrics: page.map((m) => ({ Namespace: TRAINING_NAMESPACE, MetricName: m.name, Dimensions: dimensionsOf(m) })),
    ...(offset + LIST_PAGE < matching.length ? { NextToken: writeToken(offset + LIST_PAGE, fingerprint) } : {}),
  };
}

// ---------------------------------------------------------------------------------------------
// GetMetricStatistics

function getMetricStatistics(store: Store, input: Record<string, unknown>, now: number) {
  const namespace = reqString(input, "Namespace");
  const metricName = reqString(input, "MetricName");
  const startTime = reqTime(input, "StartTime");
  const endTime = reqTime(input, "EndTime");
  const period = reqPeriod(input.Period, "Period");
  const dimensions = readDimensions(input.Dimensions, "Dimensions");
  const statistics = list(input, "Statistics") as Statistic[]; // the model's enum, checked

  const extended = list(input, "ExtendedStatistics").map((s) => {
    const p = typeof s === "string" ? percentileOf(s) : undefined;
    if (p === undefined) throw invalidParameterValue(`The value ${String(s)} for parameter ExtendedStatistics is not supported.`);
    return { name: s as string, p };
  });
  if (statistics.length === 0 && extended.length === 0) throw invalidParameterCombination("Must specify either Statistics or ExtendedStatistics.");
  if (statistics.length > 0 && extended.length > 0) {
    throw invalidParameterCombination("The parameters Statistics and ExtendedStatistics are mutually exclusive and you have specified both.");
  }
  const unit = optString(input, "Unit");
  if (startTime >= endTime) throw invalidParameterValue("The parameter StartTime must be less than the parameter EndTime.");
  const start = roundedStart(startTime, period, now);
  const requested = datapointsRequested(start, endTime, period);
  if (requested > MAX_STATISTICS_DATAPOINTS) {
    throw invalidParameterCombination(
      `You have requested up to ${requested} datapoints, which exceeds the limit of ${MAX_STATISTICS_DATAPOINTS}. ` +
        "You may reduce the datapoints requested by increasing Period, or decreasing the time range.",
    );
  }
  const metric = findMetric(namespace, metricName, dimensions);
  if (metric === undefined || (unit !== undefined && unit !== unitOf(metric))) return { Label: metricName, Datapoints: [] };
  const datapoints = bucketize(samplesOf(store, metric, start, endTime), start, endTime, period).map((b) => {
    const point: Record<string, unknown> = { Timestamp: new Date(b.timestamp * 1000) };
    for (const s of statistics) point[s] = statistic(b.values, s);
    point.Unit = unitOf(metric);
    if (extended.length > 0) {
      const values: Record<string, number> = {};
      for (const e of extended) {
        const v = percentile(b.values, e.p);
        if (v !== undefined) values[e.name] = v;
      }
      point.ExtendedStatistics = values;
    }
    return point;
  });
  return { Label: metricName, Datapoints: datapoints };
}

// ---------------------------------------------------------------------------------------------
// GetMetricData

interface Query {
  readonly id: string;
  readonly label: string;
  readonly returnData: boolean;
  readonly metric: ReturnType<typeof findMetric>;
  readonly period: number;
  readonly stat: string;
  readonly unit: string | undefined;
}

function getMetricData(store: Store, input: Record<string, unknown>, now: number) {
  const raw = input.MetricDataQueries;
  if (raw === undefined || raw === null) throw missingParameter("MetricDataQueries");
  const startTime = reqTime(input, "StartTime");
  const endTime = reqTime(input, "EndTime");
  const items = list(input, "MetricDataQueries");
  if (items.length === 0) throw invalidParameterValue("The collection MetricDataQueries must not be empty.");
  if (items.length > MAX_QUERIES) throw invalidParameterValue(`The collection MetricDataQueries must not have a size greater than ${MAX_QUERIES}.`);
  if (startTime === endTime) throw validationError("The parameter StartTime must not equal parameter EndTime.");
  if (startTime > endTime) throw validationError("The parameter StartTime must be less than the parameter EndTime.");
  const scanBy = optString(input, "ScanBy") ?? "TimestampDescending";
  const maxDatapoints = input.MaxDatapoints === undefined || input.MaxDatapoints === null ? DEFAULT_MAX_DATAPOINTS : Number(input.MaxDatapoints);
  if (!Number.isInteger(maxDatapoints) || maxDatapoints < 1) throw invalidParameterValue("The parameter MaxDatapoints must be greater than 0.");

  const ids = new Set<string>();
  const queries: Query[] = items.map((item, i) => {
    const q = (item ?? {}) as Record<string, unknown>;
    const at = `MetricDataQueries.member.${i + 1}`;
    const id = optString(q, "Id");
    if (id === undefined) throw missingParameter(`${at}.Id`);
    if (!METRIC_ID.test(id)) {
      throw invalidParameterValue(`The value ${id} for parameter ${at}.Id is not valid: it must start with a lowercase letter and hold only letters, digits and underscores.`);
    }
    if (ids.has(id)) throw invalidParameterValue(`The value ${id} for parameter ${at}.Id is used by more than one query.`);
    ids.add(id);
    if (q.Expression !== undefined && q.Expression !== null) {
      throw invalidParameterValue(
        `${at}.Expression: metric math and Metrics Insights queries are not supported by optml; ask for each metric with a MetricStat instead.`,
      );
    }
    const stat = q.MetricStat as Record<string, unknown> | undefined;
    if (stat === undefined || stat === null) throw missingParameter(`${at}.MetricStat`);
    const metric = stat.Metric as Record<string, unknown> | undefined;
    if (metric === undefined || metric === null) throw missingParameter(`${at}.MetricStat.Metric`);
    const namespace = optString(metric, "Namespace");
    const metricName = optString(metric, "MetricName");
    if (namespace === undefined) throw missingParameter(`${at}.MetricStat.Metric.Namespace`);
    if (metricName === undefined) throw missingParameter(`${at}.MetricStat.Metric.MetricName`);
    const period = reqPeriod(stat.Period, `${at}.MetricStat.Period`);
    const statName = optString(stat, "Stat");
    if (statName === undefined) throw missingParameter(`${at}.MetricStat.Stat`);
    if (!isKnownStat(statName)) {
      throw invalidParameterValue(
        `The value ${statName} for parameter ${at}.MetricStat.Stat is not supported: use SampleCount, Average, Sum, Minimum, Maximum or a percentile pNN.`,
      );
    }
    return {
      id,
      label: optString(q, "Label") ?? metricName,
      returnData: q.ReturnData !== false,
      metric: findMetric(namespace, metricName, readDimensions(metric.Dimensions, `${at}.MetricStat.Metric.Dimensions`)),
      period,
      stat: statName,
      unit: optString(stat, "Unit"),
    };
  });

  const fingerprint = hash(["GetMetricData", input.MetricDataQueries, startTime, endTime, scanBy]);
  const offset = readToken(input.NextToken, fingerprint, () => invalidNextToken());

  // Every returned query's points, in the order asked; a page holds MaxDatapoints of them.
  const series = queries
    .filter((q) => q.returnData)
    .map((q) => {
      const start = roundedStart(startTime, q.period, now);
      const points =
        q.metric === undefined || (q.unit !== undefined && q.unit !== unitOf(q.metric))
          ? []
          : bucketize(samplesOf(store, q.metric, start, endTime), start, endTime, q.period).flatMap((b) => {
              const v = statValue(b.values, q.stat);
              return v === undefined ? [] : [{ timestamp: b.timestamp, value: v }];
            });
      if (scanBy === "TimestampDescending") points.reverse();
      return { q, points };
    });
  // The page is [offset, offset + MaxDatapoints) of all the points laid end to end; the first page
  // has every query (an empty one too), a later one those with points in it.
  const results: Record<string, unknown>[] = [];
  const pageEnd = offset + maxDatapoints;
  let base = 0;
  for (const { q, points } of series) {
    const from = Math.max(0, offset - base);
    const to = Math.min(points.length, pageEnd - base);
    const slice = from < to ? points.slice(from, to) : [];
    const partial = base + points.length > pageEnd;
    base += points.length;
    if (slice.length === 0 && offset > 0) continue;
    results.push({
      Id: q.id,
      Label: q.label,
      Timestamps: slice.map((p) => new Date(p.timestamp * 1000)),
      Values: slice.map((p) => p.value),
      StatusCode: partial ? "PartialData" : "Complete",
    });
  }
  const more = base > pageEnd;
  return {
    MetricDataResults: results,
    Messages: [],
    ...(more ? { NextToken: writeToken(pageEnd, fingerprint) } : {}),
  };
}

// ---------------------------------------------------------------------------------------------
// Input reading, with CloudWatch's words

function optString(o: Record<string, unknown>, key: string): string | undefined {
  const v = o[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "string") throw invalidParameterValue(`The parameter ${key} must be a string.`);
  return v;
}

function reqString(o: Record<string, unknown>, key: string): string {
  const v = optString(o, key);
  if (v === undefined || v === "") throw missingParameter(key);
  return v;
}

/** A timestamp member (a Date from the protocol layer), as epoch seconds. */
function reqTime(o: Record<string, unknown>, key: string): number {
  const v = o[key];
  if (v === undefined || v === null) throw missingParameter(key);
  if (!(v instanceof Date) || Number.isNaN(v.getTime())) throw invalidParameterValue(`The parameter ${key} must be a timestamp.`);
  return v.getTime() / 1000;
}

/** A Period (an integer of at least 1: the model's, checked before) that CloudWatch accepts. */
function reqPeriod(v: unknown, key: string): number {
  if (typeof v !== "number") throw missingParameter(key);
  if (!isValidPeriod(v)) throw invalidParameterValue(`The parameter ${key} must be a multiple of 60.`);
  return v;
}

function readDimensions(v: unknown, key: string): Dimension[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw invalidParameterValue(`The parameter ${key} must be a list.`);
  if (v.length > 30) throw invalidParameterValue(`The collection ${key} must not have a size greater than 30.`);
  return v.map((d, i) => {
    const o = (d ?? {}) as Record<string, unknown>;
    const name = optString(o, "Name");
    const value = optString(o, "Value");
    if (name === undefined) throw missingParameter(`${key}.member.${i + 1}.Name`);
    if (value === undefined) throw missingParameter(`${key}.member.${i + 1}.Value`);
    return { Name: name, Value: value };
  });
}

function list(o: Record<string, unknown>, key: string): unknown[] {
  const v = o[key];
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw invalidParameterValue(`The parameter ${key} must be a list.`);
  return v;
}

// NextToken: the offset of the next page, bound to the request it came from.

function hash(parts: unknown): string {
  return createHash("sha256")
    .update(JSON.stringify(parts, (_k, v: unknown) => (v instanceof Date ? v.getTime() : v)))
    .digest("base64url")
    .slice(0, 16);
}

function writeToken(offset: number, fingerprint: string): string {
  return Buffer.from(JSON.stringify({ o: offset, f: fingerprint })).toString("base64url");
}

function readToken(token: unknown, fingerprint: string, invalid: (t: string) => ApiError): number {
  if (token === undefined || token === null) return 0;
  const text = String(token);
  try {
    const { o, f } = JSON.parse(Buffer.from(text, "base64url").toString("utf8")) as { o: unknown; f: unknown };
    if (Number.isInteger(o) && (o as number) >= 0 && f === fingerprint) return o as number;
  } catch {
    // fall through
  }
  throw invalid(text);
}
