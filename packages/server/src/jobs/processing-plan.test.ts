import { describe, expect, it } from "vitest";
import type { CreateProcessingJobRequest } from "../sagemaker/processing-request.js";
import { isProcessingPath, processingJobProblems } from "../sagemaker/processing-validate.js";
import { planProcessingJob } from "./processing-plan.js";

const settings = { region: "us-east-1", accountId: "000000000000", jobsDir: "/home/p", stopGraceSeconds: 120 };

/** The request behind SageMaker's documented processingjobconfig.json example ("Build your own processing container"). */
const DOCUMENTED: CreateProcessingJobRequest = {
  ProcessingJobName: "doc-job",
  AppSpecification: { ImageUri: "<image_uri>" },
  Environment: { KEY: "VALUE" },
  ProcessingInputs: [{ InputName: "input-1", S3Input: { LocalPath: "/opt/ml/processing/input/dataset", S3Uri: "s3://bucket/in", S3DataType: "S3Prefix" } }],
  ProcessingOutputConfig: { Outputs: [{ OutputName: "output-1", S3Output: { LocalPath: "/opt/ml/processing/output/dataset", S3Uri: "s3://bucket/out", S3UploadMode: "EndOfJob" } }] },
  ProcessingResources: { ClusterConfig: { InstanceCount: 3, InstanceType: "ml.m5.xlarge", VolumeSizeInGB: 30 } },
  RoleArn: "arn:aws:iam::000000000000:role/R",
};

describe("planProcessingJob", () => {
  const plan = planProcessingJob(DOCUMENTED, settings, 1000);

  it("writes processingjobconfig.json as SageMaker's documented example, with its defaults", () => {
    expect(JSON.parse(plan.configs["algo-2"]!["processingjobconfig.json"])).toEqual({
      ProcessingJobArn: "arn:aws:sagemaker:us-east-1:000000000000:processing-job/doc-job",
      ProcessingJobName: "doc-job",
      AppSpecification: { ImageUri: "<image_uri>", ContainerEntrypoint: null, ContainerArguments: null },
      Environment: { KEY: "VALUE" },
      ProcessingInputs: [
        {
          InputName: "input-1",
          S3Input: {
            LocalPath: "/opt/ml/processing/input/dataset",
            S3Uri: "s3://bucket/in",
            S3DataDistributionType: "FullyReplicated",
            S3DataType: "S3Prefix",
            S3InputMode: "File",
            S3CompressionType: "None",
            S3DownloadMode: "StartOfJob",
          },
        },
      ],
      ProcessingOutputConfig: {
        Outputs: [{ OutputName: "output-1", S3Output: { LocalPath: "/opt/ml/processing/output/dataset", S3Uri: "s3://bucket/out", S3UploadMode: "EndOfJob" } }],
        KmsKeyId: null,
      },
      ProcessingResources: { ClusterConfig: { InstanceCount: 3, InstanceType: "ml.m5.xlarge", VolumeSizeInGB: 30, VolumeKmsKeyId: null } },
      RoleArn: "arn:aws:iam::000000000000:role/R",
      StoppingCondition: { MaxRuntimeInSeconds: 86400 },
    });
    expect(JSON.parse(plan.configs["algo-2"]!["resourceconfig.json"])).toEqual({ current_host: "algo-2", hosts: ["algo-1", "algo-2", "algo-3"] });
  });

  it("places inputs at their LocalPath in each host's /opt/ml, and runs the image's own command without an entrypoint", () => {
    expect(plan.hosts.map((h) => h.channels[0]!.target)).toEqual([
      "/home/p/doc-job-1000000/algo-1/processing/input/dataset",
      "/home/p/doc-job-1000000/algo-2/processing/input/dataset",
      "/home/p/doc-job-1000000/algo-3/processing/input/dataset",
    ]);
    expect(plan.hosts[0]!.channels[0]!.shard).toBeUndefined();
    expect(plan.command).toBeUndefined();
    expect(plan.imageCommand).toBe(true);
    expect(plan.outputs).toEqual([{ name: "output-1", uri: "s3://bucket/out", localPath: "/opt/ml/processing/output/dataset", mode: "EndOfJob" }]);
  });

  it("shards ShardedByS3Key inputs over the hosts and runs ContainerEntrypoint + ContainerArguments", () => {
    const sharded = planProcessingJob(
      {
        ...DOCUMENTED,
        AppSpecification: { ImageUri: "i", ContainerEntrypoint: ["python3", "/opt/ml/processing/code/p.py"], ContainerArguments: ["--x", "1"] },
        ProcessingInputs: [{ InputName: "s", S3Input: { ...DOCUMENTED.ProcessingInputs![0]!.S3Input!, S3DataDistributionType: "ShardedByS3Key" } }],
      },
      settings,
      1000,
    );
    expect(sharded.hosts.map((h) => h.channels[0]!.shard)).toEqual([
      { index: 0, count: 3 },
      { index: 1, count: 3 },
      { index: 2, count: 3 },
    ]);
    expect(sharded.command).toEqual(["python3", "/opt/ml/processing/code/p.py", "--x", "1"]);
  });

  it("has no command of its own for arguments without an entrypoint: they go to the image's ENTRYPOINT", () => {
    const argsOnly = planProcessingJob({ ...DOCUMENTED, AppSpecification: { ImageUri: "i", ContainerArguments: ["--x"] } }, settings, 1000);
    expect(argsOnly.command).toBeUndefined();
    expect(argsOnly.containerArguments).toEqual(["--x"]);
  });
});

describe("the rules between a processing request's members", () => {
  it("takes paths strictly under /opt/ml/processing, a trailing slash too", () => {
    expect(["/opt/ml/processing/a", "/opt/ml/processing/a/b/", "/opt/ml/processing/input/code/"].map(isProcessingPath)).toEqual([true, true, true]);
    expect(["/opt/ml/processing", "/opt/ml/processing/", "/opt/ml/model", "/opt/ml/processing/../x", "/opt/ml/processing/./x", "opt/ml/processing/x"].map(isProcessingPath)).toEqual([
      false,
      false,
      false,
      false,
      false,
      false,
    ]);
  });

  it("has nothing to say of SageMaker's documented request", () => {
    expect(processingJobProblems(DOCUMENTED)).toEqual([]);
  });

  it("refuses a Feature Store output and an input with neither S3Input nor DatasetDefinition", () => {
    expect(
      processingJobProblems({
        ...DOCUMENTED,
        ProcessingInputs: [{ InputName: "empty" }],
        ProcessingOutputConfig: { Outputs: [{ OutputName: "fs", FeatureStoreOutput: { FeatureGroupName: "g" } }] },
      }),
    ).toEqual([
      "ProcessingInputs[0] ('empty'): an input needs an S3Input (or a DatasetDefinition, which optml cannot serve).",
      "ProcessingOutputConfig.Outputs[0] ('fs'): FeatureStoreOutput cannot be served by optml (there is no Feature Store here); write the features to an S3Output.",
    ]);
  });
});
