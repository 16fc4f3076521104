/**
 * What the dashboard's JSON API answers, read from the store: plain objects, times in epoch
 * seconds. Pure reads; the routes (routes.ts) turn them into HTTP.
 */
import { existsSync, readdirSync, statSync } from "node:fs";
import { join, relative, sep } from "node:path";
import { fileURLToPath } from "node:url";
import type { ControlPlane } from "../control-plane.js";
import type { JobRecord } from "../store/index.js";
import { downsampleMinMax, type Series } from "./downsample.js";

export interface JobSummaryView {
  readonly name: string;
  readonly status: string;
  readonly secondaryStatus: string;
  readonly failureReason: string | null;
  readonly creationTime: number;
  readonly trainingStartTime: number | null;
  readonly trainingEndTime: number | null;
  readonly lastModifiedTime: number;
  readonly instanceType: string | null;
  readonly instanceCount: number | null;
  readonly tuningJob: string | null;
  readonly finalMetrics: Record<string, number>;
}

interface RequestShape {
  HyperParameters?: Record<string, string>;
  ResourceConfig?: { InstanceType?: string; InstanceCount?: number; InstanceGroups?: { InstanceType?: string; InstanceCount?: number }[] };
  InputDataConfig?: unknown[];
  OutputDataConfig?: { S3OutputPath?: string };
  AlgorithmSpecification?: { TrainingImage?: string; MetricDefinitions?: { Name: string; Regex: string }[] };
  StoppingCondition?: unknown;
  Environment?: Record<string, string>;
}

export function jobSummary(cp: ControlPlane, job: JobRecord): JobSummaryView {
  const request = job.request as RequestShape;
  const rc = request.ResourceConfig ?? {};
  const groups = rc.InstanceGroups ?? [];
  return {
    name: job.name,
    status: job.status,
    secondaryStatus: job.secondaryStatus,
    failureReason: job.failureReason,
    creationTime: job.creationTime,
    trainingStartTime: job.trainingStartTime,
    trainingEndTime: job.trainingEndTime,
    lastModifiedTime: job.lastModifiedTime,
    instanceType: rc.InstanceType ?? groups[0]?.InstanceType ?? null,
    instanceCount: rc.InstanceCount ?? (groups.length ? groups.reduce((n, g) => n + (g.InstanceCount ?? 0), 0) : null),
    tuningJob: job.tuning?.job ?? null,
    finalMetrics: finalMetrics(cp, job.name),
  };
}

export function jobList(cp: ControlPlane, limit = 500): { jobs: JobSummaryView[]; tuningJobs: { name: string; status: string; creationTime: number }[] } {
  const jobs = cp.list({ sortBy: "CreationTime", sortOrder: "Descending", offset: 0, limit }).map((j) => jobSummary(cp, j));
  const tuningJobs = cp
    .listTuningJobs({ sortBy: "CreationTime", sortOrder: "Descending", offset: 0, limit: 100 })
    .map((t) => ({ name: t.name, status: t.status, creationTime: t.creationTime }));
  return { jobs, tuningJobs };
}

export interface ArtifactView {
  /** Path relative to the job's output folder (`<S3OutputPath>/<job>/`). */
  readonly path: string;
  readonly bytes: number;
}

