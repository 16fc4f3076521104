/**
 * A host's view of the machine, as SageMaker's container gives it (as root: mount namespaces):
 * /opt/ml is the real path of the job's files (hard-coded paths work, checkpoints at
 * CheckpointConfig.LocalPath), and `algo-1` resolves in a single-host job, whose hostname it is.
 * Nothing of it is visible outside the host, nor left after the job.
 */
import { CreateTrainingJobCommand } from "@aws-sdk/client-sagemaker";
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startHarness, type Harness } from "./harness.js";
import { scriptModeRequest } from "./requests.js";
import { tarNames } from "./tar-names.js";

const root = process.getuid?.() === 0;
let h: Harness;
beforeAll(async () => {
  if (root) h = await startHarness({ capacity: 4 });
});
afterAll(async () => h?.close());

function logLines(name: string, host = "algo-1"): string[] {
  return h.hostLog(name, host);
}

/** What is mounted at /opt/ml in this (the test's) mount namespace. */
function optMlMounts(): string[] {
  return readFileSync("/proc/self/mountinfo", "utf8")
    .split("\n")
    .filter((l) => l.split(" ")[4] === "/opt/ml");
}

const HARD_CODED = `
import json, os, socket
print("SM_MODEL_DIR", os.environ["SM_MODEL_DIR"], flush=True)
print("SM_CHANNEL_TRAIN", os.environ["SM_CHANNEL_TRAIN"], flush=True)
print("hostname", socket.gethostname(), flush=True)
print("algo-1 is", socket.gethostbyname("algo-1"), flush=True)
print("train", open("/opt/ml/input/data/train/numbers.csv").read().strip(), flush=True)
print("hosts", json.load(open("/opt/ml/input/config/resourceconfig.json"))["hosts"], flush=True)
open("/opt/ml/model/weights.txt", "w").write("42")
os.makedirs("/opt/ml/output/data", exist_ok=True)
open("/opt/ml/output/data/report.txt", "w").write("ok")
open("/opt/ml/checkpoints/step-1.txt", "w").write("1")
`;

describe.skipIf(!root)("a process-run host's scene (root: mount namespaces)", () => {
  it("mounts the host's base dir at /opt/ml: hard-coded paths and the SM_* variables agree", async () => {
    const out = h.output();
    const req = scriptModeRequest({
      name: "scene-hard-coded",
      codeDir: h.code({ "train.py": HARD_CODED }),
      program: "train.py",
      outputDir: out,
      channels: { train: h.data({ "numbers.csv": "1,2,3\n" }) },
    });
    const checkpoints = h.output();
    await h.sagemaker.send(
      new CreateTrainingJobCommand({ ...req, CheckpointConfig: { S3Uri: `file://${checkpoints}`, LocalPath: "/opt/ml/checkpoints" } } as never),
    );
    const d = await h.waitForEnd("scene-hard-coded", 60_000);
    expect(d.FailureReason).toBeUndefined();
    expect(d.TrainingJobStatus).toBe("Completed");
    const lines = logLines("scene-hard-coded");
    expect(lines).toContain("SM_MODEL_DIR /opt/ml/model");
    expect(lines).toContain("SM_CHANNEL_TRAIN /opt/ml/input/data/train");
    expect(lines).toContain("hostname algo-1");
    expect(lines).toContain("algo-1 is 127.0.0.1");
    expect(lines).toContain("train 1,2,3");
    expect(lines).toContain("hosts ['algo-1']");
    // No warning of the scene's (the image not run is the control plane's, about the request's image).
    expect(lines.filter((l) => l.includes("warning") && !l.startsWith("[optml] warning: TrainingImage"))).toEqual([]);
    expect(tarNames(readFileSync(join(out, "scene-hard-coded", "output", "model.tar.gz")))).toEqual(["weights.txt"]);
    expect(tarNames(readFileSync(join(out, "scene-hard-coded", "output", "output.tar.gz")))).toContain("report.txt");
    expect(readdirSync(checkpoints)).toEqual(["step-1.txt"]);
    // The mount was the host's own: nothing at /opt/ml out here, and no file the job wrote there.
    expect(optMlMounts()).toEqual([]);
    expect(existsSync("/opt/ml/model/weights.txt")).toBe(false);
  }, 90_000);

  it("gives every host of a multi-host job its own /opt/ml", async () => {
    const program = `
import os
me = os.environ["SM_CURRENT_HOST"]
open("/opt/ml/model/" + me + ".txt", "w").write(me)
print("model dir holds", sorted(os.listdir("/opt/ml/model")), "base", os.environ["SAGEMAKER_BASE_DIR"], flush=True)
`;
    const out = h.output();
    const req = scriptModeRequest({ name: "scene-multi", codeDir: h.code({ "train.py": program }), program: "train.py", outputDir: out });
    await h.sagemaker.send(new CreateTrainingJobCommand({ ...req, ResourceConfig: { InstanceType: "ml.m5.large", InstanceCount: 2, VolumeSizeInGB: 1 } } as never));
    const d = await h.waitForEnd("scene-multi", 90_000);
    expect(d.FailureReason).toBeUndefined();
    expect(logLines("scene-multi", "algo-1")).toContain("model dir holds ['algo-1.txt'] base /opt/ml");
    expect(logLines("scene-multi", "algo-2")).toContain("model dir holds ['algo-2.txt'] base /opt/ml");
    expect(tarNames(readFileSync(join(out, "scene-multi", "output", "model.tar.gz"))).sort()).toEqual(["algo-1.txt", "algo-2.txt"]);
    expect(optMlMounts()).toEqual([]);
  }, 120_000);
});
