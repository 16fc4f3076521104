/**
 * The job lifecycle end to end through the real AWS SDK v3 clients: real Python programs run by
 * @optml/runner under the process executor, logs and metrics through CloudWatch Logs and
 * DescribeTrainingJob, artifacts on disk.
 */
import { DescribeLogStreamsCommand, GetLogEventsCommand } from "@aws-sdk/client-cloudwatch-logs";
import {
  CreateTrainingJobCommand,
  DeleteTrainingJobCommand,
  DescribeTrainingJobCommand,
  StopTrainingJobCommand,
  paginateListTrainingJobs,
} from "@aws-sdk/client-sagemaker";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { scriptModeRequest } from "./requests.js";
import { tarNames } from "./tar-names.js";
import { startHarness, type Harness } from "./harness.js";

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => h?.close());


const TRAIN_PY = `
import argparse, os, sys
p = argparse.ArgumentParser()
p.add_argument("--epochs", type=int)
p.add_argument("--lr", type=float)
a = p.parse_args()
rows = open(os.path.join(os.environ["SM_CHANNEL_TRAIN"], "data.csv")).read().split()
print("rows", len(rows), "job", os.environ["TRAINING_JOB_NAME"], "host", os.environ["SM_CURRENT_HOST"], flush=True)
for e in range(a.epochs):
    print(f"epoch={e} loss={1.0 / (e + 1):.4f} accuracy={0.5 + e / 10:.2f}", flush=True)
print("to stderr", file=sys.stderr, flush=True)
open(os.path.join(os.environ["SM_MODEL_DIR"], "model.txt"), "w").write(f"lr={a.lr}")
os.makedirs(os.path.join(os.environ["SM_OUTPUT_DATA_DIR"], "plots"), exist_ok=True)
open(os.path.join(os.environ["SM_OUTPUT_DATA_DIR"], "plots", "curve.txt"), "w").write("ok")
`;

