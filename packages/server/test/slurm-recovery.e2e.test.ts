/**
 * The Slurm executor across control plane restarts, on a real Slurm cluster: `optml serve
 * --executor slurm` killed with SIGKILL while a job runs reattaches to it by its stored Slurm job
 * id and loses no log line; one killed while the job waits in Slurm's queue takes the same Slurm
 * job back (it does not submit another); a Slurm job cancelled outside optml, or one that Slurm
 * forgot, fails the training job with a reason that says so.
 */
import { CloudWatchLogsClient, DescribeLogStreamsCommand, GetLogEventsCommand } from "@aws-sdk/client-cloudwatch-logs";
import { CreateTrainingJobCommand, DescribeTrainingJobCommand, SageMakerClient, type DescribeTrainingJobCommandOutput } from "@aws-sdk/client-sagemaker";
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSlurmCluster, type SlurmCluster } from "../../../test-support/slurm-cluster.js";
import { credentials } from "./harness.js";
import { scriptModeRequest } from "./requests.js";

const CLI = join(import.meta.dirname, "../../cli/bin/optml.js");
const root = mkdtempSync(join(tmpdir(), "optml-slurm-recovery-"));
const servers: ChildProcess[] = [];
let cluster: SlurmCluster;

beforeAll(async () => {
  cluster = await startSlurmCluster({ nodes: 2 });
}, 60_000);

afterAll(async () => {
  for (const s of servers) if (s.exitCode === null) s.kill("SIGKILL");
  await cluster?.stop();
  rmSync(root, { recursive: true, force: true });
}, 60_000);

const slurmEnv = () => ({ ...process.env, ...cluster.env });

async function serve(home: string): Promise<{ proc: ChildProcess; endpoint: string; stderr: string[] }> {
  const args = ["serve", "--port", "0", "--home", home, "--stop-grace-seconds", "5", "--executor", "slurm", "--slurm-partition", cluster.partition];
  const proc = spawn(process.execPath, [CLI, ...args], {
    stdio: ["ignore", "pipe", "pipe"],
    env: slurmEnv(),
  });
  servers.push(proc);
  const stderr: string[] = [];
  createInterface({ input: proc.stderr! }).on("line", (l) => stderr.push(l));
  const endpoint = await new Promise<string>((resolve, reject) => {
    createInterface({ input: proc.stdout! }).once("line", resolve);
    proc.once("exit", (code) => reject(new Error(`optml serve exited with ${code}: ${stderr.join("\n")}`)));
  });
  return { proc, endpoint, stderr };
}

async function killServer(proc: ChildProcess): Promise<void> {
  proc.kill("SIGKILL");
  if (proc.exitCode === null) await new Promise((r) => proc.once("exit", r));
}

function clients(endpoint: string) {
  const config = { endpoint, region: "us-east-1", credentials, maxAttempts: 1 };
  return { sm: new SageMakerClient(config), logs: new CloudWatchLogsClient(config) };
}

