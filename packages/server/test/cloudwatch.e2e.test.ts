/**
 * The CloudWatch metrics API against a job with known metric values, through every client we
 * name: the JS SDK v3 (@aws-sdk/client-cloudwatch: awsJson1_0, query-compatible), boto3 from the
 * machine's python3 in each of CloudWatch's protocols (the one this botocore picks from the model's
 * list by its own priority: awsJson1_0 for botocore 1.43, which ranks json before rpc-v2-CBOR; and
 * each of rpc-v2-CBOR, awsJson1_0 and query forced through a copy of botocore's model), Debian's AWS CLI 2.9
 * (/usr/bin/aws: the query protocol, XML answers), and, opt-in as python/tests gates the SDK, the
 * SageMaker Python SDK's TrainingJobAnalytics (OPTML_TEST_SAGEMAKER_SDK=1, the SDK's Python in
 * OPTML_SAGEMAKER_PYTHON; python/README.md, "Testing with the real SDK", says how to build one).
 *
 * The job: two hosts (as root: each in its own network namespace; else one), algo-1 printing
 * loss 1, 2, 3, 4 and algo-2 loss 10, 20, each line over a second after the last, so that each
 * sample is alone in its 1-second bucket.
 */
import {
  CloudWatchClient,
  GetMetricDataCommand,
  GetMetricStatisticsCommand,
  InvalidParameterCombinationException,
  InvalidParameterValueException,
  ListMetricsCommand,
} from "@aws-sdk/client-cloudwatch";
import { CreateTrainingJobCommand } from "@aws-sdk/client-sagemaker";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { credentials, startHarness, type Harness } from "./harness.js";
import { scriptModeRequest } from "./requests.js";

const AWS = "/usr/bin/aws";
const NS = "/aws/sagemaker/TrainingJobs";
const JOB = "cw-known-1";
const TWO_HOSTS = process.getuid?.() === 0;
const PROGRAM = `
import os, time
values = {"algo-1": [1, 2, 3, 4], "algo-2": [10, 20]}[os.environ["SM_CURRENT_HOST"]]
for v in values:
    print(f"epoch loss={v}", flush=True)
    time.sleep(1.2)
`;

let h: Harness;
let cw: CloudWatchClient;
let start: Date;
let end: Date;

beforeAll(async () => {
  h = await startHarness({ capacity: 4 });
  cw = new CloudWatchClient({ endpoint: h.server.endpoint, region: "us-east-1", credentials, maxAttempts: 1 });
  const request = scriptModeRequest({
    name: JOB,
    codeDir: h.code({ "train.py": PROGRAM }),
    program: "train.py",
    outputDir: h.output(),
    metricDefinitions: [{ Name: "loss", Regex: "loss=([0-9.]+)" }],
  });
  start = new Date(Date.now() - 120_000);
  await h.sagemaker.send(
    new CreateTrainingJobCommand({ ...request, ResourceConfig: { InstanceType: "ml.m5.large", InstanceCount: TWO_HOSTS ? 2 : 1, VolumeSizeInGB: 1 } } as never),
  );
  const d = await h.waitForEnd(JOB, 120_000);
  expect(d.TrainingJobStatus, d.FailureReason).toBe("Completed");
  end = new Date(Date.now() + 120_000);
}, 180_000);
afterAll(async () => {
  cw?.destroy();
  await h?.close();
});

const host = (n: number) => [{ Name: "Host", Value: `${JOB}/algo-${n}` }];
const ALL = { SampleCount: 4, Sum: 10, Average: 2.5, Minimum: 1, Maximum: 4 };
const HOST2 = { SampleCount: 2, Sum: 30, Average: 15, Minimum: 10, Maximum: 20 };
const JOB_STATS = TWO_HOSTS ? { SampleCount: 6, Sum: 40, Average: 40 / 6, Minimum: 1, Maximum: 20 } : ALL;