describe("a job that completes", () => {
  let described: Awaited<ReturnType<Harness["waitForEnd"]>>;
  let out: string;
  const name = "complete-1";

  beforeAll(async () => {
    out = h.output();
    const req = scriptModeRequest({
      name,
      codeDir: h.code({ "train.py": TRAIN_PY }),
      program: "train.py",
      outputDir: out,
      channels: { train: h.data({ "data.csv": "1,2\n3,4\n5,6\n" }) },
      hyperparameters: { epochs: "3", lr: "0.5" },
      metricDefinitions: [
        { Name: "train:loss", Regex: "loss=([0-9.]+)" },
        { Name: "train:accuracy", Regex: "accuracy=([0-9.]+)" },
      ],
    });
    const created = await h.sagemaker.send(new CreateTrainingJobCommand(req as never));
    expect(created.TrainingJobArn).toBe(`arn:aws:sagemaker:us-east-1:000000000000:training-job/${name}`);
    described = await h.waitForEnd(name);
  });

  it("ends Completed after every SecondaryStatus in order, with times", () => {
    expect(described.FailureReason).toBeUndefined();
    expect(described.TrainingJobStatus).toBe("Completed");
    expect(described.SecondaryStatus).toBe("Completed");
    expect(described.SecondaryStatusTransitions!.map((t) => t.Status)).toEqual(["Starting", "Downloading", "Training", "Uploading", "Completed"]);
    for (const t of described.SecondaryStatusTransitions!) {
      expect(t.StartTime).toBeInstanceOf(Date);
      expect(t.EndTime).toBeInstanceOf(Date);
      expect(t.StatusMessage).toBeTruthy();
    }
    expect(described.CreationTime!.getTime()).toBeLessThanOrEqual(described.TrainingStartTime!.getTime());
    expect(described.TrainingStartTime!.getTime()).toBeLessThanOrEqual(described.TrainingEndTime!.getTime());
    expect(described.LastModifiedTime).toBeInstanceOf(Date);
    expect(described.TrainingTimeInSeconds).toBeGreaterThanOrEqual(0);
    expect(described.BillableTimeInSeconds).toBe(described.TrainingTimeInSeconds);
  });

  it("echoes the request back", () => {
    expect(described.HyperParameters).toMatchObject({ epochs: "3", lr: "0.5", sagemaker_program: '"train.py"' });
    expect(described.AlgorithmSpecification?.TrainingInputMode).toBe("File");
    expect(described.ResourceConfig).toEqual({ InstanceType: "ml.m5.large", InstanceCount: 1, VolumeSizeInGB: 30 });
    expect(described.ProfilerConfig?.DisableProfiler).toBe(false);
    expect(described.DebugHookConfig?.S3OutputPath).toBe(`file://${out}`);
    expect(described.RoleArn).toBe("arn:aws:iam::123456789012:role/SageMakerRole");
  });

  it("has the last value of each metric", () => {
    const metrics = Object.fromEntries(described.FinalMetricDataList!.map((m) => [m.MetricName, m.Value]));
    expect(metrics).toEqual({ "train:accuracy": 0.7, "train:loss": 0.3333 });
    expect(described.FinalMetricDataList![0]!.Timestamp).toBeInstanceOf(Date);
  });

  it("uploads model.tar.gz and output.tar.gz where ModelArtifacts says", () => {
    const model = join(out, name, "output", "model.tar.gz");
    expect(described.ModelArtifacts?.S3ModelArtifacts).toBe(`file://${model}`);
    expect(tarNames(readFileSync(model))).toEqual(["model.txt"]);
    expect(tarNames(readFileSync(join(out, name, "output", "output.tar.gz")))).toEqual(["plots/", "plots/curve.txt"]);
  });

  it("serves every line through CloudWatch Logs, in order, in one stream named <job>/algo-1-<epoch>", async () => {
    const streams = await h.logs.send(
      new DescribeLogStreamsCommand({ logGroupName: "/aws/sagemaker/TrainingJobs", logStreamNamePrefix: `${name}/`, orderBy: "LogStreamName", limit: 1 }),
    );
    expect(streams.logStreams).toHaveLength(1);
    const stream = streams.logStreams![0]!.logStreamName!;
    expect(stream).toMatch(new RegExp(`^${name}/algo-1-\\d{10}$`));
    const lines: string[] = [];
    let token: string | undefined;
    for (;;) {
      const page = await h.logs.send(
        new GetLogEventsCommand({ logGroupName: "/aws/sagemaker/TrainingJobs", logStreamName: stream, startFromHead: true, ...(token ? { nextToken: token } : {}) }),
      );
      if (page.events!.length === 0) break;
      lines.push(...page.events!.map((e) => e.message!));
      token = page.nextForwardToken;
    }
    // The runner's lines ([optml-train]) and the control plane's ([optml] warning: ...) aside.
    const program = lines.filter((l) => !l.startsWith("[optml-train]") && !l.startsWith("[optml] "));
    expect(program).toEqual([
      `rows 3 job ${name} host algo-1`,
      "epoch=0 loss=1.0000 accuracy=0.50",
      "epoch=1 loss=0.5000 accuracy=0.60",
      "epoch=2 loss=0.3333 accuracy=0.70",
      "to stderr",
    ]);
  });
});

