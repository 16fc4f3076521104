/**
 * For the dashboard's browser tests and benchmark: Debian's Chromium driven by playwright-core
 * (headless, no sandbox, no network of its own, a fresh profile each time), and a job seeded
 * straight into a control plane's store with as many log lines and metric points as asked.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium, type BrowserContext } from "playwright-core";
import type { ControlPlane } from "../packages/server/src/control-plane.js";

export const CHROMIUM = process.env.OPTML_CHROMIUM ?? "/usr/bin/chromium";
const REPO = resolve(fileURLToPath(new URL(".", import.meta.url)), "..");
export const UI_INDEX = join(REPO, "packages", "server", "dist", "ui", "index.html");
/** Screenshots of the browser tests: a folder git ignores. */
export const ARTIFACTS = join(REPO, "test-artifacts", "dashboard");

/** Why the browser tests cannot run here, or undefined when they can. */
export function browserProblem(): string | undefined {
  if (!existsSync(CHROMIUM)) return `${CHROMIUM} is missing: install Debian's Chromium (apt-get install -y chromium), or point OPTML_CHROMIUM at a Chromium binary`;
  if (!existsSync(UI_INDEX)) return `the dashboard is not built (no ${UI_INDEX}): run 'npm run build'`;
  return undefined;
}

export interface Browser {
  readonly context: BrowserContext;
  close(): Promise<void>;
}

/** Chromium headless with a profile of its own, removed on close. */
export async function launchBrowser(): Promise<Browser> {
  const problem = browserProblem();
  if (problem) throw new Error(problem);
  const profile = mkdtempSync(join(tmpdir(), "optml-chromium-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--no-first-run"],
    viewport: { width: 1400, height: 1000 },
  });
  return {
    context,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

export function screenshotPath(name: string): string {
  mkdirSync(ARTIFACTS, { recursive: true });
  return join(ARTIFACTS, `${name}.png`);
}

/**
 * A Completed job in the store, not run: `lines` log lines on algo-1 (line i is `step i ...`),
 * `points` samples of metric `loss` (and as many of `accuracy`, when `twoMetrics`), one per 0.1 s.
 */
export function seedJob(cp: ControlPlane, name: string, options: { lines: number; points: number; hyperParameters?: Record<string, string>; message?: (i: number) => string }): void {
  const store = cp.store;
  const start = Math.floor(Date.now() / 1000) - 3600;
  const request = {
    TrainingJobName: name,
    AlgorithmSpecification: { TrainingImage: "seeded:latest", TrainingInputMode: "File", MetricDefinitions: [{ Name: "loss", Regex: "loss=([0-9.]+)" }] },
    HyperParameters: options.hyperParameters ?? { lr: "0.1" },
    RoleArn: "arn:aws:iam::123456789012:role/Seeded",
    OutputDataConfig: { S3OutputPath: "file:///nonexistent-optml-seeded" },
    ResourceConfig: { InstanceType: "ml.m5.large", InstanceCount: 1, VolumeSizeInGB: 1 },
    StoppingCondition: { MaxRuntimeInSeconds: 86400 },
  };
  store.jobs.insert(
    {
      name,
      arn: `arn:aws:sagemaker:${cp.settings.region}:${cp.settings.accountId}:training-job/${name.toLowerCase()}`,
      request,
      status: "InProgress",
      secondaryStatus: "Starting",
      failureReason: null,
      creationTime: start,
      lastModifiedTime: start,
      trainingStartTime: null,
      trainingEndTime: null,
      modelArtifacts: null,
      workDir: join(cp.home, "jobs", name),
      executorState: null,
      stopRequested: null,
      warnings: [],
      python: null,
      tuning: null,
    },
    { status: "Starting", message: "Launching requested ML instances" },
  );
  store.jobs.transition(name, "Downloading", "Downloading input data", {}, start + 5);
  store.jobs.transition(name, "Training", "Training image download completed. Training in progress.", { trainingStartTime: start + 10 }, start + 10);
  const stream = store.logs.createStream(name, "algo-1", `${name}/algo-1-${start}`, start * 1000);
  const message = options.message ?? ((i: number) => `step ${i} loss=${(1 / (1 + i / 1000)).toFixed(6)} some more text so that a line is about as long as a real one`);
  const batch = 50_000;
  let current = stream;
  for (let i = 0; i < options.lines; i += batch) {
    const events = [];
    for (let j = i; j < Math.min(options.lines, i + batch); j++) events.push({ timestamp: (start + 10) * 1000 + j, message: message(j) });
    current = store.logs.append(current, events, i + events.length);
  }
  const samples = [];
  for (let i = 0; i < options.points; i++) samples.push({ name: "loss", host: "algo-1", timestamp: start + 10 + i * 0.01, value: 1 / (1 + i / 1000) + 0.05 * Math.sin(i / 7) });
  store.metrics.add(name, samples);
  store.jobs.transition(name, "Completed", "Training job completed", { status: "Completed", trainingEndTime: start + 3000 }, start + 3000);
  store.jobs.closeTransitions(name, start + 3000);
}
