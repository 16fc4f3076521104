/**
 * Processing jobs end to end through the real AWS SDK v3 and moto's S3 on loopback: a Python
 * script run as ContainerEntrypoint + ContainerArguments by the process executor with the real
 * /opt/ml/processing paths, inputs from S3 and file://, outputs in both upload modes, the config
 * files compared field by field with SageMaker's documented examples, logs in
 * /aws/sagemaker/ProcessingJobs, a failing script, a stop, two instances with ShardedByS3Key, and
 * the bad-input messages.
 */
import { DescribeLogGroupsCommand, DescribeLogStreamsCommand, FilterLogEventsCommand, GetLogEventsCommand } from "@aws-sdk/client-cloudwatch-logs";
import {
  AddTagsCommand,
  CreateProcessingJobCommand,
  CreateTrainingJobCommand,
  DeleteProcessingJobCommand,
  DescribeProcessingJobCommand,
  ListProcessingJobsCommand,
  ListTagsCommand,
  StopProcessingJobCommand,
  type CreateProcessingJobCommandInput,
  type DescribeProcessingJobCommandOutput,
} from "@aws-sdk/client-sagemaker";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startS3Server, type S3Server } from "../../../test-support/s3-server.js";
import { startHarness, type Harness } from "./harness.js";
import { scriptModeRequest } from "./requests.js";

let h: Harness;
let s3: S3Server;
let code: string;

const GROUP = "/aws/sagemaker/ProcessingJobs";

/** A Python helper both scripts use: every file under a directory, by relative path, with its text. */
const FILES_PY = `
import os
def files(d):
    out = {}
    for root, _, names in os.walk(d, followlinks=True):
        for n in names:
            p = os.path.join(root, n)
            out[os.path.relpath(p, d)] = open(p).read()
    return out
`;

/** The processing script: reports what it sees, writes its outputs, then does what argv says. */
const PROCESS_PY = `${FILES_PY}
import json, os, sys, time
cfg = json.load(open("/opt/ml/config/processingjobconfig.json"))
res = json.load(open("/opt/ml/config/resourceconfig.json"))
print("CONFIG " + json.dumps(cfg), flush=True)
print("RESOURCE " + json.dumps(res), flush=True)
print("ENV " + json.dumps({k: os.environ.get(k) for k in ["GREETING", "AWS_REGION"]}), flush=True)
inputs = {i["InputName"]: files(i["S3Input"]["LocalPath"]) for i in cfg["ProcessingInputs"] if i["InputName"] != "code"}
print("INPUTS " + json.dumps(inputs, sort_keys=True), flush=True)
host = res["current_host"]
for o in cfg["ProcessingOutputConfig"]["Outputs"]:
    d = o["S3Output"]["LocalPath"]
    os.makedirs(os.path.join(d, "sub"), exist_ok=True)
    open(os.path.join(d, "sub", host + ".txt"), "w").write(o["OutputName"] + " from " + host)
    # SageMaker does not follow links when it uploads outputs.
    if not os.path.lexists(os.path.join(d, "link.txt")):
        os.symlink("/opt/ml/config/resourceconfig.json", os.path.join(d, "link.txt"))
open("/opt/ml/output/message", "w").write("message from " + host)
mode = sys.argv[1] if len(sys.argv) > 1 else "ok"
if mode == "bad-message":
    open("/opt/ml/output/message", "wb").write(b"\\xff\\xfe not text")
if mode == "fail":
    print("failing on purpose", flush=True)
    sys.exit(3)
# fail-on-algo-2 MARKER: algo-1 says it sleeps and touches MARKER (a path both hosts see); algo-2
# waits for it, so that algo-1 is surely running when algo-2 fails.
if mode == "sleep" or (mode == "fail-on-algo-2" and host == "algo-1"):
    print("SLEEPING", flush=True)
    if mode == "fail-on-algo-2":
        open(sys.argv[2], "w").close()
    time.sleep(600)
if mode == "fail-on-algo-2":
    for _ in range(1200):
        if os.path.exists(sys.argv[2]):
            break
        time.sleep(0.1)
    sys.exit(4)
print("DONE", flush=True)
`;

