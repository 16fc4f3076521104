/**
 * Tuning jobs across control plane crashes: `optml serve` killed with SIGKILL while a tuning job's
 * trials run, and started again on the same OPTML_HOME. The tuner resumes from the trials it finds
 * and ends with exactly its budget of trials, each seq once, none lost or run twice; a tuning job
 * that was stopping when the control plane died ends Stopped after the restart.
 */
import { CloudWatchLogsClient, DescribeLogStreamsCommand, GetLogEventsCommand } from "@aws-sdk/client-cloudwatch-logs";
import {
  CreateHyperParameterTuningJobCommand,
  DescribeHyperParameterTuningJobCommand,
  DescribeTrainingJobCommand,
  ListTrainingJobsCommand,
  ListTrainingJobsForHyperParameterTuningJobCommand,
  SageMakerClient,
  StopHyperParameterTuningJobCommand,
  type CreateHyperParameterTuningJobCommandInput,
  type DescribeHyperParameterTuningJobCommandOutput,
  type HyperParameterTrainingJobSummary,
} from "@aws-sdk/client-sagemaker";
import { spawn, type ChildProcess } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { afterAll, describe, expect, it } from "vitest";
import { credentials } from "./harness.js";

const CLI = join(import.meta.dirname, "../../cli/bin/optml.js");
const root = mkdtempSync(join(tmpdir(), "optml-tuning-recovery-"));
const servers: ChildProcess[] = [];
afterAll(() => {
  for (const s of servers) if (s.exitCode === null) s.kill("SIGKILL");
  rmSync(root, { recursive: true, force: true });
});

/** Trials stopped by the control plane get this long between SIGTERM and SIGKILL. */
const GRACE_SECONDS = 3;

interface Server {
  readonly proc: ChildProcess;
  readonly sm: SageMakerClient;
  readonly logs: CloudWatchLogsClient;
  readonly stderr: string[];
}

async function serve(home: string): Promise<Server> {
  const proc = spawn(process.execPath, [CLI, "serve", "--port", "0", "--home", home, "--stop-grace-seconds", String(GRACE_SECONDS)], { stdio: ["ignore", "pipe", "pipe"] });
  servers.push(proc);
  const stderr: string[] = [];
  createInterface({ input: proc.stderr! }).on("line", (l) => stderr.push(l));
  const endpoint = await new Promise<string>((resolve, reject) => {
    createInterface({ input: proc.stdout! }).once("line", resolve);
    proc.once("exit", (code) => reject(new Error(`optml serve exited with ${code}: ${stderr.join("\n")}`)));
  });
  const config = { endpoint, region: "us-east-1", credentials, maxAttempts: 1 };
  return { proc, sm: new SageMakerClient(config), logs: new CloudWatchLogsClient(config), stderr };
}

async function kill(server: Server): Promise<void> {
  server.sm.destroy();
  server.logs.destroy();
  server.proc.kill("SIGKILL");
  if (server.proc.exitCode === null) await new Promise((r) => server.proc.once("exit", r));
}

/** SIGTERM, and wait for it to finish its jobs and exit. */
async function shutDown(server: Server): Promise<void> {
  server.sm.destroy();
  server.logs.destroy();
  server.proc.kill("SIGTERM");
  if (server.proc.exitCode === null) await new Promise((r) => server.proc.once("exit", r));
}

