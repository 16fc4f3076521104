/**
 * GPUs handed out as instances have them: on a machine where `nvidia-smi -L` lists two GPUs (a
 * fake nvidia-smi first on PATH, as on a machine without GPUs this cannot be seen otherwise), two
 * ml.g4dn.xlarge jobs (1 GPU each) get one GPU each through CUDA_VISIBLE_DEVICES, a third waits in
 * Pending until one of them ends and then gets the GPU it freed; a CPU instance's job sees none.
 * SM_NUM_GPUS says what each host was given. This holds without --instance-resources.
 */
import { CreateTrainingJobCommand, DescribeTrainingJobCommand } from "@aws-sdk/client-sagemaker";
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startHarness, type Harness } from "./harness.js";
import { scriptModeRequest } from "./requests.js";

let h: Harness;
let fakeDir: string;
const savedPath = process.env.PATH;

beforeAll(async () => {
  fakeDir = mkdtempSync(join(tmpdir(), "optml-fake-gpus-"));
  writeFileSync(
    join(fakeDir, "nvidia-smi"),
    '#!/bin/sh\necho "GPU 0: NVIDIA Fake (UUID: GPU-00000000-0000-0000-0000-000000000000)"\necho "GPU 1: NVIDIA Fake (UUID: GPU-11111111-1111-1111-1111-111111111111)"\n',
  );
  chmodSync(join(fakeDir, "nvidia-smi"), 0o755);
  // The control plane lists the machine's GPUs with nvidia-smi on its PATH, and its hosts inherit it.
  process.env.PATH = `${fakeDir}:${savedPath}`;
  // Capacity is not what holds the third job back: its GPU is.
  h = await startHarness({ capacity: 10 });
});
afterAll(async () => {
  for (const name of ["gpu-a", "gpu-b", "gpu-c", "gpu-cpu"]) writeFileSync(join(fakeDir, `release-${name}`), "");
  await h?.close();
  process.env.PATH = savedPath;
  rmSync(fakeDir, { recursive: true, force: true });
});

function logText(name: string): string {
  return h.hostLog(name).join("\n");
}

// Says what it was given, then runs until its release file exists.
const HOLDER = `
import os, time
print("given", repr(os.environ.get("CUDA_VISIBLE_DEVICES")), "SM_NUM_GPUS", os.environ["SM_NUM_GPUS"], flush=True)
while not os.path.exists(os.environ["RELEASE_FILE"]):
    time.sleep(0.1)
`;

function job(name: string, instanceType: string, releaseFile: string) {
  const request = scriptModeRequest({ name, codeDir: h.code({ "train.py": HOLDER }), program: "train.py", outputDir: h.output(), environment: { RELEASE_FILE: releaseFile } });
  return { ...request, ResourceConfig: { ...request.ResourceConfig, InstanceType: instanceType } };
}

async function eventually(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) {
      const logs = ["gpu-cpu", "gpu-a", "gpu-b", "gpu-c"].map((n) => `${n}: ${logText(n).slice(-600)}`).join("\n");
      throw new Error(`still not so after ${timeoutMs} ms: ${what}\n${logs}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

const given = (name: string) => /given '([\d,]*)' SM_NUM_GPUS (\d+)/.exec(logText(name));

describe("GPUs as instances have them (fake nvidia-smi, 2 GPUs)", () => {
  it("two 1-GPU jobs get one GPU each, a third waits in Pending until one ends; a CPU job sees none", async () => {
    const release = (name: string) => writeFileSync(join(fakeDir, `release-${name}`), "");
    const releaseFile = (name: string) => join(fakeDir, `release-${name}`);
    await h.sagemaker.send(new CreateTrainingJobCommand(job("gpu-cpu", "ml.m5.large", releaseFile("gpu-cpu")) as never));
    await h.sagemaker.send(new CreateTrainingJobCommand(job("gpu-a", "ml.g4dn.xlarge", releaseFile("gpu-a")) as never));
    await h.sagemaker.send(new CreateTrainingJobCommand(job("gpu-b", "ml.g4dn.xlarge", releaseFile("gpu-b")) as never));
    await eventually(() => given("gpu-a") !== null && given("gpu-b") !== null && given("gpu-cpu") !== null, "the first jobs say what they were given");
    await h.sagemaker.send(new CreateTrainingJobCommand(job("gpu-c", "ml.g4dn.xlarge", releaseFile("gpu-c")) as never));

    const [a, b] = [given("gpu-a")!, given("gpu-b")!];
    expect([a[1], b[1]].sort()).toEqual(["0", "1"]);
    expect([a[2], b[2]]).toEqual(["1", "1"]);
    expect(given("gpu-cpu")!.slice(1)).toEqual(["", "0"]);

    await eventually(async () => (await h.sagemaker.send(new DescribeTrainingJobCommand({ TrainingJobName: "gpu-c" }))).SecondaryStatus === "Pending", "the third job is Pending");
    const pending = await h.sagemaker.send(new DescribeTrainingJobCommand({ TrainingJobName: "gpu-c" }));
    expect(pending.SecondaryStatusTransitions?.at(-1)?.StatusMessage).toBe("Waiting for 1 GPU(s): 0 of the machine's 2 are free");
    expect(given("gpu-c")).toBeNull();

    release("gpu-a");
    expect((await h.waitForEnd("gpu-a")).TrainingJobStatus).toBe("Completed");
    await eventually(() => given("gpu-c") !== null, "the third job starts once a GPU is free");
    expect(given("gpu-c")!.slice(1)).toEqual([a[1], "1"]);

    for (const name of ["gpu-b", "gpu-c", "gpu-cpu"]) release(name);
    for (const name of ["gpu-b", "gpu-c", "gpu-cpu"]) expect((await h.waitForEnd(name)).TrainingJobStatus).toBe("Completed");
  }, 120_000);
});
