import { describe, expect, it } from "vitest";
import { scriptModeRequest } from "../../test/requests.js";
import { admissionProblems } from "./admission.js";
import { checkpointDirIn, planJob, withPython } from "./plan.js";

const settings = { region: "eu-west-1", accountId: "123456789012", jobsDir: "/state/jobs", stopGraceSeconds: 120 };

describe("planJob", () => {
  const req = scriptModeRequest({
    name: "My-Job",
    codeDir: "/src/code",
    program: "train.py",
    outputDir: "/out/",
    channels: { train: "/data/train", validation: "/data/val" },
    environment: { FOO: "bar", TRAINING_JOB_NAME: "spoofed" },
  });
  const plan = planJob(req, settings, 1_700_000_000.123);

  it("names the job's ARN in lower case", () => {
    expect(plan.arn).toBe("arn:aws:sagemaker:eu-west-1:123456789012:training-job/my-job");
  });

  it("lays out host algo-1 under the job's work dir with its config files", () => {
    expect(plan.workDir).toBe("/state/jobs/My-Job-1700000000123");
    expect(plan.hosts.map((h) => [h.host, h.baseDir])).toEqual([["algo-1", "/state/jobs/My-Job-1700000000123/algo-1"]]);
    const rc = JSON.parse(plan.hosts[0]!.configFiles["resourceconfig.json"]);
    expect(rc).toMatchObject({ current_host: "algo-1", hosts: ["algo-1"], current_instance_type: "ml.m5.large" });
    const idc = JSON.parse(plan.hosts[0]!.configFiles["inputdataconfig.json"]);
    expect(Object.keys(idc)).toEqual(["train", "validation"]);
    expect(idc.train).toEqual({ ContentType: "text/csv", TrainingInputMode: "File", S3DistributionType: "FullyReplicated", RecordWrapperType: "None" });
    expect(JSON.parse(plan.hosts[0]!.configFiles["hyperparameters.json"])).toEqual(req.HyperParameters);
  });

  it("gives the container the job's environment, with the platform's variables winning", () => {
    expect(plan.hosts[0]!.env).toEqual({
      FOO: "bar",
      TRAINING_JOB_NAME: "My-Job",
      TRAINING_JOB_ARN: plan.arn,
      AWS_REGION: "eu-west-1",
    });
  });

  it("gives every host the job's resolved Python and the control plane's venvs dir, the job's OPTML_VENVS winning", () => {
    const python = { path: "/home/u/.venv/bin/python", version: "3.11.7" };
    const withIt = withPython(plan, python, "/state/venvs");
    expect(withIt.python).toEqual(python);
    expect(withIt.hosts[0]!.env).toEqual({ ...plan.hosts[0]!.env, OPTML_PYTHON: python.path, OPTML_VENVS: "/state/venvs" });
    const own = planJob({ ...req, Environment: { OPTML_PYTHON: "python3", OPTML_VENVS: "/mine" } }, settings, 1);
    expect(withPython(own, python, "/state/venvs").hosts[0]!.env).toMatchObject({ OPTML_PYTHON: python.path, OPTML_VENVS: "/mine" });
  });

  it("places channels and artifacts", () => {
    expect(plan.hosts[0]!.channels.map((c) => [c.channel, c.source, c.target])).toEqual([
      ["train", { kind: "file", path: "/data/train" }, `${plan.hosts[0]!.baseDir}/input/data/train`],
      ["validation", { kind: "file", path: "/data/val" }, `${plan.hosts[0]!.baseDir}/input/data/validation`],
    ]);
    expect(plan.artifacts).toEqual({
      compression: "GZIP",
      modelUri: "file:///out/My-Job/output/model.tar.gz",
      outputUri: "file:///out/My-Job/output/output.tar.gz",
      intermediateUri: "file:///out/My-Job/output/intermediate",
    });
    const none = planJob({ ...req, OutputDataConfig: { S3OutputPath: "file:///out", CompressionType: "NONE" } }, settings, 1);
    expect(none.artifacts.modelUri).toBe("file:///out/My-Job/output/model");
  });

  it("takes the stopping condition and the grace period", () => {
    expect([plan.maxRuntimeSeconds, plan.stopGraceSeconds]).toEqual([86400, 120]);
  });
});

