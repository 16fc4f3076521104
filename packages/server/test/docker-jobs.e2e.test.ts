/**
 * Image jobs end to end through the SageMaker API, on a control plane whose executor is the
 * container executor: a job that completes (logs in CloudWatch Logs, model.tar.gz), a failing image
 * (FailureReason from output/failure, as for processes), a stopped job, and nothing left behind.
 */
import { CreateTrainingJobCommand, StopTrainingJobCommand, type CreateTrainingJobCommandInput } from "@aws-sdk/client-sagemaker";
import { GetLogEventsCommand } from "@aws-sdk/client-cloudwatch-logs";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DockerExecutor } from "../src/executors/docker/index.js";
import { buildBusyboxImage, dockerUnavailableReason, imageRequest, removeTestImages } from "./docker-images.js";
import { startHarness, type Harness } from "./harness.js";

const unavailable = dockerUnavailableReason();
const BUSYBOX_IMAGE = "optml-test/busybox-train:jobs";
let h: Harness;
let executor: DockerExecutor;
const home = mkdtempSync(join(tmpdir(), "optml-docker-jobs-"));

/**
 * Today's API validation takes script-mode jobs only (until the executor selection is wired), so
 * the image jobs here carry script-mode hyperparameters that the image's `train` ignores.
 */
function imageJob(name: string, environment: Record<string, string>, outputDir?: string) {
  const req = imageRequest(name, BUSYBOX_IMAGE, {
    environment,
    hyperparameters: { sagemaker_program: '"unused.sh"', sagemaker_submit_directory: JSON.stringify(`file://${h.code({ "unused.sh": "" })}`) },
  });
  return new CreateTrainingJobCommand({ ...req, ...(outputDir ? { OutputDataConfig: { S3OutputPath: `file://${outputDir}` } } : {}) } as CreateTrainingJobCommandInput);
}

async function messages(job: string): Promise<string[]> {
  const out = await h.logs.send(new GetLogEventsCommand({ logGroupName: "/aws/sagemaker/TrainingJobs", logStreamName: (await streams(job))[0]!, startFromHead: true }));
  return (out.events ?? []).map((e) => e.message ?? "");
}
async function streams(job: string): Promise<string[]> {
  const { DescribeLogStreamsCommand } = await import("@aws-sdk/client-cloudwatch-logs");
  const out = await h.logs.send(new DescribeLogStreamsCommand({ logGroupName: "/aws/sagemaker/TrainingJobs", logStreamNamePrefix: `${job}/` }));
  return (out.logStreams ?? []).map((s) => s.logStreamName!);
}
async function containersLeft(): Promise<number> {
  const filters = JSON.stringify({ label: ["optml.home"] });
  return ((await executor.engine.call("GET", "/containers/json", { query: { all: 1, filters } })) as unknown[]).length;
}

describe.skipIf(unavailable !== undefined)(`image jobs through the API${unavailable ? ` (skipped: ${unavailable})` : ""}`, () => {
  beforeAll(async () => {
    executor = new DockerExecutor({ home, gpus: false });
    await buildBusyboxImage(executor.engine, BUSYBOX_IMAGE);
    h = await startHarness({ executor, stopGraceSeconds: 2 });
  }, 120_000);
  afterAll(async () => {
    await h?.close();
    if (executor) {
      await executor.reclaim([]);
      await removeTestImages(executor.engine, [BUSYBOX_IMAGE]);
    }
    rmSync(home, { recursive: true, force: true });
  }, 60_000);

  it("a single-host image job completes: its output in CloudWatch Logs, its model uploaded", async () => {
    const out = h.output();
    await h.sagemaker.send(imageJob("image-ok", { MODE: "ok" }, out));
    const d = await h.waitForEnd("image-ok");
    expect(d.TrainingJobStatus).toBe("Completed");
    const lines = await messages("image-ok");
    expect(lines).toContain("hostname algo-1");
    expect(lines).toContain("done on algo-1");
    expect(existsSync(join(out, "image-ok/output/model.tar.gz"))).toBe(true);
    // The image's own Python runs: the control plane chooses none for it, and describes none.
    expect(lines).toContain("optml python [] venvs []");
    const wire = await h.describedOnTheWire("image-ok");
    expect(wire.OptmlExecutor).toEqual({ Name: "docker", Description: `Docker image ${BUSYBOX_IMAGE}` });
    expect(wire.OptmlWarnings).toBeUndefined();
    expect(wire.OptmlPython).toBeUndefined();
  });

  it("a failing image fails the job with its output/failure", async () => {
    await h.sagemaker.send(imageJob("image-fail", { MODE: "fail" }));
    const d = await h.waitForEnd("image-fail");
    expect(d.TrainingJobStatus).toBe("Failed");
    expect(d.FailureReason).toBe("AlgorithmError: custom failure from algo-1\n");
  });

  it("an image that exits non-zero without output/failure: the exit code in FailureReason", async () => {
    await h.sagemaker.send(imageJob("image-crash", { MODE: "crash" }));
    const d = await h.waitForEnd("image-crash");
    expect(d.FailureReason).toMatch(/exited with code 5 and wrote no output\/failure/);
  });

  it("StopTrainingJob: SIGTERM, then SIGKILL after the grace period; Stopped; no container left", async () => {
    await h.sagemaker.send(imageJob("image-stop", { MODE: "stop" }));
    const { DescribeTrainingJobCommand } = await import("@aws-sdk/client-sagemaker");
    for (let i = 0; i < 200; i++) {
      const d = await h.sagemaker.send(new DescribeTrainingJobCommand({ TrainingJobName: "image-stop" }));
      if (d.SecondaryStatus === "Training" && (await messages("image-stop").catch(() => [] as string[])).includes("waiting to be stopped")) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    await h.sagemaker.send(new StopTrainingJobCommand({ TrainingJobName: "image-stop" }));
    const d = await h.waitForEnd("image-stop");
    expect(d.TrainingJobStatus).toBe("Stopped");
    expect(await messages("image-stop")).toContain("got SIGTERM, not stopping");
    expect(await containersLeft()).toBe(0);
  });
});