async function until<T>(fn: () => Promise<T>, ok: (v: T) => boolean, what: string, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (ok(v)) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last value ${JSON.stringify(v)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function dir(name: string, files: Record<string, string>): string {
  const d = join(root, name);
  mkdirSync(d, { recursive: true });
  for (const [f, text] of Object.entries(files)) writeFileSync(join(d, f), text);
  return d;
}

/**
 * loss = (x - 0.3)^2 + 1/epoch, one epoch every `pause` seconds. With `ignore_sigterm` the
 * program ignores SIGTERM (a slow shutdown: only the grace period's SIGKILL ends it).
 */
const OBJECTIVE = `
import json, os, signal, time
hp = json.loads(os.environ["SM_HPS"])
if str(hp.get("ignore_sigterm")) == "1":
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
print("ready", flush=True)
x = float(hp["x"])
epochs = int(hp.get("epochs", 1))
for e in range(1, epochs + 1):
    time.sleep(float(hp.get("pause", 0)))
    print(f"epoch {e} loss={(x - 0.3) ** 2 + 1.0 / e:.6f}", flush=True)
`;

function tuningRequest(name: string, code: string, limits: { MaxNumberOfTrainingJobs: number; MaxParallelTrainingJobs: number }, statics: Record<string, string>): CreateHyperParameterTuningJobCommandInput {
  return {
    HyperParameterTuningJobName: name,
    HyperParameterTuningJobConfig: {
      Strategy: "Random",
      RandomSeed: 11,
      HyperParameterTuningJobObjective: { Type: "Minimize", MetricName: "loss" },
      ResourceLimits: limits,
      ParameterRanges: { ContinuousParameterRanges: [{ Name: "x", MinValue: "0", MaxValue: "1", ScalingType: "Linear" }] },
    },
    TrainingJobDefinition: {
      StaticHyperParameters: { sagemaker_program: '"objective.py"', sagemaker_submit_directory: JSON.stringify(`file://${code}`), ...statics },
      AlgorithmSpecification: { TrainingImage: "optml/run:local", TrainingInputMode: "File", MetricDefinitions: [{ Name: "loss", Regex: "loss=([0-9.]+)" }] },
      RoleArn: "arn:aws:iam::123456789012:role/SageMakerRole",
      OutputDataConfig: { S3OutputPath: `file://${dir(`out-${name}`, {})}` },
      ResourceConfig: { InstanceType: "ml.m5.large", InstanceCount: 1, VolumeSizeInGB: 1 },
      StoppingCondition: { MaxRuntimeInSeconds: 600 },
    },
  };
}

const describeTuning = (s: Server, name: string) => s.sm.send(new DescribeHyperParameterTuningJobCommand({ HyperParameterTuningJobName: name }));

async function waitForTuning(s: Server, name: string, timeoutMs = 120_000): Promise<DescribeHyperParameterTuningJobCommandOutput> {
  return until(
    () => describeTuning(s, name),
    (d) => !["InProgress", "Stopping"].includes(d.HyperParameterTuningJobStatus!),
    `tuning job ${name} to end`,
    timeoutMs,
  );
}

async function trialsOf(s: Server, name: string): Promise<HyperParameterTrainingJobSummary[]> {
  const all: HyperParameterTrainingJobSummary[] = [];
  let token: string | undefined;
  do {
    const page = await s.sm.send(
      new ListTrainingJobsForHyperParameterTuningJobCommand({ HyperParameterTuningJobName: name, MaxResults: 4, SortBy: "CreationTime", SortOrder: "Ascending", ...(token ? { NextToken: token } : {}) }),
    );
    all.push(...page.TrainingJobSummaries!);
    token = page.NextToken;
  } while (token);
  return all;
}

/** Every training job whose name contains `text`, through ListTrainingJobs. */
async function trainingJobsNamed(s: Server, text: string): Promise<string[]> {
  const names: string[] = [];
  let token: string | undefined;
  do {
    const page = await s.sm.send(new ListTrainingJobsCommand({ NameContains: text, MaxResults: 4, ...(token ? { NextToken: token } : {}) }));
    names.push(...page.TrainingJobSummaries!.map((t) => t.TrainingJobName!));
    token = page.NextToken;
  } while (token);
  return names;
}

/** Whether the training job's program has printed `line` (its log holds it). */
async function printed(s: Server, job: string, line: string): Promise<boolean> {
  const group = "/aws/sagemaker/TrainingJobs";
  const streams = (await s.logs.send(new DescribeLogStreamsCommand({ logGroupName: group, logStreamNamePrefix: `${job}/` }))).logStreams ?? [];
  for (const stream of streams) {
    const events = await s.logs.send(new GetLogEventsCommand({ logGroupName: group, logStreamName: stream.logStreamName!, startFromHead: true }));
    if (events.events!.some((e) => e.message === line)) return true;
  }
  return false;
}

describe("a control plane killed mid-tuning", () => {
  it("resumes the tuning job, which Completes with exactly its budget of trials, each seq once", async () => {
    const home = join(root, "home-resume");
    const code = dir("code-resume", { "objective.py": OBJECTIVE });
    const name = "tune-crash";
    let s = await serve(home);
    await s.sm.send(new CreateHyperParameterTuningJobCommand(tuningRequest(name, code, { MaxNumberOfTrainingJobs: 6, MaxParallelTrainingJobs: 2 }, { epochs: "5", pause: "0.3" })));
    // Mid-tuning: some trials have ended, others run.
    await until(
      () => trialsOf(s, name),
      (ts) => ts.length >= 3 && ts.some((t) => t.TrainingJobStatus === "InProgress"),
      "a third trial while one runs",
    );
    await kill(s);
    await new Promise((r) => setTimeout(r, 500)); // the trials' hosts go on meanwhile

    s = await serve(home);
    const d = await waitForTuning(s, name);
    const trials = await trialsOf(s, name);
    const report = `${trials.map((t) => `${t.TrainingJobName} ${t.TrainingJobStatus} ${t.FailureReason ?? ""}`).join("\n")}\n${s.stderr.join("\n")}`;
    expect(d.FailureReason, report).toBeUndefined();
    expect(d.HyperParameterTuningJobStatus, report).toBe("Completed");
    // Exactly six, seqs 1..6 each once, as SageMaker names them.
    expect(trials.map((t) => t.TrainingJobName!.replace(/-[0-9a-f]{8}$/, "")), report).toEqual([1, 2, 3, 4, 5, 6].map((i) => `${name}-00${i}`));
    for (const t of trials) expect(t.TrainingJobName).toMatch(new RegExp(`^${name}-00[1-6]-[0-9a-f]{8}$`));
    // None lost: each ran to its end with its objective (the ones running at the crash were reattached).
    expect(trials.map((t) => t.TrainingJobStatus), report).toEqual(Array(6).fill("Completed"));
    expect(trials.map((t) => t.ObjectiveStatus)).toEqual(Array(6).fill("Succeeded"));
    expect(d.TrainingJobStatusCounters).toEqual({ Completed: 6, InProgress: 0, RetryableError: 0, NonRetryableError: 0, Stopped: 0 });
    expect(d.ObjectiveStatusCounters).toEqual({ Succeeded: 6, Pending: 0, Failed: 0 });
    // None duplicated: ListTrainingJobs knows exactly these training jobs.
    expect((await trainingJobsNamed(s, name)).sort()).toEqual(trials.map((t) => t.TrainingJobName!).sort());
    // The proposals were six different values (the restarted tuner did not propose one again).
    expect(new Set(trials.map((t) => t.TunedHyperParameters!.x)).size).toBe(6);
    const job = await s.sm.send(new DescribeTrainingJobCommand({ TrainingJobName: trials[5]!.TrainingJobName }));
    expect(job.TuningJobArn).toBe(d.HyperParameterTuningJobArn);
    await shutDown(s);
  }, 180_000);

  it("a tuning job stopping when the control plane died ends Stopped after the restart", async () => {
    const home = join(root, "home-stop");
    const code = dir("code-stop", { "objective.py": OBJECTIVE });
    const name = "tune-crash-stop";
    let s = await serve(home);
    // Trials that take long, and are slow to stop: SIGTERM is ignored, only the grace period's SIGKILL ends them.
    const statics = { epochs: "200", pause: "0.3", ignore_sigterm: "1" };
    await s.sm.send(new CreateHyperParameterTuningJobCommand(tuningRequest(name, code, { MaxNumberOfTrainingJobs: 6, MaxParallelTrainingJobs: 2 }, statics)));
    const running = await until(
      () => trialsOf(s, name),
      (ts) => ts.length === 2 && ts.every((t) => t.TrainingJobStatus === "InProgress"),
      "two trials running",
    );
    // Both programs run, SIGTERM ignored.
    for (const t of running) await until(() => printed(s, t.TrainingJobName!, "ready"), (v) => v, `${t.TrainingJobName} to start`);
    await s.sm.send(new StopHyperParameterTuningJobCommand({ HyperParameterTuningJobName: name }));
    expect((await describeTuning(s, name)).HyperParameterTuningJobStatus).toBe("Stopping");
    for (const t of running) {
      await until(
        () => s.sm.send(new DescribeTrainingJobCommand({ TrainingJobName: t.TrainingJobName })),
        (j) => j.TrainingJobStatus === "Stopping",
        `${t.TrainingJobName} stopping`,
      );
    }
    // Still stopping (the grace period runs): the control plane dies now.
    expect((await describeTuning(s, name)).HyperParameterTuningJobStatus).toBe("Stopping");
    await kill(s);

    s = await serve(home);
    const d = await waitForTuning(s, name, 60_000);
    const trials = await trialsOf(s, name);
    const report = `${trials.map((t) => `${t.TrainingJobName} ${t.TrainingJobStatus} ${t.FailureReason ?? ""}`).join("\n")}\n${s.stderr.join("\n")}`;
    expect(d.HyperParameterTuningJobStatus, report).toBe("Stopped");
    expect(d.FailureReason).toBeUndefined();
    expect(d.HyperParameterTuningEndTime).toBeInstanceOf(Date);
    // The two trials it had, stopped; no new one.
    expect(trials.map((t) => t.TrainingJobName), report).toEqual(running.map((t) => t.TrainingJobName));
    expect(trials.map((t) => t.TrainingJobStatus), report).toEqual(["Stopped", "Stopped"]);
    expect(d.TrainingJobStatusCounters).toEqual({ Completed: 0, InProgress: 0, RetryableError: 0, NonRetryableError: 0, Stopped: 2 });
    expect((await trainingJobsNamed(s, name)).sort()).toEqual(running.map((t) => t.TrainingJobName!).sort());
    await shutDown(s);
  }, 180_000);
});