describe("admissionProblems", () => {
  const base = scriptModeRequest({ name: "j", codeDir: "/c", program: "t.py", outputDir: "/o", channels: { train: "/d" } });

  it("accepts a single-host script-mode job on local paths", () => {
    expect(admissionProblems(base)).toEqual([]);
  });

  it("refuses what it cannot run as SageMaker would, saying what to do", () => {
    const problems = admissionProblems({
      ...base,
      HyperParameters: {},
      ResourceConfig: { InstanceType: "ml.m5.large", InstanceCount: 2, VolumeSizeInGB: 1 },
      OutputDataConfig: { S3OutputPath: "s3://bucket/out" },
      AlgorithmSpecification: { TrainingInputMode: "File", MetricDefinitions: [{ Name: "loss", Regex: "(" }] },
      InputDataConfig: [
        { ChannelName: "a", DataSource: { S3DataSource: { S3DataType: "AugmentedManifestFile", S3Uri: "s3://b/m" } } },
        { ChannelName: "b", CompressionType: "Gzip", DataSource: { S3DataSource: { S3DataType: "S3Prefix", S3Uri: "s3://b/p" } } },
        { ChannelName: "c", DataSource: { S3DataSource: { S3DataType: "S3Prefix", S3Uri: "ftp://b/p" } } },
      ],
      CheckpointConfig: { S3Uri: "s3://b/ckpt", LocalPath: "/tmp/ckpt" },
    });
    expect(problems.join("\n")).not.toMatch(/S3OutputPath/);
    expect(problems.join("\n")).toMatch(/channel 'a'\): S3DataType AugmentedManifestFile is not supported yet; use S3Prefix or ManifestFile/);
    expect(problems.join("\n")).toMatch(/channel 'b'\): CompressionType Gzip is used only in Pipe input mode; in File mode leave it unset or None/);
    expect(problems.join("\n")).toMatch(/channel 'c'\).DataSource.S3DataSource.S3Uri: "ftp:\/\/b\/p" is neither an s3:\/\/ nor a file:\/\/ URI/);
    expect(problems.join("\n")).toMatch(/CheckpointConfig.LocalPath '\/tmp\/ckpt': .* must be a directory inside \/opt\/ml/);
    expect(problems.join("\n")).toMatch(/metric 'loss' is not a valid regular expression/);
  });

  it("accepts S3 locations, Pipe mode with Gzip, manifests and checkpoints inside /opt/ml", () => {
    expect(
      admissionProblems({
        ...base,
        OutputDataConfig: { S3OutputPath: "s3://bucket/out" },
        InputDataConfig: [
          { ChannelName: "p", InputMode: "Pipe", CompressionType: "Gzip", DataSource: { S3DataSource: { S3DataType: "S3Prefix", S3Uri: "s3://b/p" } } },
          { ChannelName: "m", InputMode: "FastFile", DataSource: { S3DataSource: { S3DataType: "ManifestFile", S3Uri: "s3://b/m.json", S3DataDistributionType: "ShardedByS3Key" } } },
        ],
        CheckpointConfig: { S3Uri: "s3://b/ckpt", LocalPath: "/opt/ml/checkpoints/run-1/" },
      }),
    ).toEqual([]);
  });

  it("accepts the program from the Environment", () => {
    expect(admissionProblems({ ...base, HyperParameters: {}, Environment: { SAGEMAKER_PROGRAM: "t.py" } })).toEqual([]);
  });
});

