/**
 * Crash recovery: the control plane process is killed with SIGKILL in the middle of a job and
 * started again on the same OPTML_HOME. A job whose host still runs is reattached and loses no log
 * line; a job whose host died with the control plane is marked Failed with a reason that says so.
 */
import { CreateProcessingJobCommand, CreateTrainingJobCommand, DescribeProcessingJobCommand, DescribeTrainingJobCommand, SageMakerClient } from "@aws-sdk/client-sagemaker";
import { GetLogEventsCommand, CloudWatchLogsClient, DescribeLogStreamsCommand } from "@aws-sdk/client-cloudwatch-logs";
import Database from "better-sqlite3";
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { afterAll, describe, expect, it } from "vitest";
import { credentials } from "./harness.js";
import { scriptModeRequest } from "./requests.js";

const CLI = join(import.meta.dirname, "../../cli/bin/optml.js");
const root = mkdtempSync(join(tmpdir(), "optml-recovery-"));
const servers: ChildProcess[] = [];
afterAll(() => {
  for (const s of servers) if (s.exitCode === null) s.kill("SIGKILL");
  rmSync(root, { recursive: true, force: true });
});

async function serve(home: string): Promise<{ proc: ChildProcess; endpoint: string }> {
  const proc = spawn(process.execPath, [CLI, "serve", "--port", "0", "--home", home, "--stop-grace-seconds", "5"], { stdio: ["ignore", "pipe", "pipe"] });
  servers.push(proc);
  const endpoint = await new Promise<string>((resolve, reject) => {
    createInterface({ input: proc.stdout! }).once("line", resolve);
    proc.once("exit", (code) => reject(new Error(`optml serve exited with ${code}`)));
  });
  return { proc, endpoint };
}

/**
 * SIGKILL a control plane 1.2 s into its job's run, let the job's host go on printing alone for
 * 0.8 s, then start a control plane on the same home.
 */
async function killMidJobAndServeAgain(proc: ChildProcess, home: string): Promise<{ proc: ChildProcess; endpoint: string }> {
  await new Promise((r) => setTimeout(r, 1200));
  proc.kill("SIGKILL");
  await new Promise((r) => proc.once("exit", r));
  await new Promise((r) => setTimeout(r, 800)); // the host goes on printing meanwhile
  return serve(home);
}

function clients(endpoint: string) {
  const config = { endpoint, region: "us-east-1", credentials, maxAttempts: 1 };
  return { sm: new SageMakerClient(config), logs: new CloudWatchLogsClient(config) };
}

