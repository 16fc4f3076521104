import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { CliError } from "./cli-error.js";
import { EXIT } from "./cli-error.js";
import {
  applyOverrides,
  checkJobRequest,
  checkRequest,
  generatedJobName,
  jobFileNameBase,
  loadJobFile,
  locationUri,
  nameRequest,
  readJobFile,
  resolveRelativeFileUris,
} from "./job-request.js";

const root = mkdtempSync(join(tmpdir(), "optml-job-request-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe("relative file:// URIs", () => {
  it("resolves file://./ and file://../ against the base dir, in JSON-encoded hyperparameters too", () => {
    const request = {
      HyperParameters: { sagemaker_submit_directory: '"file://./src"', other: '"file://./x"extra', epochs: "3" },
      InputDataConfig: [{ DataSource: { S3DataSource: { S3Uri: "file://../data/train" } } }],
      OutputDataConfig: { S3OutputPath: "file://./out dir" },
      CheckpointConfig: { S3Uri: "s3://bucket/ckpt" },
      Environment: { ABS: "file:///abs/path" },
    };
    expect(resolveRelativeFileUris(request, "/work/job")).toEqual({
      HyperParameters: { sagemaker_submit_directory: '"file:///work/job/src"', other: '"file://./x"extra', epochs: "3" },
      InputDataConfig: [{ DataSource: { S3DataSource: { S3Uri: "file:///work/data/train" } } }],
      OutputDataConfig: { S3OutputPath: "file:///work/job/out%20dir" },
      CheckpointConfig: { S3Uri: "s3://bucket/ckpt" },
      Environment: { ABS: "file:///abs/path" },
    });
  });

  it("reads a job file relative to its own directory", () => {
    const dir = join(root, "project");
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, "job.json"), '{"OutputDataConfig": {"S3OutputPath": "file://./out"}}');
    expect(readJobFile(join(dir, "job.json"))).toEqual({ OutputDataConfig: { S3OutputPath: `file://${dir}/out` } });
    expect(jobFileNameBase(join(dir, "job.json"))).toBe("project");
    expect(jobFileNameBase(join(dir, "nightly.json"))).toBe("nightly");
  });

  it("refuses files that are not a JSON object, naming line and column", () => {
    writeFileSync(join(root, "broken.json"), '{\n  "a": 1\n  "b": 2\n}');
    expect(() => readJobFile(join(root, "broken.json"))).toThrow(/broken\.json: not valid JSON at line 3, column 3: expected ',' or '}'/);
    writeFileSync(join(root, "list.json"), "[]");
    expect(() => readJobFile(join(root, "list.json"))).toThrow(/must hold a JSON object/);
    expect(() => readJobFile(join(root, "missing.json"))).toThrow(/missing\.json: cannot read it \(no such file\)/);
  });
});

