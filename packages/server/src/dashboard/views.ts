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
  const finalMetrics: Record<string, number> = {};
  for (const m of cp.store.metrics.final(job.name)) finalMetrics[m.name] = m.value;
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
    finalMetrics,
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
  const { record, transitions, finalMetrics } = cp.view(name);
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
    finalMetricList: finalMetrics,
    streams: cp.store.logs.streamsOfJob(name).map((s) => ({ host: s.host, name: s.name, lines: s.eventCount, lastEventTime: s.lastEventTime })),
    artifacts: artifacts(record),
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
 * Every metric's samples over time, a series per metric and host (store/metrics.ts), each
 * downsampled to about `2 * points` points. One read in the primary key's order (job, name, seq).
 */
export function metricSeries(cp: ControlPlane, name: string, points: number): MetricSeriesView[] {
  if (!cp.store.jobs.get(name)) cp.view(name); // throws the API's not-found
  const rows = cp.store.db
    .prepare("SELECT name, host, timestamp, value FROM metric_samples WHERE job = ? ORDER BY name, seq")
    .raw()
    .all(name) as [string, string | null, number, number][];
  const out: MetricSeriesView[] = [];
  let i = 0;
  while (i < rows.length) {
    const metric = rows[i]![0];
    const byHost = new Map<string | null, { t: number[]; v: number[] }>();
    for (; i < rows.length && rows[i]![0] === metric; i++) {
      const [, host, t, v] = rows[i]!;
      let s = byHost.get(host);
      if (!s) byHost.set(host, (s = { t: [], v: [] }));
      s.t.push(t);
      s.v.push(v);
    }
    const hosts = [...byHost.keys()].sort((a, b) => (a ?? "").localeCompare(b ?? "", "en", { numeric: true }));
    for (const host of hosts) {
      const s = byHost.get(host)!;
      out.push({ name: metric, host, count: s.t.length, ...downsampleMinMax(s.t, s.v, points) });
    }
  }
  return out;
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
    const metric = t.finalMetrics.find((m) => m.name === objective.MetricName);
    return {
      ...jobSummary(cp, t.job),
      seq: t.job.tuning?.seq ?? null,
      tuned: t.job.tuning?.tuned ?? {},
      objective: metric?.value ?? null,
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