beforeAll(async () => {
  s3 = await startS3Server(["data", "out"]);
  h = await startHarness({ data: { awsEnv: s3.awsEnv, syncIntervalMs: 200 }, executorMode: "process" });
  code = h.code({ "process.py": PROCESS_PY });
  await s3.put("data", { "raw/a.csv": "1,2\n", "raw/part/b.csv": "3,4\n", "shards/1.csv": "one\n", "shards/2.csv": "two\n", "shards/3.csv": "three\n" });
});
afterAll(async () => {
  await h?.close();
  s3?.stop();
});

function request(name: string, over: Partial<CreateProcessingJobCommandInput> & { args?: string[]; count?: number } = {}): CreateProcessingJobCommandInput {
  const { args, count, ...rest } = over;
  return {
    ProcessingJobName: name,
    RoleArn: "arn:aws:iam::000000000000:role/SageMakerRole",
    AppSpecification: {
      ImageUri: "000000000000.dkr.ecr.us-east-1.amazonaws.com/sagemaker-scikit-learn:1.2-1-cpu-py3",
      ContainerEntrypoint: ["python3", "/opt/ml/processing/input/code/process.py"],
      ...(args ? { ContainerArguments: args } : {}),
    },
    ProcessingResources: { ClusterConfig: { InstanceCount: count ?? 1, InstanceType: "ml.m5.xlarge", VolumeSizeInGB: 30 } },
    StoppingCondition: { MaxRuntimeInSeconds: 3600 },
    Environment: { GREETING: "hello" },
    ProcessingInputs: [
      { InputName: "code", S3Input: { S3Uri: `file://${code}`, LocalPath: "/opt/ml/processing/input/code", S3DataType: "S3Prefix", S3InputMode: "File" } },
      { InputName: "raw", S3Input: { S3Uri: "s3://data/raw", LocalPath: "/opt/ml/processing/input/raw", S3DataType: "S3Prefix", S3InputMode: "File" } },
    ],
    ProcessingOutputConfig: {
      Outputs: [
        { OutputName: "train", S3Output: { S3Uri: `s3://out/${name}/train`, LocalPath: "/opt/ml/processing/output/train", S3UploadMode: "EndOfJob" } },
        { OutputName: "report", S3Output: { S3Uri: `file://${h.root}/reports/${name}`, LocalPath: "/opt/ml/processing/report", S3UploadMode: "Continuous" } },
      ],
    },
    ...rest,
  };
}