/** The job's output folder on this machine, when its S3OutputPath is a file:// URI. */
export function outputDir(job: JobRecord): string | undefined {
  const uri = (job.request as RequestShape).OutputDataConfig?.S3OutputPath;
  if (!uri?.startsWith("file://")) return undefined;
  try {
    return join(fileURLToPath(uri.replace(/\/*$/, "/")), job.name);
  } catch {
    return undefined;
  }
}

/** The job's output folder on S3, when its S3OutputPath is an s3:// URI. */
export function outputS3(job: JobRecord): { uri: string; bucket: string; prefix: string } | undefined {
  const uri = (job.request as RequestShape).OutputDataConfig?.S3OutputPath;
  if (!uri?.startsWith("s3://")) return undefined;
  const m = /^s3:\/\/([^/]+)\/?(.*)$/.exec(uri);
  if (!m) return undefined;
  const base = m[2]!.replace(/\/+$/, "");
  const prefix = `${base === "" ? "" : `${base}/`}${job.name}/`;
  return { uri: `s3://${m[1]}/${prefix}`, bucket: m[1]!, prefix };
}

/** Files under the job's output folder (model.tar.gz, output.tar.gz, ...), at most `max`. */
export function artifacts(job: JobRecord, max = 200): { location: string | null; files: ArtifactView[] } {
  const uri = (job.request as RequestShape).OutputDataConfig?.S3OutputPath ?? null;
  const dir = outputDir(job);
  const location = uri === null ? null : `${uri.replace(/\/*$/, "")}/${job.name}/`;
  if (dir === undefined || !existsSync(dir)) return { location, files: [] };
  const files: ArtifactView[] = [];
  const walk = (d: string, depth: number): void => {
    if (depth > 6 || files.length >= max) return;
    let entries;
    try {
      entries = readdirSync(d, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name));
    } catch {
      return;
    }
    for (const e of entries) {
      if (files.length >= max) return;
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p, depth + 1);
      else if (e.isFile()) files.push({ path: relative(dir, p).split(sep).join("/"), bytes: statSync(p).size });
    }
  };
  walk(dir, 0);
  return { location, files };
}

export function jobDetail(cp: ControlPlane, name: string) {
  const record = requireJob(cp, name);
  const transitions = cp.store.jobs.transitions(name);
  const request = record.request as RequestShape;
  const hyperParameters = request.HyperParameters ?? {};
  return {
    ...jobSummary(cp, record),
    arn: record.arn,
    modelArtifacts: record.modelArtifacts,
    warnings: record.warnings,
    stopRequested: record.stopRequested,
    trainingImage: request.AlgorithmSpecification?.TrainingImage ?? null,
    metricDefinitions: request.AlgorithmSpecification?.MetricDefinitions ?? [],
    hyperParameters,
    inputDataConfig: request.InputDataConfig ?? [],
    outputDataConfig: request.OutputDataConfig ?? null,
    stoppingCondition: request.StoppingCondition ?? null,
    environment: request.Environment ?? {},
    transitions,
    streams: cp.store.logs.streamsOfJob(name).map((s) => ({ host: s.host, name: s.name, lines: s.eventCount, lastEventTime: s.lastEventTime })),
  };
}

export interface MetricSeriesView extends Series {
  readonly name: string;
  /** The host the samples are of, where the store records it. */
  readonly host: string | null;
  /** How many samples the series has before downsampling. */
  readonly count: number;
}

/**
 * Every metric's samples over time, a series per metric and host (store/metrics.ts), each at most
 * about `2 * points` points. A longer series is downsampled inside SQLite: buckets of consecutive
 * samples (by seq, in the primary key's order), each giving its smallest and largest value with
 * their times, so 100,000 samples never become 100,000 JavaScript objects.
 */
export function metricSeries(cp: ControlPlane, name: string, points: number): MetricSeriesView[] {
  requireJob(cp, name);
  const db = cp.store.db;
  const out: MetricSeriesView[] = [];
  for (const s of cp.store.metrics.series(name)) {
    const where = "FROM metric_samples WHERE job = ? AND name = ? AND host IS ?";
    if (s.count <= points * 2) {
      const rows = db.prepare(`SELECT timestamp, value ${where} ORDER BY seq`).raw().all(name, s.name, s.host) as [number, number][];
      out.push({ name: s.name, host: s.host, count: s.count, t: rows.map((r) => r[0]), v: rows.map((r) => r[1]), i: rows.map((_, k) => k) });
      continue;
    }
    const { lo, hi } = db.prepare(`SELECT MIN(seq) AS lo, MAX(seq) AS hi ${where}`).get(name, s.name, s.host) as { lo: number; hi: number };
    const width = Math.ceil((hi - lo + 1) / points);
    // SQLite gives a lone min()/max()'s bare columns from the row holding that min or max.
    const pick = (agg: "MIN" | "MAX") =>
      db
        .prepare(`SELECT CAST((seq - ?) / ? AS INTEGER) AS b, ${agg}(value) AS v, timestamp AS t, seq, COUNT(*) AS n ${where} GROUP BY b ORDER BY b`)
        .raw()
        .all(lo, width, name, s.name, s.host) as [number, number, number, number, number][];
    const mins = pick("MIN");
    const maxs = pick("MAX");
    const t: number[] = [];
    const v: number[] = [];
    const i: number[] = [];
    let before = 0;
    for (let k = 0; k < mins.length; k++) {
      const [b, minV, minT, minSeq, n] = mins[k]!;
      const [, maxV, maxT, maxSeq] = maxs[k]!;
      // A sample's number: those in earlier buckets, and its place in its own (exact for one host).
      const index = (seq: number) => before + Math.min(n - 1, Math.max(0, seq - lo - b * width));
      const pair: [number, number, number][] = [[minSeq, minT, minV], [maxSeq, maxT, maxV]];
      pair.sort((x, y) => x[0] - y[0]);
      for (const [seq, time, value] of minSeq === maxSeq ? [pair[0]!] : pair) {
        t.push(time);
        v.push(value);
        i.push(index(seq));
      }
      before += n;
    }
    out.push({ name: s.name, host: s.host, count: s.count, t, v, i });
  }
  return out.sort((a, b) => a.name.localeCompare(b.name) || (a.host ?? "").localeCompare(b.host ?? "", "en", { numeric: true }));
}

/** The job's record, or the API's not-found. */
export function requireJob(cp: ControlPlane, name: string): JobRecord {
  const record = cp.store.jobs.get(name);
  if (!record) cp.view(name); // throws ValidationException: Requested resource not found
  return record!;
}

/**
 * Each metric's last value (over all hosts): what FinalMetricDataList holds, read with one
 * aggregate over the job's samples rather than a lookup per sample.
 */
export function finalMetrics(cp: ControlPlane, job: string): Record<string, number> {
  return Object.fromEntries(cp.store.metrics.final(job).map((m) => [m.name, m.value]));
}

const UTILIZATION_FIGURES = ["cpuPercent", "memoryPercent", "diskPercent", "gpuPercent", "gpuMemoryPercent"] as const;

/** Each host's utilisation figures over time, downsampled like the metrics. */
export function utilizationSeries(cp: ControlPlane, name: string, points: number) {
  const { series } = cp.utilization(name);
  const hosts = new Map<string, typeof series>();
  for (const s of series) {
    const list = hosts.get(s.host) ?? [];
    list.push(s);
    hosts.set(s.host, list);
  }
  return [...hosts].map(([host, samples]) => {
    const figures: Record<string, Series> = {};
    for (const figure of UTILIZATION_FIGURES) {
      const present = samples.filter((s) => s[figure] !== null);
      if (present.length === 0) continue;
      figures[figure] = downsampleMinMax(
        present.map((s) => s.timestamp),
        present.map((s) => s[figure] as number),
        points,
      );
    }
    return { host, count: samples.length, figures };
  });
}

export function tuningDetail(cp: ControlPlane, name: string) {
  const view = cp.tuningJobView(name);
  const request = view.record.request as {
    HyperParameterTuningJobConfig?: { HyperParameterTuningJobObjective?: { Type?: string; MetricName?: string }; Strategy?: string };
  };
  const objective = request.HyperParameterTuningJobConfig?.HyperParameterTuningJobObjective ?? {};
  const trials = view.trials.map((t) => {
    const summary = jobSummary(cp, t.job);
    return {
      ...summary,
      seq: t.job.tuning?.seq ?? null,
      tuned: t.job.tuning?.tuned ?? {},
      objective: objective.MetricName !== undefined ? (summary.finalMetrics[objective.MetricName] ?? null) : null,
    };
  });
  return {
    name: view.record.name,
    status: view.record.status,
    failureReason: view.record.failureReason,
    creationTime: view.record.creationTime,
    endTime: view.record.endTime,
    strategy: request.HyperParameterTuningJobConfig?.Strategy ?? null,
    objective: { type: objective.Type ?? null, metricName: objective.MetricName ?? null },
    trials,
  };
}
