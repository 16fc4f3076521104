/** The dashboard's JSON API (dashboard/routes.ts on the server), same origin. */
export const API = "/_optml/api";

export interface Series {
  t: number[];
  v: number[];
  /** Each point's sample number in the full series. */
  i: number[];
}

export interface JobSummary {
  name: string;
  status: string;
  secondaryStatus: string;
  failureReason: string | null;
  creationTime: number;
  trainingStartTime: number | null;
  trainingEndTime: number | null;
  lastModifiedTime: number;
  instanceType: string | null;
  instanceCount: number | null;
  tuningJob: string | null;
  finalMetrics: Record<string, number>;
}

export interface Transition {
  status: string;
  startTime: number;
  endTime: number | null;
  message: string;
}

export interface JobDetail extends JobSummary {
  arn: string;
  modelArtifacts: string | null;
  warnings: string[];
  trainingImage: string | null;
  metricDefinitions: { Name: string; Regex: string }[];
  hyperParameters: Record<string, string>;
  inputDataConfig: { ChannelName?: string; DataSource?: { S3DataSource?: { S3Uri?: string; S3DataType?: string } }; InputMode?: string; ContentType?: string }[];
  outputDataConfig: { S3OutputPath?: string } | null;
  stoppingCondition: unknown;
  transitions: Transition[];
  streams: { host: string; name: string; lines: number; lastEventTime: number | null }[];
}

export interface Artifacts {
  location: string | null;
  files: { path: string; bytes: number }[];
}

export interface MetricSeries extends Series {
  name: string;
  host: string | null;
  count: number;
}

export interface HostUtilization {
  host: string;
  count: number;
  figures: Record<string, Series>;
}

export interface LogWindow {
  host: string;
  total: number;
  from: number;
  lines: [number, number, string][];
}

export interface TuningDetail {
  name: string;
  status: string;
  failureReason: string | null;
  creationTime: number;
  endTime: number | null;
  strategy: string | null;
  objective: { type: string | null; metricName: string | null };
  trials: (JobSummary & { seq: number | null; tuned: Record<string, string>; objective: number | null })[];
}

export class ApiFailure extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export async function get<T>(path: string, signal?: AbortSignal): Promise<T> {
  const res = await fetch(`${API}${path}`, { credentials: "same-origin", ...(signal ? { signal } : {}) });
  if (!res.ok) {
    const body = (await res.json().catch(() => ({}))) as { message?: string };
    throw new ApiFailure(res.status, body.message ?? `HTTP ${res.status}`);
  }
  return (await res.json()) as T;
}

export async function post<T>(path: string): Promise<T> {
  const res = await fetch(`${API}${path}`, { method: "POST", credentials: "same-origin", headers: { "X-Optml-Dashboard": "1" } });
  const body = (await res.json().catch(() => ({}))) as { message?: string };
  if (!res.ok) throw new ApiFailure(res.status, body.message ?? `HTTP ${res.status}`);
  return body as T;
}

export const job = (name: string) => `/jobs/${encodeURIComponent(name)}`;
