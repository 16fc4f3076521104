/**
 * The CloudWatch metrics the store holds, as SageMaker publishes a training job's, all in the
 * namespace `/aws/sagemaker/TrainingJobs`:
 *
 * - each MetricDefinitions metric per host, dimension `Host` = `<job>/algo-N` (the samples of
 *   that host's log), and per job, dimension `TrainingJobName` = `<job>` (the samples of every
 *   host; what the SageMaker Python SDK's TrainingJobAnalytics asks for); unit None;
 * - the instance metrics CPUUtilization, MemoryUtilization, DiskUtilization, GPUUtilization and
 *   GPUMemoryUtilization per host, dimension `Host` (host_utilization); unit Percent.
 *
 * Samples stored before hosts were recorded in a job of several instances (host unknown) are in
 * the job's TrainingJobName series only.
 */
import type { Store, UtilizationFigure } from "../store/index.js";
import { UTILIZATION_FIGURES } from "../store/index.js";
import type { Sample } from "./statistics.js";

export const TRAINING_NAMESPACE = "/aws/sagemaker/TrainingJobs";

export interface Dimension {
  readonly Name: string;
  readonly Value: string;
}

/** One metric: a name with its one dimension. */
export interface MetricRef {
  readonly kind: "algorithm" | "instance";
  readonly job: string;
  readonly name: string;
  /** `algo-N` for a Host metric; undefined for a TrainingJobName one. */
  readonly host: string | undefined;
  /** Epoch seconds of the last sample. */
  readonly last: number;
}

export function dimensionsOf(m: MetricRef): Dimension[] {
  return m.host === undefined ? [{ Name: "TrainingJobName", Value: m.job }] : [{ Name: "Host", Value: `${m.job}/${m.host}` }];
}

export function unitOf(m: Pick<MetricRef, "kind">): "Percent" | "None" {
  return m.kind === "instance" ? "Percent" : "None";
}

/** Every metric, by job, then name, then dimension. */
export function allMetrics(store: Store): MetricRef[] {
  const out: MetricRef[] = [];
  const jobs = new Map<string, { name: string; host: string | null; last: number }[]>();
  for (const s of store.metrics.allSeries()) {
    let list = jobs.get(s.job);
    if (list === undefined) jobs.set(s.job, (list = []));
    list.push(s);
  }
  for (const [job, series] of jobs) {
    const lastByName = new Map<string, number>();
    for (const s of series) {
      lastByName.set(s.name, Math.max(lastByName.get(s.name) ?? -Infinity, s.last));
      if (s.host !== null) out.push({ kind: "algorithm", job, name: s.name, host: s.host, last: s.last });
    }
    for (const [name, last] of lastByName) out.push({ kind: "algorithm", job, name, host: undefined, last });
  }
  for (const h of store.utilization.hosts()) {
    for (const figure of h.figures) out.push({ kind: "instance", job: h.job, name: figure, host: h.host, last: h.last });
  }
  return out.sort((a, b) => cmp(a.job, b.job) || cmp(a.name, b.name) || cmp(a.host ?? "", b.host ?? ""));
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * The metric a request names (namespace, name and its exact dimensions), or undefined when there
 * is none: CloudWatch matches a metric only with all its dimensions.
 */
export function findMetric(namespace: string, name: string, dimensions: readonly Dimension[]): Omit<MetricRef, "last"> | undefined {
  if (namespace !== TRAINING_NAMESPACE || dimensions.length !== 1) return undefined;
  const d = dimensions[0]!;
  const instance = (UTILIZATION_FIGURES as readonly string[]).includes(name);
  if (d.Name === "TrainingJobName") return instance ? undefined : { kind: "algorithm", job: d.Value, name, host: undefined };
  if (d.Name !== "Host") return undefined;
  const slash = d.Value.indexOf("/");
  if (slash <= 0) return undefined;
  return { kind: instance ? "instance" : "algorithm", job: d.Value.slice(0, slash), name, host: d.Value.slice(slash + 1) };
}

/**
 * A metric's samples with timestamp in [start, end), in time order. Values that are not finite
 * (a log's `nan`, `inf`) are left out: CloudWatch holds none (PutMetricData refuses them).
 */
export function samplesOf(store: Store, m: Omit<MetricRef, "last">, start: number, end: number): Sample[] {
  let samples: Sample[];
  if (m.kind === "instance") samples = store.utilization.valuesBetween(m.job, m.host!, m.name as UtilizationFigure, start, end);
  else if (m.host !== undefined) samples = store.metrics.valuesBetween(m.job, m.host, m.name, start, end);
  else {
    samples = store.metrics
      .samples(m.job, m.name, { startTime: start, endTime: end })
      .map((s) => ({ timestamp: s.timestamp, value: s.value }))
      .sort((a, b) => a.timestamp - b.timestamp);
  }
  return samples.filter((s) => Number.isFinite(s.value));
}
