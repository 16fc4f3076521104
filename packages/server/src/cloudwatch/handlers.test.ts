/**
 * The CloudWatch handlers over a real store with known samples (no job, no HTTP): what is listed,
 * the statistics by value, pages, and the validation of requests in CloudWatch's words.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ApiError } from "../protocol/errors.js";
import type { RequestContext } from "../protocol/types.js";
import { Store } from "../store/index.js";
import { cloudwatchService } from "./handlers.js";

const dir = mkdtempSync(join(tmpdir(), "optml-cw-"));
let store: Store;
const NOW = 1_800_000_000; // epoch seconds; samples are an hour before
const T = NOW - 3600;
const NS = "/aws/sagemaker/TrainingJobs";
const ctx = {} as RequestContext;

beforeAll(() => {
  store = Store.open(join(dir, "cw.db"));
  for (const [name, count] of [["two", 2], ["many", 1]] as const) {
    store.jobs.insert(
      {
        name,
        arn: `arn:aws:sagemaker:us-east-1:000000000000:training-job/${name}`,
        request: { TrainingJobName: name, ResourceConfig: { InstanceCount: count } },
        status: "Completed",
        secondaryStatus: "Completed",
        failureReason: null,
        creationTime: T,
        lastModifiedTime: T,
        trainingStartTime: T,
        trainingEndTime: T + 100,
        modelArtifacts: null,
        workDir: `/w/${name}`,
        executorState: null,
        stopRequested: null,
        warnings: [],
        python: null,
        tuning: null,
      },
      { status: "Starting", message: "" },
    );
  }
  // "two": loss on algo-1 at T+0..T+3 (1,2,3,4), on algo-2 at T+30, T+90 (10, 20); a sample whose host is unknown.
  store.metrics.add("two", [1, 2, 3, 4].map((v, i) => ({ name: "loss", host: "algo-1", value: v, timestamp: T + i })));
  store.metrics.add("two", [
    { name: "loss", host: "algo-2", value: 10, timestamp: T + 30 },
    { name: "loss", host: "algo-2", value: 20, timestamp: T + 90 },
  ]);
  // A log's "loss=nan" is stored (FinalMetricDataList shows it) but is no CloudWatch value.
  store.metrics.add("two", [{ name: "loss", host: "algo-1", value: Number.NaN, timestamp: T + 4 }, { name: "loss", host: "algo-1", value: Infinity, timestamp: T + 5 }]);
  store.db.prepare("INSERT INTO metric_samples (job, name, seq, host, timestamp, value) VALUES ('two', 'old', 0, NULL, ?, 7)").run(T);
  store.utilization.add("two", [
    { host: "algo-1", timestamp: T + 5, cpuPercent: 150, memoryPercent: 10, memoryBytes: 1, diskPercent: 40, gpuCount: null, gpuPercent: null, gpuMemoryPercent: null, gpuMemoryBytes: null },
    { host: "algo-1", timestamp: T + 10, cpuPercent: 50, memoryPercent: 20, memoryBytes: 1, diskPercent: 40, gpuCount: null, gpuPercent: null, gpuMemoryPercent: null, gpuMemoryBytes: null },
    // algo-2 saw two GPUs (nvidia-smi answered): percentages summed over them, as SageMaker's.
    { host: "algo-2", timestamp: T + 5, cpuPercent: 10, memoryPercent: 5, memoryBytes: 1, diskPercent: 40, gpuCount: 2, gpuPercent: 180, gpuMemoryPercent: 75, gpuMemoryBytes: 3 },
  ]);
  // "many": 600 metric names on algo-1, for ListMetrics' pages.
  store.metrics.add("many", Array.from({ length: 600 }, (_, i) => ({ name: `m${String(i).padStart(3, "0")}`, host: "algo-1", value: i, timestamp: T })));
});
afterAll(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

const call = async (op: string, input: Record<string, unknown>) =>
  (await cloudwatchService({ store, now: () => NOW * 1000 }).handlers[op]!(input, ctx)) as Record<string, unknown>;
const failure = async (op: string, input: Record<string, unknown>) => {
  try {
    await call(op, input);
  } catch (e) {
    if (e instanceof ApiError) return { code: e.code, queryCode: e.queryCode, message: e.message };
    throw e;
  }
  throw new Error(`${op} did not fail`);
};
const at = (s: number) => new Date(s * 1000);
const host = (n: number) => [{ Name: "Host", Value: `two/algo-${n}` }];
const stats = (extra: Record<string, unknown>) =>
  call("GetMetricStatistics", { Namespace: NS, MetricName: "loss", StartTime: at(T - 60), EndTime: at(T + 3600), Period: 60, ...extra });

describe("CloudWatch handlers", () => {
  it("lists each metric per Host and per TrainingJobName, instance metrics per Host, a host-less sample by job only", async () => {
    const listed: unknown[] = [];
    let NextToken: unknown;
    do {
      const page = await call("ListMetrics", { Namespace: NS, Dimensions: [{ Name: "Host" }], NextToken });
      listed.push(...(page.Metrics as unknown[]));
      NextToken = page.NextToken;
    } while (NextToken !== undefined);
    const two = (listed as { MetricName: string; Dimensions: { Value: string }[] }[]).filter((m) => m.Dimensions[0]!.Value.startsWith("two/"));
    expect(two.map((m) => `${m.MetricName} ${m.Dimensions[0]!.Value}`)).toEqual([
      "CPUUtilization two/algo-1",
      "CPUUtilization two/algo-2",
      "DiskUtilization two/algo-1",
      "DiskUtilization two/algo-2",
      "GPUMemoryUtilization two/algo-2",
      "GPUUtilization two/algo-2",
      "MemoryUtilization two/algo-1",
      "MemoryUtilization two/algo-2",
      "loss two/algo-1",
      "loss two/algo-2",
    ]);
    const byJob = await call("ListMetrics", { Dimensions: [{ Name: "TrainingJobName", Value: "two" }] });
    expect(byJob.Metrics).toEqual([
      { Namespace: NS, MetricName: "loss", Dimensions: [{ Name: "TrainingJobName", Value: "two" }] },
      { Namespace: NS, MetricName: "old", Dimensions: [{ Name: "TrainingJobName", Value: "two" }] },
    ]);
    expect((await call("ListMetrics", { Namespace: "AWS/EC2" })).Metrics).toEqual([]);
    expect((await call("ListMetrics", { MetricName: "loss", RecentlyActive: "PT3H" })).Metrics).toHaveLength(3);
  });

  it("pages ListMetrics 500 at a time; a token is for the request it came from", async () => {
    const first = await call("ListMetrics", { Dimensions: [{ Name: "Host", Value: "many/algo-1" }] });
    expect((first.Metrics as unknown[]).length).toBe(500);
    const second = await call("ListMetrics", { Dimensions: [{ Name: "Host", Value: "many/algo-1" }], NextToken: first.NextToken });
    expect((second.Metrics as { MetricName: string }[]).map((m) => m.MetricName)).toEqual(Array.from({ length: 100 }, (_, i) => `m${500 + i}`));
    expect(second.NextToken).toBeUndefined();
    expect(await failure("ListMetrics", { NextToken: first.NextToken })).toMatchObject({ queryCode: "InvalidParameterValue" });
  });

  it("computes each statistic by period bucket, from the rounded start, per host and per job", async () => {
    const r = await stats({ Dimensions: host(1), Statistics: ["SampleCount", "Sum", "Average", "Minimum", "Maximum"] });
    expect(r).toEqual({ Label: "loss", Datapoints: [{ Timestamp: at(T), SampleCount: 4, Sum: 10, Average: 2.5, Minimum: 1, Maximum: 4, Unit: "None" }] });
    const two = await stats({ Dimensions: host(2), Statistics: ["Sum"] });
    expect(two.Datapoints).toEqual([
      { Timestamp: at(T), Sum: 10, Unit: "None" },
      { Timestamp: at(T + 60), Sum: 20, Unit: "None" },
    ]);
    const job = await stats({ Dimensions: [{ Name: "TrainingJobName", Value: "two" }], Statistics: ["SampleCount", "Maximum"], Period: 3600 });
    expect(job.Datapoints).toEqual([{ Timestamp: at(T - 60), SampleCount: 6, Maximum: 20, Unit: "None" }]); // buckets from the start
    // StartTime T+1.5: rounded down to T (the minute), so T+0 and T+1 are in the bucket.
    const rounded = await stats({ Dimensions: host(1), Statistics: ["SampleCount"], StartTime: at(T + 1.5) });
    expect(rounded.Datapoints).toEqual([{ Timestamp: at(T), SampleCount: 4, Unit: "None" }]);
    // EndTime is exclusive; with period 1 each sample is its own bucket.
    const exclusive = await stats({ Dimensions: host(1), Statistics: ["Maximum"], Period: 1, StartTime: at(T), EndTime: at(T + 3) });
    expect((exclusive.Datapoints as { Maximum: number }[]).map((d) => d.Maximum)).toEqual([1, 2, 3]);
    const percentiles = await stats({ Dimensions: host(1), ExtendedStatistics: ["p50", "p99.9"] });
    expect(percentiles.Datapoints).toEqual([{ Timestamp: at(T), ExtendedStatistics: { p50: 2, "p99.9": 4 }, Unit: "None" }]);
    const cpu = await call("GetMetricStatistics", {
      Namespace: NS, MetricName: "CPUUtilization", Dimensions: host(1), StartTime: at(T), EndTime: at(T + 60), Period: 60, Statistics: ["Average"], Unit: "Percent",
    });
    expect(cpu.Datapoints).toEqual([{ Timestamp: at(T), Average: 100, Unit: "Percent" }]);
    const gpu = await call("GetMetricStatistics", {
      Namespace: NS, MetricName: "GPUUtilization", Dimensions: host(2), StartTime: at(T), EndTime: at(T + 60), Period: 60, Statistics: ["Maximum"],
    });
    expect(gpu.Datapoints).toEqual([{ Timestamp: at(T), Maximum: 180, Unit: "Percent" }]);
    expect((await stats({ Dimensions: host(1), Statistics: ["Sum"], Unit: "Seconds" })).Datapoints).toEqual([]);
    expect((await stats({ Statistics: ["Sum"] })).Datapoints).toEqual([]);
  });

  it("answers GetMetricData per query, ScanBy, ReturnData, labels, and pages of MaxDatapoints with PartialData", async () => {
    const q = (Id: string, n: number, Stat: string, extra: Record<string, unknown> = {}) => ({
      Id,
      MetricStat: { Metric: { Namespace: NS, MetricName: "loss", Dimensions: host(n) }, Period: 1, Stat },
      ...extra,
    });
    const base = { StartTime: at(T), EndTime: at(T + 3600) };
    const r = await call("GetMetricData", { ...base, MetricDataQueries: [q("a", 1, "Maximum"), q("b", 2, "p50", { Label: "second host" }), q("c", 1, "Sum", { ReturnData: false })], ScanBy: "TimestampAscending" });
    expect(r).toEqual({
      MetricDataResults: [
        { Id: "a", Label: "loss", Timestamps: [0, 1, 2, 3].map((i) => at(T + i)), Values: [1, 2, 3, 4], StatusCode: "Complete" },
        { Id: "b", Label: "second host", Timestamps: [at(T + 30), at(T + 90)], Values: [10, 20], StatusCode: "Complete" },
      ],
      Messages: [],
    });
    const page1 = await call("GetMetricData", { ...base, MetricDataQueries: [q("a", 1, "Maximum"), q("b", 2, "Maximum")], MaxDatapoints: 5 });
    expect((page1.MetricDataResults as { Values: number[]; StatusCode: string }[]).map((x) => [x.Values, x.StatusCode])).toEqual([
      [[4, 3, 2, 1], "Complete"],
      [[20], "PartialData"],
    ]);
    const page2 = await call("GetMetricData", { ...base, MetricDataQueries: [q("a", 1, "Maximum"), q("b", 2, "Maximum")], MaxDatapoints: 5, NextToken: page1.NextToken });
    expect(page2.MetricDataResults).toEqual([{ Id: "b", Label: "loss", Timestamps: [at(T + 30)], Values: [10], StatusCode: "Complete" }]);
    expect(page2.NextToken).toBeUndefined();
    expect(await failure("GetMetricData", { ...base, MetricDataQueries: [q("a", 1, "Sum")], NextToken: page1.NextToken })).toMatchObject({ code: "InvalidNextToken" });
  });

  it("refuses what CloudWatch refuses, in its words", async () => {
    const ok = { Namespace: NS, MetricName: "loss", StartTime: at(T), EndTime: at(T + 60), Period: 60, Statistics: ["Sum"] };
    expect(await failure("GetMetricStatistics", { ...ok, Namespace: undefined })).toEqual({
      code: "MissingRequiredParameterException", queryCode: "MissingParameter", message: "The parameter Namespace is required.",
    });
    expect(await failure("GetMetricStatistics", { ...ok, Period: 0 })).toEqual({
      code: "ValidationError", queryCode: "ValidationError",
      message: "1 validation error detected: Value '0' at 'period' failed to satisfy constraint: Member must have value greater than or equal to 1",
    });
    expect((await failure("GetMetricStatistics", { ...ok, Statistics: ["Median"] })).message).toBe(
      "1 validation error detected: Value '[Median]' at 'statistics' failed to satisfy constraint: Member must satisfy constraint: " +
        "[Member must satisfy enum value set: [SampleCount, Average, Sum, Minimum, Maximum]]",
    );
    expect(await failure("GetMetricStatistics", { ...ok, Period: 90 })).toMatchObject({ queryCode: "InvalidParameterValue", message: "The parameter Period must be a multiple of 60." });
    expect(await failure("GetMetricStatistics", { ...ok, StartTime: at(T + 60) })).toMatchObject({
      queryCode: "InvalidParameterValue", message: "The parameter StartTime must be less than the parameter EndTime.",
    });
    expect(await failure("GetMetricStatistics", { ...ok, Statistics: undefined })).toMatchObject({ queryCode: "InvalidParameterCombination", message: "Must specify either Statistics or ExtendedStatistics." });
    expect(await failure("GetMetricStatistics", { ...ok, ExtendedStatistics: ["p90"] })).toMatchObject({ queryCode: "InvalidParameterCombination" });
    expect(await failure("GetMetricStatistics", { ...ok, Statistics: undefined, ExtendedStatistics: ["tm99"] })).toMatchObject({ queryCode: "InvalidParameterValue" });
    expect(await failure("GetMetricStatistics", { ...ok, EndTime: at(T + 86400 + 60), Period: 60 })).toMatchObject({
      queryCode: "InvalidParameterCombination",
      message: "You have requested up to 1441 datapoints, which exceeds the limit of 1440. You may reduce the datapoints requested by increasing Period, or decreasing the time range.",
    });
    expect(await failure("GetMetricStatistics", { ...ok, Namespace: ":bad" })).toMatchObject({ code: "ValidationError" });
    expect(await failure("GetMetricStatistics", { ...ok, Period: "60" })).toMatchObject({ code: "SerializationException" });

    const query = { Id: "a", MetricStat: { Metric: { Namespace: NS, MetricName: "loss" }, Period: 60, Stat: "Sum" } };
    const data = { StartTime: at(T), EndTime: at(T + 60), MetricDataQueries: [query] };
    expect(await failure("GetMetricData", { ...data, MetricDataQueries: [{ ...query, MetricStat: { ...query.MetricStat, Period: undefined } }] })).toMatchObject({
      message: "The parameter MetricDataQueries.member.1.MetricStat.Period is required.",
    });
    expect(await failure("GetMetricData", { ...data, EndTime: at(T) })).toMatchObject({ code: "ValidationError", message: "The parameter StartTime must not equal parameter EndTime." });
    expect(await failure("GetMetricData", { ...data, MetricDataQueries: [{ Id: "e", Expression: "SUM(METRICS())" }] })).toMatchObject({ queryCode: "InvalidParameterValue" });
    expect(await failure("GetMetricData", { ...data, MetricDataQueries: [{ ...query, Id: "A" }] })).toMatchObject({ queryCode: "InvalidParameterValue" });
    expect(await failure("GetMetricData", { ...data, MetricDataQueries: [query, query] })).toMatchObject({ queryCode: "InvalidParameterValue" });
    expect(await failure("GetMetricData", { ...data, ScanBy: "Sideways" })).toMatchObject({ code: "ValidationError" });
  });
});