async function waitForEnd(name: string, timeoutMs = 60_000): Promise<DescribeProcessingJobCommandOutput> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const d = await h.sagemaker.send(new DescribeProcessingJobCommand({ ProcessingJobName: name }));
    if (d.ProcessingJobStatus !== "InProgress" && d.ProcessingJobStatus !== "Stopping") return d;
    if (Date.now() > deadline) throw new Error(`processing job ${name} still ${d.ProcessingJobStatus} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Every line of a processing job's stream of one host, through CloudWatch Logs. */
async function lines(job: string, host = "algo-1"): Promise<string[]> {
  const streams = await h.logs.send(new DescribeLogStreamsCommand({ logGroupName: GROUP, logStreamNamePrefix: `${job}/${host}-` }));
  const stream = streams.logStreams![0]!.logStreamName!;
  const events = await h.logs.send(new GetLogEventsCommand({ logGroupName: GROUP, logStreamName: stream, startFromHead: true }));
  return events.events!.map((e) => e.message!);
}

function printed<T>(all: readonly string[], tag: string): T {
  const line = all.find((l) => l.startsWith(`${tag} `));
  if (!line) throw new Error(`no '${tag}' line in:\n${all.join("\n")}`);
  return JSON.parse(line.slice(tag.length + 1)) as T;
}

describe("a processing job run as processes", () => {
  it("stages S3 and file:// inputs at their LocalPaths, writes SageMaker's config files, uploads outputs in both modes, logs to /aws/sagemaker/ProcessingJobs", async () => {
    const created = await h.sagemaker.send(new CreateProcessingJobCommand({ ...request("proc-ok"), Tags: [{ Key: "stage", Value: "prep" }] }));
    expect(created.ProcessingJobArn).toBe("arn:aws:sagemaker:us-east-1:000000000000:processing-job/proc-ok");
    const d = await waitForEnd("proc-ok");
    expect(d.FailureReason).toBeUndefined();
    expect(d.ProcessingJobStatus).toBe("Completed");
    expect(d.ExitMessage).toBe("message from algo-1");
    expect(d.ProcessingStartTime).toBeInstanceOf(Date);
    expect(d.ProcessingEndTime!.getTime()).toBeGreaterThanOrEqual(d.ProcessingStartTime!.getTime());
    // Describe echoes the request with SageMaker's defaults filled in.
    expect(d.ProcessingInputs![1]!.S3Input).toEqual({
      S3Uri: "s3://data/raw",
      LocalPath: "/opt/ml/processing/input/raw",
      S3DataType: "S3Prefix",
      S3InputMode: "File",
      S3DataDistributionType: "FullyReplicated",
      S3CompressionType: "None",
    });

    const out = await lines("proc-ok");
    expect(out).toContain("DONE");
    expect(printed(out, "INPUTS")).toEqual({ raw: { "a.csv": "1,2\n", "part/b.csv": "3,4\n" } });
    expect(printed(out, "ENV")).toEqual({ GREETING: "hello", AWS_REGION: "us-east-1" });
    // resourceconfig.json as SageMaker's documentation shows it.
    expect(printed(out, "RESOURCE")).toEqual({ current_host: "algo-1", hosts: ["algo-1"] });
    // processingjobconfig.json, field by field as in SageMaker's documented example.
    const config = printed<Record<string, unknown>>(out, "CONFIG");
    expect(Object.keys(config)).toEqual([
      "ProcessingJobArn",
      "ProcessingJobName",
      "AppSpecification",
      "Environment",
      "ProcessingInputs",
      "ProcessingOutputConfig",
      "ProcessingResources",
      "RoleArn",
      "StoppingCondition",
    ]);
    expect(config.ProcessingJobArn).toBe(created.ProcessingJobArn);
    expect(config.ProcessingJobName).toBe("proc-ok");
    expect(config.AppSpecification).toEqual({
      ImageUri: "000000000000.dkr.ecr.us-east-1.amazonaws.com/sagemaker-scikit-learn:1.2-1-cpu-py3",
      ContainerEntrypoint: ["python3", "/opt/ml/processing/input/code/process.py"],
      ContainerArguments: null,
    });
    expect(config.Environment).toEqual({ GREETING: "hello" });
    expect((config.ProcessingInputs as unknown[])[1]).toEqual({
      InputName: "raw",
      S3Input: {
        LocalPath: "/opt/ml/processing/input/raw",
        S3Uri: "s3://data/raw",
        S3DataDistributionType: "FullyReplicated",
        S3DataType: "S3Prefix",
        S3InputMode: "File",
        S3CompressionType: "None",
        S3DownloadMode: "StartOfJob",
      },
    });
    expect(config.ProcessingOutputConfig).toEqual({
      Outputs: [
        { OutputName: "train", S3Output: { LocalPath: "/opt/ml/processing/output/train", S3Uri: "s3://out/proc-ok/train", S3UploadMode: "EndOfJob" } },
        { OutputName: "report", S3Output: { LocalPath: "/opt/ml/processing/report", S3Uri: `file://${h.root}/reports/proc-ok`, S3UploadMode: "Continuous" } },
      ],
      KmsKeyId: null,
    });
    expect(config.ProcessingResources).toEqual({ ClusterConfig: { InstanceCount: 1, InstanceType: "ml.m5.xlarge", VolumeSizeInGB: 30, VolumeKmsKeyId: null } });
    expect(config.RoleArn).toBe("arn:aws:iam::000000000000:role/SageMakerRole");
    expect(config.StoppingCondition).toEqual({ MaxRuntimeInSeconds: 3600 });

    // Outputs: the directory's files under the S3Uri, as they are (no archive).
    expect(await s3.keys("out", "proc-ok/")).toEqual(["proc-ok/train/sub/algo-1.txt"]);
    expect((await s3.get("out", "proc-ok/train/sub/algo-1.txt")).toString()).toBe("train from algo-1");
    expect(readFileSync(join(h.root, "reports/proc-ok/sub/algo-1.txt"), "utf8")).toBe("report from algo-1");

    // The stream is `<job>/algo-1-<epoch>` in the processing group, which is listed once it has streams.
    const streams = await h.logs.send(new DescribeLogStreamsCommand({ logGroupName: GROUP }));
    expect(streams.logStreams!.map((s) => s.logStreamName)).toContainEqual(expect.stringMatching(/^proc-ok\/algo-1-\d+$/));
    const groups = await h.logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: "/aws/sagemaker/" }));
    expect(groups.logGroups!.map((g) => g.logGroupName)).toEqual([GROUP, "/aws/sagemaker/TrainingJobs"]);
    // FilterLogEvents (what `aws logs tail` reads) on the processing group; the training group has none of these lines.
    const filtered = await h.logs.send(new FilterLogEventsCommand({ logGroupName: GROUP, logStreamNamePrefix: "proc-ok/", filterPattern: "DONE" }));
    expect(filtered.events!.map((e) => e.message)).toEqual(["DONE"]);
    const training = await h.logs.send(new FilterLogEventsCommand({ logGroupName: "/aws/sagemaker/TrainingJobs", logStreamNamePrefix: "proc-ok/" }));
    expect(training.events).toEqual([]);

    // Tags by the processing job's ARN: those it was created with, and more.
    await h.sagemaker.send(new AddTagsCommand({ ResourceArn: created.ProcessingJobArn!, Tags: [{ Key: "team", Value: "data" }] }));
    expect((await h.sagemaker.send(new ListTagsCommand({ ResourceArn: created.ProcessingJobArn! }))).Tags).toEqual([
      { Key: "stage", Value: "prep" },
      { Key: "team", Value: "data" },
    ]);
  });

  it("fails a job whose script exits non-zero, as SageMaker reports it, with its outputs and ExitMessage kept", async () => {
    await h.sagemaker.send(new CreateProcessingJobCommand(request("proc-fail", { args: ["fail"] })));
    const d = await waitForEnd("proc-fail");
    expect(d.ProcessingJobStatus).toBe("Failed");
    expect(d.FailureReason).toBe("AlgorithmError: See job logs for more information");
    expect(d.ExitMessage).toBe("message from algo-1");
    expect(await lines("proc-fail")).toContain("failing on purpose");
    expect(await s3.keys("out", "proc-fail/")).toEqual(["proc-fail/train/sub/algo-1.txt"]);
  });

  it("fails a job whose /opt/ml/output/message is not UTF-8 text with a ClientError, as SageMaker does", async () => {
    await h.sagemaker.send(new CreateProcessingJobCommand(request("proc-bad-message", { args: ["bad-message"] })));
    const d = await waitForEnd("proc-bad-message");
    expect(d.ProcessingJobStatus).toBe("Failed");
    expect(d.FailureReason).toBe("ClientError: /opt/ml/output/message of algo-1 is not UTF-8 encoded text: the ExitMessage must be");
    expect(d.ExitMessage).toBeUndefined();
  });

  it("stops a running job (Stopping, then Stopped) and uploads what it wrote", async () => {
    await h.sagemaker.send(new CreateProcessingJobCommand(request("proc-stop", { args: ["sleep"] })));
    for (let i = 0; i < 300 && !(await lines("proc-stop").catch((): string[] => [])).includes("SLEEPING"); i++) await new Promise((r) => setTimeout(r, 100));
    // The Continuous output is uploaded while the job runs; the EndOfJob one waits for the end.
    const continuous = join(h.root, "reports/proc-stop/sub/algo-1.txt");
    for (let i = 0; i < 300 && !existsSync(continuous); i++) await new Promise((r) => setTimeout(r, 100));
    expect(readFileSync(continuous, "utf8")).toBe("report from algo-1");
    expect((await h.sagemaker.send(new DescribeProcessingJobCommand({ ProcessingJobName: "proc-stop" }))).ProcessingJobStatus).toBe("InProgress");
    expect(await s3.keys("out", "proc-stop/")).toEqual([]);
    // A running job cannot be deleted.
    await expect(h.sagemaker.send(new DeleteProcessingJobCommand({ ProcessingJobName: "proc-stop" }))).rejects.toMatchObject({
      name: "ResourceInUse",
      message: "The processing job is in status InProgress: only a processing job that has ended (Completed, Failed or Stopped) can be deleted.",
    });
    await h.sagemaker.send(new StopProcessingJobCommand({ ProcessingJobName: "proc-stop" }));
    const stopping = await h.sagemaker.send(new DescribeProcessingJobCommand({ ProcessingJobName: "proc-stop" }));
    expect(["Stopping", "Stopped"]).toContain(stopping.ProcessingJobStatus);
    const d = await waitForEnd("proc-stop");
    expect(d.ProcessingJobStatus).toBe("Stopped");
    expect(d.FailureReason).toBeUndefined();
    expect(await s3.keys("out", "proc-stop/")).toEqual(["proc-stop/train/sub/algo-1.txt"]);
    expect(existsSync(join(h.root, "reports/proc-stop/sub/algo-1.txt"))).toBe(true);
    // A stopped job cannot be stopped again.
    await expect(h.sagemaker.send(new StopProcessingJobCommand({ ProcessingJobName: "proc-stop" }))).rejects.toMatchObject({
      name: "ValidationException",
      message: "The request was rejected because the processing job is in status Stopped.",
    });
    // An ended job is deleted with its logs; its outputs stay; its name can be used again.
    await h.sagemaker.send(new DeleteProcessingJobCommand({ ProcessingJobName: "proc-stop" }));
    await expect(h.sagemaker.send(new DescribeProcessingJobCommand({ ProcessingJobName: "proc-stop" }))).rejects.toMatchObject({ name: "ResourceNotFound" });
    expect((await h.logs.send(new DescribeLogStreamsCommand({ logGroupName: GROUP, logStreamNamePrefix: "proc-stop/" }))).logStreams).toEqual([]);
    expect(await s3.keys("out", "proc-stop/")).toEqual(["proc-stop/train/sub/algo-1.txt"]);
    await expect(h.sagemaker.send(new DeleteProcessingJobCommand({ ProcessingJobName: "proc-stop" }))).rejects.toMatchObject({ name: "ResourceNotFound" });
  });

  it("runs two instances (algo-1, algo-2) with ShardedByS3Key inputs split between them, both hosts' outputs uploaded", async () => {
    const base = request("proc-two", { count: 2 });
    await h.sagemaker.send(
      new CreateProcessingJobCommand({
        ...base,
        ProcessingInputs: [
          base.ProcessingInputs![0]!,
          {
            InputName: "shards",
            S3Input: { S3Uri: "s3://data/shards/", LocalPath: "/opt/ml/processing/input/shards", S3DataType: "S3Prefix", S3DataDistributionType: "ShardedByS3Key" },
          },
        ],
      }),
    );
    const d = await waitForEnd("proc-two");
    expect(d.FailureReason).toBeUndefined();
    expect(d.ProcessingJobStatus).toBe("Completed");
    const one = await lines("proc-two", "algo-1");
    const two = await lines("proc-two", "algo-2");
    expect(printed(one, "RESOURCE")).toEqual({ current_host: "algo-1", hosts: ["algo-1", "algo-2"] });
    expect(printed(two, "RESOURCE")).toEqual({ current_host: "algo-2", hosts: ["algo-1", "algo-2"] });
    expect(printed(one, "INPUTS")).toEqual({ shards: { "1.csv": "one\n", "3.csv": "three\n" } });
    expect(printed(two, "INPUTS")).toEqual({ shards: { "2.csv": "two\n" } });
    expect(d.ExitMessage).toBe("message from algo-1message from algo-2");
    expect(await s3.keys("out", "proc-two/")).toEqual(["proc-two/train/sub/algo-1.txt", "proc-two/train/sub/algo-2.txt"]);
  });

  it("fails a two-instance job when one host fails, stopping the other; both hosts' outputs uploaded", async () => {
    await h.sagemaker.send(new CreateProcessingJobCommand(request("proc-two-fail", { count: 2, args: ["fail-on-algo-2", join(h.root, "proc-two-fail-algo-1-sleeps")] })));
    const d = await waitForEnd("proc-two-fail");
    expect(d.ProcessingJobStatus).toBe("Failed");
    expect(d.FailureReason).toBe("AlgorithmError: See job logs for more information");
    expect(await lines("proc-two-fail", "algo-1")).toContain("SLEEPING");
    expect(await s3.keys("out", "proc-two-fail/")).toEqual(["proc-two-fail/train/sub/algo-1.txt", "proc-two-fail/train/sub/algo-2.txt"]);
  });
});