describe("the data a plan places", () => {
  const req = scriptModeRequest({ name: "d", codeDir: "/c", program: "t.py", outputDir: "/o", channels: { train: "/d" } });

  it("maps CheckpointConfig.LocalPath inside /opt/ml into each host's base dir", () => {
    expect(checkpointDirIn("/w/algo-1")).toBe("/w/algo-1/checkpoints");
    expect(checkpointDirIn("/w/algo-1", "/opt/ml/checkpoints/")).toBe("/w/algo-1/checkpoints");
    expect(checkpointDirIn("/w/algo-1", "/opt/ml/my/ckpt")).toBe("/w/algo-1/my/ckpt");
    for (const outside of ["/opt/ml", "/opt/ml/", "/tmp/ckpt", "opt/ml/x", "/opt/ml/../etc"]) expect(checkpointDirIn("/w", outside)).toBeUndefined();
    const plan = planJob({ ...req, CheckpointConfig: { S3Uri: "s3://b/ckpt" } }, settings, 1);
    expect(plan.checkpoints).toEqual({ uri: "s3://b/ckpt", localPath: "/opt/ml/checkpoints" });
    expect(plan.hosts[0]!.checkpointDir).toBe(`${plan.hosts[0]!.baseDir}/checkpoints`);
    expect(planJob(req, settings, 1).checkpoints).toBeUndefined();
  });

  it("gives each host its shard under ShardedByS3Key, and none under FullyReplicated", () => {
    const sharded = planJob(
      {
        ...req,
        ResourceConfig: { InstanceType: "ml.m5.large", InstanceCount: 3, VolumeSizeInGB: 1 },
        InputDataConfig: [
          { ChannelName: "s", DataSource: { S3DataSource: { S3DataType: "S3Prefix", S3Uri: "s3://b/p", S3DataDistributionType: "ShardedByS3Key" } } },
          { ChannelName: "r", DataSource: { S3DataSource: { S3DataType: "S3Prefix", S3Uri: "s3://b/p" } } },
        ],
      },
      settings,
      1,
    );
    expect(sharded.hosts.map((h) => [h.host, h.channels[0]!.shard, h.channels[1]!.shard])).toEqual([
      ["algo-1", { index: 0, count: 3 }, undefined],
      ["algo-2", { index: 1, count: 3 }, undefined],
      ["algo-3", { index: 2, count: 3 }, undefined],
    ]);
  });

  it("puts the S3 configuration given to the control plane under the job's own environment", () => {
    const plan = planJob({ ...req, Environment: { AWS_ENDPOINT_URL_S3: "http://job:1" } }, { ...settings, hostEnv: { AWS_ENDPOINT_URL_S3: "http://cp:1", AWS_ACCESS_KEY_ID: "k", AWS_REGION: "x" } }, 1);
    expect(plan.hosts[0]!.env).toMatchObject({ AWS_ENDPOINT_URL_S3: "http://job:1", AWS_ACCESS_KEY_ID: "k", AWS_REGION: "eu-west-1" });
  });
});

describe("heterogeneous clusters", () => {
  it("gives a channel only to the instance groups it names, sharding among them", () => {
    const base = scriptModeRequest({ name: "hetero", codeDir: "/c", program: "t.py", outputDir: "/o", channels: { train: "/d", all: "/e" } });
    const req = {
      ...base,
      ResourceConfig: {
        VolumeSizeInGB: 1,
        InstanceGroups: [
          { InstanceGroupName: "gpus", InstanceType: "ml.p4d.24xlarge", InstanceCount: 2 },
          { InstanceGroupName: "cpus", InstanceType: "ml.c5.xlarge", InstanceCount: 1 },
        ],
      },
      InputDataConfig: base.InputDataConfig!.map((ch) =>
        ch.ChannelName === "train"
          ? { ...ch, DataSource: { S3DataSource: { ...ch.DataSource.S3DataSource!, InstanceGroupNames: ["gpus"], S3DataDistributionType: "ShardedByS3Key" as const } } }
          : ch,
      ),
    };
    expect(admissionProblems(req)).toEqual([]);
    const plan = planJob(req, settings, 1);
    const channels = (host: string) => plan.hosts.find((h) => h.host === host)!.channels.map((c) => [c.channel, c.shard ?? null]);
    expect(channels("algo-1")).toEqual([["train", { index: 0, count: 2 }], ["all", null]]);
    expect(channels("algo-2")).toEqual([["train", { index: 1, count: 2 }], ["all", null]]);
    expect(channels("algo-3")).toEqual([["all", null]]);
    // The host's inputdataconfig.json lists only what it receives, as SageMaker writes it.
    expect(Object.keys(JSON.parse(plan.hosts.find((h) => h.host === "algo-3")!.configFiles["inputdataconfig.json"]))).toEqual(["all"]);
    expect(JSON.parse(plan.hosts[0]!.configFiles["resourceconfig.json"]).current_group_name).toBe("gpus");
    const wrong = { ...req, InputDataConfig: [{ ...req.InputDataConfig[0]!, DataSource: { S3DataSource: { ...req.InputDataConfig[0]!.DataSource.S3DataSource!, InstanceGroupNames: ["tpus"] } } }] };
    expect(admissionProblems(wrong).join("\n")).toMatch(/InstanceGroupNames names 'tpus', which is not one of ResourceConfig.InstanceGroups/);
  });
});
