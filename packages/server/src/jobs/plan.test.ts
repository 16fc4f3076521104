import { describe, expect, it } from "vitest";
import { scriptModeRequest } from "../../test/requests.js";
import { admissionProblems } from "./admission.js";
import { planJob } from "./plan.js";

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

  it("places channels and artifacts", () => {
    expect(plan.hosts[0]!.channels.map((c) => [c.channel, c.source, c.target])).toEqual([
      ["train", { kind: "file", path: "/data/train" }, `${plan.hosts[0]!.baseDir}/input/data/train`],
      ["validation", { kind: "file", path: "/data/val" }, `${plan.hosts[0]!.baseDir}/input/data/validation`],
    ]);
    expect(plan.artifacts).toEqual({
      compression: "GZIP",
      modelUri: "file:///out/My-Job/output/model.tar.gz",
      outputUri: "file:///out/My-Job/output/output.tar.gz",
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
      AlgorithmSpecification: { TrainingInputMode: "Pipe", MetricDefinitions: [{ Name: "loss", Regex: "(" }] },
    });
    expect(problems.join("\n")).toMatch(/asks for 2 hosts; .*single-host jobs only/);
    expect(problems.join("\n")).toMatch(/script-mode jobs: set the hyperparameter sagemaker_program/);
    expect(problems.join("\n")).toMatch(/S3OutputPath: s3:\/\/ locations are not supported yet/);
    expect(problems.join("\n")).toMatch(/Pipe input mode is not supported yet/);
    expect(problems.join("\n")).toMatch(/metric 'loss' is not a valid regular expression/);
  });

  it("accepts the program from the Environment", () => {
    expect(admissionProblems({ ...base, HyperParameters: {}, Environment: { SAGEMAKER_PROGRAM: "t.py" } })).toEqual([]);
  });
});