describe("the processing API", () => {
  it("lists processing jobs with filters, sort and pages; training and processing job names are separate namespaces", async () => {
    for (const name of ["list-b", "list-a", "list-c"]) {
      await h.sagemaker.send(new CreateProcessingJobCommand(request(name)));
      await waitForEnd(name);
    }
    const byName = await h.sagemaker.send(new ListProcessingJobsCommand({ NameContains: "list-", SortBy: "Name", SortOrder: "Descending", MaxResults: 2 }));
    expect(byName.ProcessingJobSummaries!.map((s) => s.ProcessingJobName)).toEqual(["list-c", "list-b"]);
    const next = await h.sagemaker.send(new ListProcessingJobsCommand({ NameContains: "list-", SortBy: "Name", SortOrder: "Descending", MaxResults: 2, NextToken: byName.NextToken }));
    expect(next.ProcessingJobSummaries!.map((s) => s.ProcessingJobName)).toEqual(["list-a"]);
    expect(next.NextToken).toBeUndefined();
    const summary = next.ProcessingJobSummaries![0]!;
    expect(summary).toMatchObject({ ProcessingJobStatus: "Completed", ProcessingJobArn: "arn:aws:sagemaker:us-east-1:000000000000:processing-job/list-a", ExitMessage: "message from algo-1" });
    const failed = await h.sagemaker.send(new ListProcessingJobsCommand({ StatusEquals: "Failed" }));
    expect(failed.ProcessingJobSummaries!.map((s) => s.ProcessingJobName)).toEqual(["proc-fail", "proc-bad-message", "proc-two-fail"]);

    // A training job may have the name of a processing job; a second processing job may not.
    const training = scriptModeRequest({ name: "list-a", codeDir: code, program: "process.py", outputDir: h.output() });
    await expect(h.sagemaker.send(new CreateTrainingJobCommand(training as never))).resolves.toMatchObject({ TrainingJobArn: expect.stringContaining("training-job/list-a") });
    await h.waitForEnd("list-a");
    await expect(h.sagemaker.send(new CreateProcessingJobCommand(request("list-a")))).rejects.toMatchObject({
      name: "ResourceInUse",
      message: expect.stringContaining("a processing job with this name already exists"),
    });
  });

  it("answers ResourceNotFound for a processing job it does not have", async () => {
    await expect(h.sagemaker.send(new DescribeProcessingJobCommand({ ProcessingJobName: "nope" }))).rejects.toMatchObject({
      name: "ResourceNotFound",
      message: "Could not find processing job 'arn:aws:sagemaker:us-east-1:000000000000:processing-job/nope'.",
    });
    await expect(h.sagemaker.send(new StopProcessingJobCommand({ ProcessingJobName: "nope" }))).rejects.toMatchObject({ name: "ResourceNotFound" });
  });

  it("refuses bad inputs and outputs with a message for each", async () => {
    const base = request("proc-bad");
    const code0 = base.ProcessingInputs![0]!;
    const bad: CreateProcessingJobCommandInput = {
      ...base,
      ProcessingInputs: [
        code0,
        { InputName: "outside", S3Input: { S3Uri: "s3://data/raw", LocalPath: "/tmp/data", S3DataType: "S3Prefix" } },
        { InputName: "code", S3Input: { S3Uri: "s3://data/raw", LocalPath: "/opt/ml/processing/input/code", S3DataType: "S3Prefix" } },
        { InputName: "gz", S3Input: { S3Uri: "s3://data/raw", LocalPath: "/opt/ml/processing/gz", S3DataType: "S3Prefix", S3InputMode: "File", S3CompressionType: "Gzip" } },
        {
          InputName: "athena",
          DatasetDefinition: {
            AthenaDatasetDefinition: { Catalog: "c", Database: "d", QueryString: "select 1", OutputS3Uri: "s3://out/athena", OutputFormat: "PARQUET" },
            LocalPath: "/opt/ml/processing/athena",
          },
        },
      ],
      ProcessingOutputConfig: {
        Outputs: [
          { OutputName: "o", S3Output: { S3Uri: "s3://out/o", LocalPath: "/opt/ml/processing/input/code", S3UploadMode: "EndOfJob" } },
          { OutputName: "o", S3Output: { S3Uri: "s3://out/o", LocalPath: "/opt/ml/model", S3UploadMode: "EndOfJob" } },
        ],
      },
    };
    const error = await h.sagemaker.send(new CreateProcessingJobCommand(bad)).then(
      () => undefined,
      (e: Error) => e,
    );
    expect(error?.name).toBe("ValidationException");
    const message = error!.message;
    for (const expected of [
      "ProcessingInputs has more than one input named 'code': InputName must be unique.",
      "ProcessingOutputConfig.Outputs has more than one output named 'o': OutputName must be unique.",
      "ProcessingInputs[1] ('outside'): S3Input.LocalPath '/tmp/data' must be a path under /opt/ml/processing/.",
      "ProcessingInputs[2] ('code'): S3Input.LocalPath '/opt/ml/processing/input/code' is also the LocalPath of input 'code': each input needs a LocalPath of its own.",
      "ProcessingInputs[3] ('gz'): S3CompressionType Gzip can only be used when S3InputMode is Pipe.",
      "ProcessingInputs[4] ('athena'): DatasetDefinition (an Athena query) cannot be served by optml",
      "ProcessingOutputConfig.Outputs[0] ('o'): S3Output.LocalPath '/opt/ml/processing/input/code' is the LocalPath of input 'code': an output needs a directory of its own.",
      "ProcessingOutputConfig.Outputs[1] ('o'): S3Output.LocalPath '/opt/ml/model' must be a path under /opt/ml/processing/.",
    ]) {
      expect(message).toContain(expected);
    }
    // Without ContainerEntrypoint only the image knows what runs: the process executor refuses, saying so.
    await expect(
      h.sagemaker.send(new CreateProcessingJobCommand({ ...base, AppSpecification: { ImageUri: "some/image:1", ContainerArguments: ["--x"] } })),
    ).rejects.toMatchObject({
      name: "ValidationException",
      message: expect.stringContaining("the process executor runs a processing job's AppSpecification.ContainerEntrypoint (and ContainerArguments) as a command on this machine"),
    });
    // Constraints of the model, in AWS's form.
    await expect(
      h.sagemaker.send(new CreateProcessingJobCommand({ ...base, ProcessingResources: { ClusterConfig: { InstanceCount: 0, InstanceType: "ml.m5.xlarge", VolumeSizeInGB: 30 } } })),
    ).rejects.toMatchObject({
      name: "ValidationException",
      message: expect.stringContaining("Value '0' at 'processingResources.clusterConfig.instanceCount' failed to satisfy constraint: Member must have value greater than or equal to 1"),
    });
  });
});