describe("CloudWatch metrics of a job with known values", () => {
  it("the JS SDK v3: ListMetrics, GetMetricStatistics by value, GetMetricData with ScanBy and pages, errors by class", async () => {
    const listed = await cw.send(new ListMetricsCommand({ Namespace: NS, Dimensions: [{ Name: "Host", Value: `${JOB}/algo-1` }] }));
    const names = listed.Metrics!.map((m) => m.MetricName).sort();
    expect(names).toContain("loss");
    expect(names).toContain("CPUUtilization");
    expect(names).toContain("MemoryUtilization");
    expect(listed.Metrics!.every((m) => m.Namespace === NS && m.Dimensions?.length === 1)).toBe(true);

    const stats = async (dimensions: { Name: string; Value: string }[]) => {
      const r = await cw.send(
        new GetMetricStatisticsCommand({ Namespace: NS, MetricName: "loss", Dimensions: dimensions, StartTime: start, EndTime: end, Period: 86400, Statistics: ["SampleCount", "Sum", "Average", "Minimum", "Maximum"] }),
      );
      expect(r.Label).toBe("loss");
      return r.Datapoints!.map(({ Timestamp, ...rest }) => rest);
    };
    expect(await stats(host(1))).toEqual([{ ...ALL, Unit: "None" }]);
    if (TWO_HOSTS) expect(await stats(host(2))).toEqual([{ ...HOST2, Unit: "None" }]);
    const byJob = await stats([{ Name: "TrainingJobName", Value: JOB }]);
    expect(byJob).toHaveLength(1);
    expect(byJob[0]!.Average).toBeCloseTo(JOB_STATS.Average, 12);
    expect({ ...byJob[0], Average: 0 }).toEqual({ ...JOB_STATS, Average: 0, Unit: "None" });
    expect(await stats([])).toEqual([]); // a metric is matched with all its dimensions

    const p = await cw.send(
      new GetMetricStatisticsCommand({ Namespace: NS, MetricName: "loss", Dimensions: host(1), StartTime: start, EndTime: end, Period: 86400, ExtendedStatistics: ["p50", "p75", "p100"] }),
    );
    expect(p.Datapoints![0]!.ExtendedStatistics).toEqual({ p50: 2, p75: 3, p100: 4 });

    // A CPU figure was sampled while the job ran (default every 5 s: at least the first).
    const cpu = await cw.send(
      new GetMetricStatisticsCommand({ Namespace: NS, MetricName: "CPUUtilization", Dimensions: host(1), StartTime: start, EndTime: end, Period: 86400, Statistics: ["SampleCount"], Unit: "Percent" }),
    );
    expect(cpu.Datapoints![0]!.SampleCount).toBeGreaterThanOrEqual(1);
    expect(cpu.Datapoints![0]!.Unit).toBe("Percent");

    const query = (id: string, n: number, stat: string) => ({
      Id: id,
      MetricStat: { Metric: { Namespace: NS, MetricName: "loss", Dimensions: host(n) }, Period: 1, Stat: stat },
    });
    const data = await cw.send(new GetMetricDataCommand({ MetricDataQueries: [query("a", 1, "Maximum")], StartTime: start, EndTime: end, ScanBy: "TimestampAscending" }));
    const a = data.MetricDataResults![0]!;
    expect([a.Id, a.Label, a.StatusCode, a.Values]).toEqual(["a", "loss", "Complete", [1, 2, 3, 4]]);
    const times = a.Timestamps!.map((t) => t.getTime());
    expect(times.every((t) => t % 1000 === 0)).toBe(true); // 1-second buckets
    expect(times).toEqual([...times].sort((x, y) => x - y));

    const values: number[][] = [];
    let NextToken: string | undefined;
    do {
      const page = await cw.send(new GetMetricDataCommand({ MetricDataQueries: [query("a", 1, "Maximum")], StartTime: start, EndTime: end, MaxDatapoints: 3, NextToken }));
      values.push(page.MetricDataResults!.flatMap((r) => r.Values!));
      NextToken = page.NextToken;
    } while (NextToken);
    expect(values).toEqual([[4, 3, 2], [1]]); // TimestampDescending by default

    await expect(
      cw.send(new GetMetricStatisticsCommand({ Namespace: NS, MetricName: "loss", Dimensions: host(1), StartTime: start, EndTime: end, Period: 60 })),
    ).rejects.toThrow(InvalidParameterCombinationException);
    const bad = await cw
      .send(new GetMetricStatisticsCommand({ Namespace: NS, MetricName: "loss", StartTime: end, EndTime: start, Period: 60, Statistics: ["Sum"] }))
      .catch((e: unknown) => e);
    expect(bad).toBeInstanceOf(InvalidParameterValueException);
    expect((bad as Error).message).toBe("The parameter StartTime must be less than the parameter EndTime.");
  });

  const PYTHON = "python3";
  for (const protocol of ["default", "smithy-rpc-v2-cbor", "json", "query"]) {
    it(`boto3 (${protocol === "default" ? "the protocol this botocore picks" : `forced to ${protocol}`}): the same values`, async () => {
      const r = await h.runClient(PYTHON, [join(import.meta.dirname, "cloudwatch_client.py"), h.server.endpoint, JOB, protocol, String(start.getTime() / 1000), String(end.getTime() / 1000)]);
      expect(r.code, r.stderr).toBe(0);
      const out = JSON.parse(r.stdout);
      // botocore picks the first of its PRIORITY_ORDERED_SUPPORTED_PROTOCOLS that the model lists.
      const picked = out.botocore.priority.find((p: string) => ["smithy-rpc-v2-cbor", "json", "query"].includes(p));
      const wire: Record<string, string> = { "smithy-rpc-v2-cbor": "rpcv2Cbor", json: "awsJson1_0", query: "awsQuery" };
      expect(out.protocol).toBe(wire[protocol === "default" ? picked : protocol]);
      expect(out.listed).toEqual(expect.arrayContaining([`loss ${JOB}/algo-1`, `CPUUtilization ${JOB}/algo-1`]));
      expect(out.byJob).toEqual([[{ Name: "TrainingJobName", Value: JOB }]]);
      expect(out.host1).toEqual([{ ...ALL, Unit: "None" }]);
      if (TWO_HOSTS) expect(out.host2).toEqual([{ ...HOST2, Unit: "None" }]);
      expect(out.job[0].Average).toBeCloseTo(JOB_STATS.Average, 12);
      expect(out.percentiles).toEqual([{ ExtendedStatistics: { p50: 2, p100: 4 }, Unit: "None" }]);
      expect(out.data[0]).toMatchObject({ Id: "a", Label: "loss", Values: [1, 2, 3, 4], StatusCode: "Complete" });
      if (TWO_HOSTS) expect(out.data[1]).toMatchObject({ Id: "b", Values: [10, 20] });
      expect(out.pages).toEqual([[4, 3, 2], [1]]);
      expect(out.badPeriod).toEqual({ code: "InvalidParameterValue", message: "The parameter Period must be a multiple of 60.", class: "InvalidParameterValueException" });
      expect(out.noStatistics).toEqual({ code: "InvalidParameterCombination", message: "Must specify either Statistics or ExtendedStatistics.", class: "InvalidParameterCombinationException" });
      expect(out.expression.code).toBe("InvalidParameterValue");
      expect(out.expression.message).toContain("metric math and Metrics Insights queries are not supported by optml");
    }, 60_000);
  }

  describe.skipIf(!existsSync(AWS))(`the AWS CLI (${AWS}: the query protocol)`, () => {
    const aws = (...args: string[]) => h.runClient(AWS, ["cloudwatch", ...args, "--endpoint-url", h.server.endpoint, "--output", "json"]);
    it("list-metrics, get-metric-statistics, get-metric-data and an error, in the CLI's words", async () => {
      const listed = await aws("list-metrics", "--namespace", NS, "--metric-name", "loss", "--dimensions", `Name=Host,Value=${JOB}/algo-1`);
      expect(listed.stderr).toBe("");
      expect(JSON.parse(listed.stdout).Metrics).toEqual([{ Namespace: NS, MetricName: "loss", Dimensions: host(1) }]);

      const times = ["--start-time", start.toISOString(), "--end-time", end.toISOString()];
      const stats = await aws(
        "get-metric-statistics", "--namespace", NS, "--metric-name", "loss", "--dimensions", `Name=Host,Value=${JOB}/algo-1`,
        ...times, "--period", "86400", "--statistics", "SampleCount", "Sum", "Average", "Minimum", "Maximum",
      );
      expect(stats.stderr).toBe("");
      const points = JSON.parse(stats.stdout);
      expect(points.Label).toBe("loss");
      expect(points.Datapoints.map(({ Timestamp, ...rest }: { Timestamp: string }) => rest)).toEqual([{ ...ALL, Unit: "None" }]);

      const queries = JSON.stringify([{ Id: "a", MetricStat: { Metric: { Namespace: NS, MetricName: "loss", Dimensions: host(1) }, Period: 1, Stat: "Sum" } }]);
      const data = await aws("get-metric-data", "--metric-data-queries", queries, ...times, "--scan-by", "TimestampAscending");
      expect(data.stderr).toBe("");
      expect(JSON.parse(data.stdout).MetricDataResults[0]).toMatchObject({ Id: "a", Label: "loss", Values: [1, 2, 3, 4], StatusCode: "Complete" });

      const bad = await aws("get-metric-statistics", "--namespace", NS, "--metric-name", "loss", ...times, "--period", "7", "--statistics", "Sum");
      expect(bad.code).not.toBe(0);
      expect(bad.stderr).toContain("An error occurred (InvalidParameterValue) when calling the GetMetricStatistics operation: The parameter Period must be a multiple of 60.");
    }, 60_000);
  });

  const sdkWanted = process.env.OPTML_TEST_SAGEMAKER_SDK === "1";
  const sdkPython = process.env.OPTML_SAGEMAKER_PYTHON ?? "python3";
  describe.skipIf(!sdkWanted)("the SageMaker Python SDK's TrainingJobAnalytics (OPTML_TEST_SAGEMAKER_SDK=1, OPTML_SAGEMAKER_PYTHON)", () => {
    it("gives the job's metric as a dataframe", async () => {
      const script = `
import boto3, json, sagemaker, sys
from sagemaker.analytics import TrainingJobAnalytics
boto = boto3.Session(region_name="us-east-1")
session = sagemaker.Session(boto_session=boto, sagemaker_client=boto.client("sagemaker", endpoint_url=sys.argv[1]))
session.boto_session = boto
df = TrainingJobAnalytics(sys.argv[2], metric_names=["loss"], sagemaker_session=session, period=86400).dataframe()
print(json.dumps({"names": sorted(set(df["metric_name"])), "values": sorted(df["value"].tolist())}))
`;
      const r = await h.runClient(sdkPython, ["-c", script, h.server.endpoint, JOB], { AWS_ENDPOINT_URL_CLOUDWATCH: h.server.endpoint, SAGEMAKER_SUPPRESS_V2_WARNING: "1" });
      expect(r.code, `${r.stderr}\n(the SageMaker Python SDK v2 with pandas must import in OPTML_SAGEMAKER_PYTHON: python/README.md, "Testing with the real SDK")`).toBe(0);
      const out = JSON.parse(r.stdout.trim().split("\n").at(-1)!);
      expect(out.names).toEqual(["loss"]);
      // One period over the whole job: the Average of every host's samples (TrainingJobName).
      expect(out.values).toHaveLength(1);
      expect(out.values[0]).toBeCloseTo(JOB_STATS.Average, 12);
    }, 120_000);
  });
});