async function until<T>(fn: () => Promise<T>, ok: (v: T) => boolean, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (ok(v)) return v;
    if (Date.now() > deadline) throw new Error(`timed out; last value ${JSON.stringify(v)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function dir(name: string, files: Record<string, string>): string {
  const d = join(root, name);
  mkdirSync(d, { recursive: true });
  for (const [f, text] of Object.entries(files)) writeFileSync(join(d, f), text);
  return d;
}

const COUNTER = "import time\nfor i in range(40):\n    print(f'line {i}', flush=True)\n    time.sleep(0.1)\n";

describe("a control plane killed mid-job", () => {
  it("reattaches to a host that is still running and stores every line once", async () => {
    const home = join(root, "home-a");
    let { proc, endpoint } = await serve(home);
    let { sm, logs } = clients(endpoint);
    const name = "survivor";
    await sm.send(new CreateTrainingJobCommand(scriptModeRequest({ name, codeDir: dir("code-a", { "train.py": COUNTER }), program: "train.py", outputDir: join(root, "out-a") }) as never));
    await until(
      () => sm.send(new DescribeTrainingJobCommand({ TrainingJobName: name })),
      (d) => d.SecondaryStatus === "Training",
    );
    ({ proc, endpoint } = await killMidJobAndServeAgain(proc, home));
    ({ sm, logs } = clients(endpoint));
    const d = await until(
      () => sm.send(new DescribeTrainingJobCommand({ TrainingJobName: name })),
      (v) => v.TrainingJobStatus !== "InProgress",
    );
    expect(d.TrainingJobStatus).toBe("Completed");
    const stream = (await logs.send(new DescribeLogStreamsCommand({ logGroupName: "/aws/sagemaker/TrainingJobs", logStreamNamePrefix: `${name}/` }))).logStreams![0]!;
    const events = await logs.send(new GetLogEventsCommand({ logGroupName: "/aws/sagemaker/TrainingJobs", logStreamName: stream.logStreamName!, startFromHead: true }));
    const lines = events.events!.map((e) => e.message!).filter((m) => m.startsWith("line "));
    expect(lines).toEqual(Array.from({ length: 40 }, (_, i) => `line ${i}`));
    sm.destroy();
    logs.destroy();
    proc.kill("SIGTERM");
  });

  it("reattaches to a processing job's host that is still running: every line once, its output uploaded", async () => {
    const home = join(root, "home-p");
    let { proc, endpoint } = await serve(home);
    let { sm, logs } = clients(endpoint);
    const name = "proc-survivor";
    const code = dir("code-p", { "count.py": `${COUNTER}open('/opt/ml/processing/out/done.txt', 'w').write('40 lines')\n` });
    const out = join(root, "out-p");
    await sm.send(
      new CreateProcessingJobCommand({
        ProcessingJobName: name,
        RoleArn: "arn:aws:iam::000000000000:role/R",
        AppSpecification: { ImageUri: "unused:latest", ContainerEntrypoint: ["python3", "/opt/ml/processing/code/count.py"] },
        ProcessingResources: { ClusterConfig: { InstanceCount: 1, InstanceType: "ml.m5.large", VolumeSizeInGB: 1 } },
        ProcessingInputs: [{ InputName: "code", S3Input: { S3Uri: `file://${code}`, LocalPath: "/opt/ml/processing/code", S3DataType: "S3Prefix" } }],
        ProcessingOutputConfig: { Outputs: [{ OutputName: "out", S3Output: { S3Uri: `file://${out}`, LocalPath: "/opt/ml/processing/out", S3UploadMode: "EndOfJob" } }] },
      }),
    );
    await until(
      () => sm.send(new DescribeProcessingJobCommand({ ProcessingJobName: name })),
      (d) => d.ProcessingStartTime !== undefined,
    );
    ({ proc, endpoint } = await killMidJobAndServeAgain(proc, home));
    ({ sm, logs } = clients(endpoint));
    const d = await until(
      () => sm.send(new DescribeProcessingJobCommand({ ProcessingJobName: name })),
      (v) => v.ProcessingJobStatus !== "InProgress",
    );
    expect(d.FailureReason).toBeUndefined();
    expect(d.ProcessingJobStatus).toBe("Completed");
    const group = "/aws/sagemaker/ProcessingJobs";
    const stream = (await logs.send(new DescribeLogStreamsCommand({ logGroupName: group, logStreamNamePrefix: `${name}/` }))).logStreams![0]!;
    const events = await logs.send(new GetLogEventsCommand({ logGroupName: group, logStreamName: stream.logStreamName!, startFromHead: true }));
    expect(events.events!.map((e) => e.message!).filter((m) => m.startsWith("line "))).toEqual(Array.from({ length: 40 }, (_, i) => `line ${i}`));
    expect(readFileSync(join(out, "done.txt"), "utf8")).toBe("40 lines");
    sm.destroy();
    logs.destroy();
    proc.kill("SIGTERM");
  });

  it("marks a job Failed, saying the control plane restarted, when its host died with it", async () => {
    const home = join(root, "home-b");
    let { proc, endpoint } = await serve(home);
    let { sm } = clients(endpoint);
    const name = "casualty";
    await sm.send(
      new CreateTrainingJobCommand(
        scriptModeRequest({ name, codeDir: dir("code-b", { "train.py": "import time\ntime.sleep(60)\n" }), program: "train.py", outputDir: join(root, "out-b") }) as never,
      ),
    );
    await until(
      () => sm.send(new DescribeTrainingJobCommand({ TrainingJobName: name })),
      (d) => d.SecondaryStatus === "Training",
    );
    await new Promise((r) => setTimeout(r, 300));
    proc.kill("SIGKILL");
    await new Promise((r) => proc.once("exit", r));
    // Take the host down too, wrapper included, as a machine reboot would.
    const db = new Database(join(home, "optml.db"), { readonly: true });
    const state = JSON.parse((db.prepare("SELECT executor_state FROM jobs WHERE name = ?").get(name) as { executor_state: string }).executor_state);
    db.close();
    const session = state.hosts[0].state.pid as number;
    for (const pid of readdirSync("/proc").filter((p) => /^\d+$/.test(p))) {
      try {
        const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
        if (Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[3]) === session) process.kill(Number(pid), "SIGKILL");
      } catch {
        // gone
      }
    }
    await new Promise((r) => setTimeout(r, 300));

    ({ proc, endpoint } = await serve(home));
    ({ sm } = clients(endpoint));
    const d = await until(
      () => sm.send(new DescribeTrainingJobCommand({ TrainingJobName: name })),
      (v) => v.TrainingJobStatus !== "InProgress",
    );
    expect(d.TrainingJobStatus).toBe("Failed");
    expect(d.FailureReason).toMatch(/control plane restarted while this job was running/);
    // The program (in a session of its own) outlived its wrapper; its cgroup, where there is one, does not.
    if (state.hosts[0].state.cgroup) {
      await until(
        async () => existsSync(state.hosts[0].state.cgroup.path),
        (present) => !present,
      );
    }
    sm.destroy();
    proc.kill("SIGTERM");
  });
});