describe("a job whose program fails", () => {
  it("ends Failed with the runner's failure file as an AlgorithmError", async () => {
    const req = scriptModeRequest({
      name: "fails-1",
      codeDir: h.code({ "train.py": "import sys\nprint('about to fail', file=sys.stderr)\nsys.exit(3)\n" }),
      program: "train.py",
      outputDir: h.output(),
    });
    await h.sagemaker.send(new CreateTrainingJobCommand(req as never));
    const d = await h.waitForEnd("fails-1");
    expect(d.TrainingJobStatus).toBe("Failed");
    expect(d.SecondaryStatus).toBe("Failed");
    expect(d.FailureReason).toMatch(/^AlgorithmError: ExecuteUserScriptError:\nExitCode 3\nErrorMessage "[^]*about to fail/);
    expect(d.FailureReason!.length).toBeLessThanOrEqual(1024);
  });

  it("fails in Downloading with a ClientError naming a channel path that does not exist", async () => {
    const req = scriptModeRequest({
      name: "no-data-1",
      codeDir: h.code({ "train.py": "pass\n" }),
      program: "train.py",
      outputDir: h.output(),
      channels: { train: "/nonexistent/optml/data" },
    });
    await h.sagemaker.send(new CreateTrainingJobCommand(req as never));
    const d = await h.waitForEnd("no-data-1");
    expect(d.TrainingJobStatus).toBe("Failed");
    expect(d.FailureReason).toBe(`ClientError: No files found under local path "file:///nonexistent/optml/data" (channel 'train'): it does not exist`);
    expect(d.SecondaryStatusTransitions!.map((t) => t.Status)).toEqual(["Starting", "Downloading", "Failed"]);
  });
});

const SLEEPER = `
import os, signal, sys, time
def on_term(*_):
    print("got SIGTERM, saving", flush=True)
    open(os.path.join(os.environ["SM_MODEL_DIR"], "partial.txt"), "w").write("saved")
    sys.exit(0)
signal.signal(signal.SIGTERM, on_term)
print("started", flush=True)
time.sleep(60)
`;

describe("stopping", () => {
  it("StopTrainingJob: SIGTERM reaches the program, artifacts are uploaded, the job ends Stopped", async () => {
    const out = h.output();
    const req = scriptModeRequest({ name: "stop-1", codeDir: h.code({ "train.py": SLEEPER }), program: "train.py", outputDir: out });
    await h.sagemaker.send(new CreateTrainingJobCommand(req as never));
    for (;;) {
      const d = await h.sagemaker.send(new DescribeTrainingJobCommand({ TrainingJobName: "stop-1" }));
      if (d.SecondaryStatus === "Training") break;
      await new Promise((r) => setTimeout(r, 50));
    }
    await new Promise((r) => setTimeout(r, 1500)); // let the program install its handler
    await h.sagemaker.send(new StopTrainingJobCommand({ TrainingJobName: "stop-1" }));
    const d = await h.waitForEnd("stop-1");
    expect(d.TrainingJobStatus).toBe("Stopped");
    expect(d.SecondaryStatus).toBe("Stopped");
    expect(d.SecondaryStatusTransitions!.map((t) => t.Status)).toEqual(["Starting", "Downloading", "Training", "Stopping", "Uploading", "Stopped"]);
    expect(tarNames(readFileSync(join(out, "stop-1", "output", "model.tar.gz")))).toEqual(["partial.txt"]);
    await expect(h.sagemaker.send(new StopTrainingJobCommand({ TrainingJobName: "stop-1" }))).rejects.toThrow(
      "The request was rejected because the training job is in status Stopped.",
    );
  });

  it("a stop sent as the host starts reaches train (not lost in the shell that sets up the host's scene)", async () => {
    const req = scriptModeRequest({ name: "stop-early", codeDir: h.code({ "train.py": SLEEPER }), program: "train.py", outputDir: h.output() });
    await h.sagemaker.send(new CreateTrainingJobCommand(req as never));
    // Stop the moment the job says Training: its host is being launched, train not yet handling signals.
    for (;;) {
      const d = await h.sagemaker.send(new DescribeTrainingJobCommand({ TrainingJobName: "stop-early" }));
      if (d.SecondaryStatus === "Training") break;
      await new Promise((r) => setTimeout(r, 5));
    }
    await h.sagemaker.send(new StopTrainingJobCommand({ TrainingJobName: "stop-early" }));
    const d = await h.waitForEnd("stop-early");
    expect(d.TrainingJobStatus).toBe("Stopped");
    // train stopped as asked (before the program, or the program on SIGTERM), rather than being
    // SIGKILLed at the end of the grace period, which leaves no failure file.
    const { workDir } = h.server.controlPlane.view("stop-early").record;
    expect(readFileSync(join(workDir, "algo-1", "output", "failure"), "utf8")).toMatch(/^Stopped:\nSignal SIGTERM\n/);
  });

  it("MaxRuntimeInSeconds stops the job with SecondaryStatus MaxRuntimeExceeded", async () => {
    const req = scriptModeRequest({
      name: "maxrt-1",
      codeDir: h.code({ "train.py": "import time\nprint('running', flush=True)\ntime.sleep(60)\n" }),
      program: "train.py",
      outputDir: h.output(),
      maxRuntimeSeconds: 2,
    });
    await h.sagemaker.send(new CreateTrainingJobCommand(req as never));
    const d = await h.waitForEnd("maxrt-1");
    expect(d.TrainingJobStatus).toBe("Stopped");
    expect(d.SecondaryStatus).toBe("MaxRuntimeExceeded");
  });
});

describe("API errors and listing", () => {
  it("answers as SageMaker does for duplicates, unknown jobs and deletes", async () => {
    const req = scriptModeRequest({ name: "dup-1", codeDir: h.code({ "train.py": "pass\n" }), program: "train.py", outputDir: h.output() });
    await h.sagemaker.send(new CreateTrainingJobCommand(req as never));
    const dup = h.sagemaker.send(new CreateTrainingJobCommand(req as never));
    await expect(dup).rejects.toMatchObject({ name: "ResourceInUse" });
    await expect(dup).rejects.toThrow(/a training job with this name already exists \(arn:aws:sagemaker:us-east-1:000000000000:training-job\/dup-1\)/);
    await expect(h.sagemaker.send(new DescribeTrainingJobCommand({ TrainingJobName: "nope" }))).rejects.toMatchObject({
      name: "ValidationException",
      message: "Requested resource not found.",
    });
    await h.waitForEnd("dup-1");
    await h.sagemaker.send(new DeleteTrainingJobCommand({ TrainingJobName: "dup-1" }));
    await expect(h.sagemaker.send(new DescribeTrainingJobCommand({ TrainingJobName: "dup-1" }))).rejects.toThrow("Requested resource not found.");
  });

  it("lists with filters, sorting and pagination through the SDK paginator", async () => {
    const names: string[] = [];
    for (const status of [undefined, "Completed", "Failed"] as const) {
      const seen: string[] = [];
      for await (const page of paginateListTrainingJobs({ client: h.sagemaker, pageSize: 2 }, { SortBy: "Name", SortOrder: "Ascending", ...(status ? { StatusEquals: status } : {}) })) {
        seen.push(...page.TrainingJobSummaries!.map((s) => s.TrainingJobName!));
      }
      if (!status) names.push(...seen);
      expect([...seen].sort()).toEqual(seen);
    }
    expect(names).toContain("complete-1");
    expect(names).toContain("fails-1");
  });
});

describe("capacity", () => {
  it("queues jobs beyond capacity and finishes all of 50 created at once", async () => {
    const code = h.code({ "train.py": "print('hi', flush=True)\n" });
    const out = h.output();
    const names = Array.from({ length: 50 }, (_, i) => `burst-${i}`);
    await Promise.all(
      names.map((name) => h.sagemaker.send(new CreateTrainingJobCommand(scriptModeRequest({ name, codeDir: code, program: "train.py", outputDir: out }) as never))),
    );
    const ends = await Promise.all(names.map((name) => h.waitForEnd(name, 180_000)));
    expect(ends.map((d) => d.TrainingJobStatus)).toEqual(names.map(() => "Completed"));
    expect(ends.some((d) => d.SecondaryStatusTransitions!.some((t) => t.Status === "Pending"))).toBe(true);
    expect(names.every((n) => existsSync(join(out, n, "output", "model.tar.gz")))).toBe(true);
  }, 240_000);
});

describe.skipIf(process.getuid?.() !== 0)("local channels (root)", () => {
  it("are read-only for the job and never modified", async () => {
    const data = h.data({ "a.csv": "original\n" });
    const program = `
import os
p = os.path.join(os.environ["SM_CHANNEL_TRAIN"], "a.csv")
print("reads", open(p).read().strip(), flush=True)
try:
    open(p, "w").write("changed")
    print("wrote into the channel", flush=True)
except OSError as e:
    print("refused:", e.strerror, flush=True)
`;
    const req = scriptModeRequest({ name: "ro-channel", codeDir: h.code({ "train.py": program }), program: "train.py", outputDir: h.output(), channels: { train: data } });
    await h.sagemaker.send(new CreateTrainingJobCommand(req as never));
    expect((await h.waitForEnd("ro-channel")).TrainingJobStatus).toBe("Completed");
    const s = h.server.controlPlane.store.logs.streamsOfJob("ro-channel")[0]!;
    const lines = h.server.controlPlane.store.logs.events(s.id, { fromSeq: 0, toSeq: 1e9, limit: 100 }).map((e) => e.message);
    expect(lines).toContain("reads original");
    expect(lines).toContain("refused: Read-only file system");
    expect(readFileSync(join(data, "a.csv"), "utf8")).toBe("original\n");
  });
});