describe("the check before sending", () => {
  it("refuses every problem at once, exit 2, under the AWS CLI's heading; reads 2.0 as Python does", () => {
    const file = join(root, "check.json");
    writeFileSync(file, '{"TrainingJobName": "j", "RoleArn": "arn:aws:iam::123456789012:role/R", "Enviroment": {},\n "OutputDataConfig": {"S3OutputPath": "file://./o"}, "ResourceConfig": {"InstanceCount": 2.0}}');
    const { request, written } = loadJobFile(file);
    let error: unknown;
    try {
      checkJobRequest(file, request, written);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(CliError);
    expect((error as CliError).exitCode).toBe(EXIT.usage);
    const lines = (error as CliError).message.split("\n");
    expect(lines[0]).toBe(`${file}: Parameter validation failed:`);
    expect(lines.slice(1).map((l) => l.split(",")[0])).toEqual(['Unknown parameter in input: "Enviroment"', "Invalid type for parameter ResourceConfig.InstanceCount"]);
    expect(lines[2]).toContain("value: 2.0, type: <class 'float'>");
    const { Enviroment: _, ...fixed } = request;
    expect(() => checkJobRequest(file, { ...fixed, ResourceConfig: { InstanceCount: 2 } })).not.toThrow();
  });
  it("passes the examples' job.json files", () => {
    const examples = join(import.meta.dirname, "..", "..", "..", "examples");
    const files = readdirSync(examples).map((d) => join(examples, d, "job.json")).filter((f) => existsSync(f));
    expect(files.length).toBeGreaterThan(1);
    for (const file of files) {
      const { request, written } = loadJobFile(file);
      // examples/processing/job.json is a CreateProcessingJob request (optml process).
      if ("AppSpecification" in request) expect(() => checkRequest("CreateProcessingJob", file, request, written)).not.toThrow();
      else expect(() => checkJobRequest(file, nameRequest(request, jobFileNameBase(file)), written)).not.toThrow();
    }
  });
});

describe("names", () => {
  it("generates <base>-<UTC timestamp> within the API's pattern and length", () => {
    const now = new Date("2024-01-31T23:59:58.007Z");
    expect(generatedJobName("tabular-ts", now)).toBe("tabular-ts-2024-01-31-23-59-58-007");
    expect(generatedJobName("my_model.v2", now)).toBe("my-model-v2-2024-01-31-23-59-58-007");
    expect(generatedJobName("___", now)).toBe("optml-job-2024-01-31-23-59-58-007");
    const long = generatedJobName("x".repeat(80), now);
    expect(long.length).toBeLessThanOrEqual(63);
    expect(long).toMatch(/^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$/);
  });

  it("keeps a given name and sagemaker_job_name equal to it", () => {
    const named = nameRequest({ TrainingJobName: "given", HyperParameters: { sagemaker_job_name: '"old"' } }, "base");
    expect(named).toEqual({ TrainingJobName: "given", HyperParameters: { sagemaker_job_name: '"given"' } });
    expect(nameRequest({}, "base", new Date(0)).TrainingJobName).toBe("base-1970-01-01-00-00-00-000");
    expect(nameRequest({ TrainingJobName: "" }, "base", new Date(0)).TrainingJobName).toBe("base-1970-01-01-00-00-00-000");
  });

  it("keeps a TrainingJobName of the wrong type, for the check to name", () => {
    expect(nameRequest({ TrainingJobName: 7 }, "base")).toEqual({ TrainingJobName: 7 });
  });
});

describe("overrides", () => {
  const data = join(root, "data");
  mkdirSync(data, { recursive: true });
  const base = {
    TrainingJobName: "j",
    HyperParameters: { epochs: "1", lr: "0.1" },
    InputDataConfig: [{ ChannelName: "train", DataSource: { S3DataSource: { S3DataType: "S3Prefix", S3Uri: "s3://b/train" } }, ContentType: "text/csv" }],
    OutputDataConfig: { S3OutputPath: "s3://b/out", KmsKeyId: "k" },
    ResourceConfig: { InstanceType: "ml.m5.large", InstanceCount: 1 },
  };

  it("sets hyperparameters, channels, output, instance count and name", () => {
    const r = applyOverrides(
      base,
      { name: "n2", hyperparameters: [["epochs", "5"], ["new", "x"]], channels: [["train", "data"], ["extra", "s3://b/extra"]], output: "out", instanceCount: 2 },
      root,
    );
    expect(r).toEqual({
      TrainingJobName: "n2",
      HyperParameters: { epochs: "5", lr: "0.1", new: "x" },
      InputDataConfig: [
        { ChannelName: "train", DataSource: { S3DataSource: { S3DataType: "S3Prefix", S3DataDistributionType: "FullyReplicated", S3Uri: `file://${data}` } }, ContentType: "text/csv" },
        { ChannelName: "extra", DataSource: { S3DataSource: { S3DataType: "S3Prefix", S3Uri: "s3://b/extra", S3DataDistributionType: "FullyReplicated" } } },
      ],
      OutputDataConfig: { S3OutputPath: `file://${root}/out`, KmsKeyId: "k" },
      ResourceConfig: { InstanceType: "ml.m5.large", InstanceCount: 2 },
    });
    expect(base.HyperParameters.epochs).toBe("1");
  });

  it("keeps members of the wrong JSON type as written, for the check to name", () => {
    const wrong = { HyperParameters: ["epochs=1"], InputDataConfig: { ChannelName: "train" }, OutputDataConfig: "s3://b/out", ResourceConfig: 1 };
    const r = applyOverrides(wrong, { hyperparameters: [["epochs", "5"]], channels: [["extra", "s3://b/extra"]], output: "out", instanceCount: 2 }, root);
    expect(r).toEqual(wrong);
  });

  it("names a channel path that does not exist", () => {
    const attempt = () => applyOverrides(base, { channels: [["train", "./nope"]] }, root);
    expect(attempt).toThrow(CliError);
    expect(attempt).toThrow(`--channel train=./nope: ${root}/nope does not exist`);
    expect(() => locationUri("file:///nonexistent/x", root, true, "--channel t=file:///nonexistent/x")).toThrow("/nonexistent/x does not exist");
    expect(() => locationUri("ftp://host/x", root, false, "--output ftp://host/x")).toThrow("give a local path, a file:// URI or an s3:// URI");
  });
});