async function until<T>(what: string, fn: () => Promise<T> | T, ok: (v: T) => boolean, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (ok(v)) return v;
    if (Date.now() > deadline) throw new Error(`${what}: timed out; last value ${JSON.stringify(v)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function code(name: string, program: string): string {
  const d = join(root, name);
  mkdirSync(d, { recursive: true });
  writeFileSync(join(d, "train.py"), program);
  return d;
}

function describeJob(sm: SageMakerClient, name: string): Promise<DescribeTrainingJobCommandOutput> {
  return sm.send(new DescribeTrainingJobCommand({ TrainingJobName: name }));
}

/** The lines of one host's log stream. */
async function hostLines(logs: CloudWatchLogsClient, job: string, host: string): Promise<string[]> {
  const group = "/aws/sagemaker/TrainingJobs";
  const streams = await logs.send(new DescribeLogStreamsCommand({ logGroupName: group, logStreamNamePrefix: `${job}/${host}-` }));
  const stream = streams.logStreams?.[0]?.logStreamName;
  if (!stream) return [];
  const lines: string[] = [];
  let token: string | undefined;
  for (;;) {
    const page = await logs.send(new GetLogEventsCommand({ logGroupName: group, logStreamName: stream, startFromHead: true, ...(token ? { nextToken: token } : {}) }));
    if (page.events!.length === 0) break;
    lines.push(...page.events!.map((e) => e.message!));
    token = page.nextForwardToken;
  }
  return lines;
}

/** Slurm's jobs by name (squeue), any state it still shows. */
function slurmJobsNamed(name: string): string[] {
  return execFileSync("squeue", ["-h", "-t", "all", "-n", name, "-o", "%i|%T"], { env: slurmEnv(), encoding: "utf8" })
    .split("\n")
    .filter((l) => l !== "");
}

const COUNTER = "import os, time\nfor i in range(40):\n    print(f'line {i}', flush=True)\n    time.sleep(0.1)\n";
const FOREVER = "import time\nprint('started', flush=True)\nwhile True:\n    time.sleep(0.1)\n";

describe("the Slurm executor across restarts", () => {
  it("reattaches to a running 2-node job by its Slurm job id and stores every line of every node once", async () => {
    const home = join(root, "home-a");
    let { proc, endpoint, stderr } = await serve(home);
    expect(stderr.join("\n")).toContain(`Slurm jobs: files under ${join(home, "jobs")}, which every node must see at that path`);
    let { sm, logs } = clients(endpoint);
    const request = scriptModeRequest({ name: "slurm-survivor", codeDir: code("code-a", COUNTER), program: "train.py", outputDir: join(root, "out-a") });
    request.ResourceConfig.InstanceCount = 2;
    await sm.send(new CreateTrainingJobCommand(request as never));
    await until("both hosts print", () => Promise.all([hostLines(logs, "slurm-survivor", "algo-1"), hostLines(logs, "slurm-survivor", "algo-2")]), (l) => l.every((lines) => lines.includes("line 3")));
    await killServer(proc);
    await new Promise((r) => setTimeout(r, 1000)); // the hosts go on printing meanwhile

    ({ proc, endpoint } = await serve(home));
    ({ sm, logs } = clients(endpoint));
    const d = await until("the job ends", () => describeJob(sm, "slurm-survivor"), (v) => v.TrainingJobStatus !== "InProgress");
    expect(d.FailureReason).toBeUndefined();
    expect(d.TrainingJobStatus).toBe("Completed");
    for (const host of ["algo-1", "algo-2"]) {
      const lines = (await hostLines(logs, "slurm-survivor", host)).filter((m) => m.startsWith("line "));
      expect(lines).toEqual(Array.from({ length: 40 }, (_, i) => `line ${i}`));
    }
    expect(slurmJobsNamed("slurm-survivor")).toHaveLength(1);
    await until("the queue empties", () => cluster.queued(), (q) => q.length === 0, 30_000);
    sm.destroy();
    logs.destroy();
    proc.kill("SIGTERM");
  }, 150_000);

  it("takes back the Slurm job of a training job that waited in the queue, instead of submitting another", async () => {
    const home = join(root, "home-b");
    const blocker = execFileSync("sbatch", ["--parsable", "-N2", "--exclusive", "--wrap", "sleep 120"], { env: slurmEnv(), encoding: "utf8" }).trim();
    let { proc, endpoint } = await serve(home);
    let { sm } = clients(endpoint);
    try {
      await sm.send(new CreateTrainingJobCommand(scriptModeRequest({ name: "slurm-patient", codeDir: code("code-b", "print('ran', flush=True)\n"), program: "train.py", outputDir: join(root, "out-b") }) as never));
      await until("it waits in the queue", () => describeJob(sm, "slurm-patient"), (d) => d.SecondaryStatusTransitions?.at(-1)?.StatusMessage?.startsWith("Waiting in the Slurm queue") ?? false);
      const submitted = slurmJobsNamed("slurm-patient");
      expect(submitted).toHaveLength(1);
      await killServer(proc);
      ({ proc, endpoint } = await serve(home));
      ({ sm } = clients(endpoint));
      await until("it waits in the queue again", () => describeJob(sm, "slurm-patient"), (d) => d.SecondaryStatusTransitions?.at(-1)?.StatusMessage?.startsWith("Waiting in the Slurm queue") ?? false);
    } finally {
      execFileSync("scancel", [blocker], { env: slurmEnv() });
    }
    const d = await until("the job ends", () => describeJob(sm, "slurm-patient"), (v) => v.TrainingJobStatus !== "InProgress");
    expect(d.FailureReason).toBeUndefined();
    expect(d.TrainingJobStatus).toBe("Completed");
    expect(slurmJobsNamed("slurm-patient").map((l) => l.split("|")[1])).toEqual(["COMPLETED"]);
    sm.destroy();
    proc.kill("SIGTERM");
  }, 150_000);

  it("fails a job whose Slurm job was cancelled outside optml, naming Slurm's CANCELLED", async () => {
    const home = join(root, "home-c");
    const { proc, endpoint } = await serve(home);
    const { sm, logs } = clients(endpoint);
    await sm.send(new CreateTrainingJobCommand(scriptModeRequest({ name: "slurm-cancelled", codeDir: code("code-c", FOREVER), program: "train.py", outputDir: join(root, "out-c") }) as never));
    await until("it runs", () => hostLines(logs, "slurm-cancelled", "algo-1"), (l) => l.includes("started"));
    const [id] = slurmJobsNamed("slurm-cancelled").map((l) => l.split("|")[0]!);
    execFileSync("scancel", [id!], { env: slurmEnv() });
    const d = await until("the job ends", () => describeJob(sm, "slurm-cancelled"), (v) => v.TrainingJobStatus !== "InProgress");
    expect(d.TrainingJobStatus).toBe("Failed");
    expect(d.FailureReason).toMatch(new RegExp(`^ClientError: Slurm job ${id} was cancelled outside optml \\(Slurm state CANCELLED`));
    await until("the nodes run nothing", () => cluster.leftoverProcesses(), (p) => p.length === 0, 30_000);
    sm.destroy();
    logs.destroy();
    proc.kill("SIGTERM");
  }, 120_000);

  it("fails a job whose Slurm job vanished while no control plane watched it, saying so", async () => {
    const home = join(root, "home-d");
    let { proc, endpoint } = await serve(home);
    let { sm, logs } = clients(endpoint);
    await sm.send(new CreateTrainingJobCommand(scriptModeRequest({ name: "slurm-vanished", codeDir: code("code-d", FOREVER), program: "train.py", outputDir: join(root, "out-d") }) as never));
    await until("it runs", () => hostLines(logs, "slurm-vanished", "algo-1"), (l) => l.includes("started"));
    const [id] = slurmJobsNamed("slurm-vanished").map((l) => l.split("|")[0]!);
    await killServer(proc);
    // The controller starts over with no state: it forgets the job and its nodes end its steps.
    await cluster.restartController({ clean: true });
    ({ proc, endpoint } = await serve(home));
    ({ sm, logs } = clients(endpoint));
    const d = await until("the job ends", () => describeJob(sm, "slurm-vanished"), (v) => v.TrainingJobStatus !== "InProgress", 90_000);
    expect(d.TrainingJobStatus).toBe("Failed");
    expect(d.FailureReason).toBe(
      `InternalServerError: Slurm job ${id} vanished: neither squeue nor sacct knows it (the Slurm controller lost its state, or the job ended longer ago than MinJobAge while no control plane watched it)`,
    );
    await until("the nodes run nothing", () => cluster.leftoverProcesses(), (p) => p.length === 0, 30_000);
    sm.destroy();
    logs.destroy();
    proc.kill("SIGTERM");
  }, 150_000);
});
