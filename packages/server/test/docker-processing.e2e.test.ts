/**
 * A processing job in Docker: a locally built image (busybox, no registry) run with its own
 * ENTRYPOINT and CMD when the request names neither, with ContainerArguments in place of CMD, and
 * with a ContainerEntrypoint of the request's; /opt/ml/processing mounted as on SageMaker, the
 * input staged, the output uploaded, ExitMessage read.
 */
import { DescribeLogStreamsCommand, GetLogEventsCommand } from "@aws-sdk/client-cloudwatch-logs";
import { CreateProcessingJobCommand, DescribeProcessingJobCommand, type CreateProcessingJobCommandInput, type DescribeProcessingJobCommandOutput } from "@aws-sdk/client-sagemaker";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DockerExecutor } from "../src/executors/docker/index.js";
import { buildProcessingImage, dockerUnavailableReason, removeTestImages } from "./docker-images.js";
import { startHarness, type Harness } from "./harness.js";

const unavailable = dockerUnavailableReason();
const IMAGE = "optml-test/busybox-process:1";
let h: Harness;
let engineHolder: DockerExecutor;

function request(name: string, out: string, app: Partial<CreateProcessingJobCommandInput["AppSpecification"]> = {}): CreateProcessingJobCommandInput {
  return {
    ProcessingJobName: name,
    RoleArn: "arn:aws:iam::000000000000:role/SageMakerRole",
    AppSpecification: { ImageUri: IMAGE, ...app },
    ProcessingResources: { ClusterConfig: { InstanceCount: 1, InstanceType: "ml.m5.large", VolumeSizeInGB: 1 } },
    ProcessingInputs: [{ InputName: "data", S3Input: { S3Uri: `file://${h.data({ "rows.csv": "a\nb\n" })}`, LocalPath: "/opt/ml/processing/input/data", S3DataType: "S3Prefix" } }],
    ProcessingOutputConfig: { Outputs: [{ OutputName: "out", S3Output: { S3Uri: `file://${out}`, LocalPath: "/opt/ml/processing/output", S3UploadMode: "EndOfJob" } }] },
  };
}

async function waitForEnd(name: string): Promise<DescribeProcessingJobCommandOutput> {
  for (let i = 0; i < 1200; i++) {
    const d = await h.sagemaker.send(new DescribeProcessingJobCommand({ ProcessingJobName: name }));
    if (d.ProcessingJobStatus !== "InProgress" && d.ProcessingJobStatus !== "Stopping") return d;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${name} did not end`);
}

async function lines(job: string): Promise<string[]> {
  const group = "/aws/sagemaker/ProcessingJobs";
  const streams = await h.logs.send(new DescribeLogStreamsCommand({ logGroupName: group, logStreamNamePrefix: `${job}/` }));
  const out = await h.logs.send(new GetLogEventsCommand({ logGroupName: group, logStreamName: streams.logStreams![0]!.logStreamName!, startFromHead: true }));
  return out.events!.map((e) => e.message!);
}

describe.skipIf(unavailable !== undefined)(`processing jobs in Docker${unavailable ? ` (skipped: ${unavailable})` : ""}`, () => {
  beforeAll(async () => {
    h = await startHarness({ executorMode: "docker", stopGraceSeconds: 2 });
    engineHolder = new DockerExecutor({ home: join(h.root, "home"), gpus: false });
    await buildProcessingImage(engineHolder.engine, IMAGE);
  }, 120_000);
  afterAll(async () => {
    await h?.close();
    if (engineHolder) await removeTestImages(engineHolder.engine, [IMAGE]);
  }, 60_000);

  it("runs the image's own ENTRYPOINT and CMD when the request names neither, with /opt/ml/processing as on SageMaker", async () => {
    const out = h.output();
    await h.sagemaker.send(new CreateProcessingJobCommand(request("dproc-image", out)));
    const d = await waitForEnd("dproc-image");
    expect(d.FailureReason).toBeUndefined();
    expect(d.ProcessingJobStatus).toBe("Completed");
    expect(d.ExitMessage).toBe("processed on algo-1\n");
    const log = await lines("dproc-image");
    expect(log).toContain("args --default");
    expect(log).toContain("hostname algo-1");
    expect(log).toContain('resourceconfig {"current_host":"algo-1","hosts":["algo-1"]}');
    expect(log).toContain("input a b ");
    expect(readFileSync(join(out, "result.csv"), "utf8")).toBe("a,done\nb,done\n");
  });

  it("gives ContainerArguments in place of the image's CMD, and runs a ContainerEntrypoint of the request's", async () => {
    const out = h.output();
    await h.sagemaker.send(new CreateProcessingJobCommand(request("dproc-args", out, { ContainerArguments: ["--mode", "fast"] })));
    expect((await waitForEnd("dproc-args")).ProcessingJobStatus).toBe("Completed");
    expect(await lines("dproc-args")).toContain("args --mode fast");

    await h.sagemaker.send(
      new CreateProcessingJobCommand(request("dproc-entry", h.output(), { ContainerEntrypoint: ["/bin/sh", "-c", "echo entry $0 $1; exit 4", "x", "y"] })),
    );
    const d = await waitForEnd("dproc-entry");
    expect(d.ProcessingJobStatus).toBe("Failed");
    expect(d.FailureReason).toBe("AlgorithmError: See job logs for more information");
    expect(await lines("dproc-entry")).toContain("entry x y");
  });
});
