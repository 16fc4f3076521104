#!/usr/bin/env node
/**
 * CloudWatch metrics (issue 17) over a big job: 100,000 samples of one metric on one host (one a
 * second), asked for through the JS SDK v3 (@aws-sdk/client-cloudwatch) on a control plane's
 * protocol layer: GetMetricData of every sample (Period 1, in pages of the default 100,800
 * datapoints), GetMetricStatistics over an hour's buckets (Period 3600: 28 datapoints, all five
 * statistics), ListMetrics of the job. Baseline in the same run: the same samples read straight
 * from the store (SQLite, no HTTP, no statistics).
 *
 * Run: npm run build && node bench/cloudwatch-metrics.mjs [--samples 100000] [--reps 5]
 */
import { CloudWatchClient, GetMetricDataCommand, GetMetricStatisticsCommand, ListMetricsCommand } from "@aws-sdk/client-cloudwatch";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { cloudwatchService } from "../packages/server/dist/cloudwatch/handlers.js";
import { createApiServer } from "../packages/server/dist/protocol/server.js";
import { Store } from "../packages/server/dist/store/index.js";

const args = process.argv.slice(2);
const opt = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i < 0 ? fallback : Number(args[i + 1]);
};
const SAMPLES = opt("samples", 100_000);
const REPS = opt("reps", 5);

const dir = mkdtempSync(join(tmpdir(), "optml-bench-cw-"));
const store = Store.open(join(dir, "optml.db"));
const T0 = Math.floor(Date.now() / 1000 / 3600) * 3600 - SAMPLES - 3600; // an hour boundary, all in the past
store.jobs.insert(
  {
    name: "big",
    arn: "arn:aws:sagemaker:us-east-1:000000000000:training-job/big",
    request: { TrainingJobName: "big" },
    status: "Completed",
    secondaryStatus: "Completed",
    failureReason: null,
    creationTime: T0,
    lastModifiedTime: T0,
    trainingStartTime: T0,
    trainingEndTime: T0 + SAMPLES,
    modelArtifacts: null,
    workDir: dir,
    executorState: null,
    stopRequested: null,
    warnings: [],
    python: null,
    tuning: null,
  },
  { status: "Starting", message: "" },
);
const BATCH = 5000;
for (let i = 0; i < SAMPLES; i += BATCH) {
  store.metrics.add(
    "big",
    Array.from({ length: Math.min(BATCH, SAMPLES - i) }, (_, k) => ({ name: "loss", host: "algo-1", value: 1 / (1 + i + k), timestamp: T0 + i + k })),
  );
}

const server = createApiServer({ services: [cloudwatchService({ store })] });
await new Promise((r) => server.listen(0, "127.0.0.1", r));
const endpoint = `http://127.0.0.1:${server.address().port}`;
const cw = new CloudWatchClient({ endpoint, region: "us-east-1", credentials: { accessKeyId: "a", secretAccessKey: "b" }, maxAttempts: 1 });
const NS = "/aws/sagemaker/TrainingJobs";
const dims = [{ Name: "Host", Value: "big/algo-1" }];
const start = new Date(T0 * 1000);
const end = new Date((T0 + SAMPLES) * 1000);

async function time(label, fn) {
  await fn(); // warm
  const ms = [];
  let out;
  for (let r = 0; r < REPS; r++) {
    const t = performance.now();
    out = await fn();
    ms.push(performance.now() - t);
  }
  ms.sort((a, b) => a - b);
  return { label, median: ms[Math.floor(ms.length / 2)], out };
}

const baseline = await time("store read (baseline)", async () => store.metrics.valuesBetween("big", "algo-1", "loss", T0, T0 + SAMPLES).length);
const data = await time("GetMetricData, Period 1, every sample", async () => {
  let n = 0;
  let NextToken;
  do {
    const r = await cw.send(
      new GetMetricDataCommand({
        MetricDataQueries: [{ Id: "a", MetricStat: { Metric: { Namespace: NS, MetricName: "loss", Dimensions: dims }, Period: 1, Stat: "Average" } }],
        StartTime: start,
        EndTime: end,
        NextToken,
      }),
    );
    n += r.MetricDataResults.reduce((s, x) => s + x.Values.length, 0);
    NextToken = r.NextToken;
  } while (NextToken);
  return n;
});
const stats = await time("GetMetricStatistics, Period 3600, 5 statistics", async () => {
  const r = await cw.send(
    new GetMetricStatisticsCommand({ Namespace: NS, MetricName: "loss", Dimensions: dims, StartTime: start, EndTime: end, Period: 3600, Statistics: ["SampleCount", "Average", "Sum", "Minimum", "Maximum"] }),
  );
  return r.Datapoints.reduce((s, d) => s + d.SampleCount, 0);
});
const list = await time("ListMetrics", async () => (await cw.send(new ListMetricsCommand({ Namespace: NS }))).Metrics.length);

console.log(`${SAMPLES} samples of one metric on one host; median of ${REPS} runs each`);
for (const r of [baseline, data, stats, list]) {
  const ratio = r === baseline ? "" : `  (${(r.median / baseline.median).toFixed(1)}x the store read)`;
  console.log(`${r.label.padEnd(50)} ${r.median.toFixed(1).padStart(8)} ms  -> ${r.out}${ratio}`);
}
cw.destroy();
await new Promise((r) => server.close(r));
store.close();
rmSync(dir, { recursive: true, force: true });