describe("inputs in every mode, network isolation and the runtime limit", () => {
  const READ_PY = `${FILES_PY}
import gzip, json, os, socket, sys, time
print("MANIFEST " + json.dumps(files("/opt/ml/processing/manifest")), flush=True)
# Pipe mode: the input's FIFO is <LocalPath>_0, each object's bytes in turn (Gzip: decompressed).
print("PIPED " + json.dumps(open("/opt/ml/processing/piped_0").read()), flush=True)
host, port = sys.argv[1], int(sys.argv[2])
try:
    socket.create_connection((host, port), timeout=2).close()
    print("NETWORK reachable", flush=True)
except OSError:
    print("NETWORK unreachable", flush=True)
if sys.argv[3:] == ["sleep"]:
    time.sleep(600)
`;

  function readRequest(name: string, args: string[], over: Partial<CreateProcessingJobCommandInput> = {}): CreateProcessingJobCommandInput {
    const base = request(name);
    return {
      ...base,
      AppSpecification: { ImageUri: base.AppSpecification!.ImageUri!, ContainerEntrypoint: ["python3", "/opt/ml/processing/input/code/read.py"], ContainerArguments: args },
      ProcessingInputs: [
        { InputName: "code", S3Input: { S3Uri: `file://${h.code({ "read.py": READ_PY })}`, LocalPath: "/opt/ml/processing/input/code", S3DataType: "S3Prefix" } },
        { InputName: "manifest", S3Input: { S3Uri: "s3://data/lists/m.json", LocalPath: "/opt/ml/processing/manifest", S3DataType: "ManifestFile" } },
        { InputName: "piped", S3Input: { S3Uri: "s3://data/gz/", LocalPath: "/opt/ml/processing/piped", S3DataType: "S3Prefix", S3InputMode: "Pipe", S3CompressionType: "Gzip" } },
      ],
      ProcessingOutputConfig: { Outputs: [] },
      ...over,
    };
  }

  beforeAll(async () => {
    await s3.put("data", {
      "lists/m.json": JSON.stringify([{ prefix: "s3://data/raw/" }, "part/b.csv"]),
      "gz/1.gz": gzipSync("first "),
      "gz/2.gz": gzipSync("second"),
    });
  });

  it("serves ManifestFile and Pipe mode (Gzip) inputs; the job reaches the network unless NetworkConfig isolates it", async () => {
    const { hostname, port } = new URL(s3.endpoint);
    await h.sagemaker.send(new CreateProcessingJobCommand(readRequest("proc-modes", [hostname, port])));
    const d = await waitForEnd("proc-modes");
    expect(d.FailureReason).toBeUndefined();
    const out = await lines("proc-modes");
    expect(printed(out, "MANIFEST")).toEqual({ "part/b.csv": "3,4\n" });
    expect(printed(out, "PIPED")).toBe("first second");
    expect(out).toContain("NETWORK reachable");

    await h.sagemaker.send(new CreateProcessingJobCommand(readRequest("proc-isolated", [hostname, port], { NetworkConfig: { EnableNetworkIsolation: true } })));
    const isolated = await waitForEnd("proc-isolated");
    expect(isolated.FailureReason).toBeUndefined();
    expect(isolated.ProcessingJobStatus).toBe("Completed");
    expect(await lines("proc-isolated")).toContain("NETWORK unreachable");
  });

  it("stops a job that runs longer than MaxRuntimeInSeconds", async () => {
    const { hostname, port } = new URL(s3.endpoint);
    await h.sagemaker.send(new CreateProcessingJobCommand(readRequest("proc-runtime", [hostname, port, "sleep"], { StoppingCondition: { MaxRuntimeInSeconds: 2 } })));
    const d = await waitForEnd("proc-runtime");
    expect(d.ProcessingJobStatus).toBe("Stopped");
    expect(d.FailureReason).toBe("The processing job ran longer than MaxRuntimeInSeconds (2) and was stopped.");
  });
});
