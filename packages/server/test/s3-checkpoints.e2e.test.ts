/**
 * Checkpoints and intermediate output end to end: uploaded to S3 while the program runs (seen
 * there before it ends), once more when it ends, and restored into a second job from the same
 * CheckpointConfig.S3Uri; the same with a file:// CheckpointConfig.
 */
import { CreateTrainingJobCommand, DescribeTrainingJobCommand } from "@aws-sdk/client-sagemaker";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CreateTrainingJobRequest } from "../src/sagemaker/request.js";
import { startHarness, type Harness } from "./harness.js";
import { scriptModeRequest } from "./requests.js";
import { startS3Server, type S3Server } from "../../../test-support/s3-server.js";
import { printed, programLines } from "./s3-jobs.js";

let h: Harness;
let s3: S3Server;

// Prints the checkpoints it finds, writes one and some intermediate output, waits for the test's
// go-ahead (a file), writes a second checkpoint and ends.
const TRAIN_PY = `
import json, os, sys, time
ckpt = "/opt/ml/checkpoints".replace("/opt/ml", os.environ.get("SAGEMAKER_BASE_DIR", "/opt/ml"))
found = {}
for root, _, names in os.walk(ckpt):
    for n in names:
        p = os.path.join(root, n)
        found[os.path.relpath(p, ckpt)] = open(p).read()
print("FOUND " + json.dumps(found, sort_keys=True), flush=True)
run = sys.argv[sys.argv.index("--run") + 1]
os.makedirs(os.path.join(ckpt, "epochs"), exist_ok=True)
open(os.path.join(ckpt, "epochs", "1.ckpt"), "w").write(run + ":1")
inter = os.path.join(os.environ["SM_OUTPUT_INTERMEDIATE_DIR"], "progress.txt")
open(inter, "w").write(run + " half way")
go = sys.argv[sys.argv.index("--go") + 1]
for _ in range(3000):
    if os.path.exists(go): break
    time.sleep(0.01)
open(os.path.join(ckpt, "epochs", "2.ckpt"), "w").write(run + ":2")
open(os.path.join(ckpt, "last"), "w").write(run)
`;

beforeAll(async () => {
  s3 = await startS3Server(["ckpt", "out"]);
  h = await startHarness({ data: { awsEnv: s3.awsEnv, syncIntervalMs: 100 } });
});
afterAll(async () => {
  await h?.close();
  s3?.stop();
});

function request(name: string, checkpointUri: string, go: string): CreateTrainingJobRequest {
  const base = scriptModeRequest({ name, codeDir: h.code({ "train.py": TRAIN_PY }), program: "train.py", outputDir: "/unused", hyperparameters: { run: JSON.stringify(name), go: JSON.stringify(go) } });
  return { ...base, OutputDataConfig: { S3OutputPath: "s3://out/jobs" }, CheckpointConfig: { S3Uri: checkpointUri } };
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe("checkpoints and intermediate output", () => {
  it("are uploaded while the job runs and when it ends, and checkpoints are restored into the next job", async () => {
    const go1 = join(h.root, "go-1");
    await h.sagemaker.send(new CreateTrainingJobCommand(request("ckpt-1", "s3://ckpt/runs/a", go1) as never));
    // Seen in S3 while the program is still waiting: uploaded as it runs.
    await until("the first checkpoint in S3", async () => ((await s3.keys("ckpt", "runs/a/")).includes("runs/a/epochs/1.ckpt") ? true : undefined));
    await until("the intermediate output in S3", async () => ((await s3.keys("out", "jobs/ckpt-1/output/intermediate/")).length ? true : undefined));
    const running = await h.sagemaker.send(new DescribeTrainingJobCommand({ TrainingJobName: "ckpt-1" }));
    expect(running.SecondaryStatus).toBe("Training");
    expect((await s3.get("out", "jobs/ckpt-1/output/intermediate/progress.txt")).toString()).toBe("ckpt-1 half way");
    writeFileSync(go1, "");
    const d1 = await h.waitForEnd("ckpt-1");
    expect(d1.FailureReason).toBeUndefined();
    expect(printed(await programLines(h, "ckpt-1"), "FOUND")).toEqual({});
    // The files written just before the end are uploaded by the last sync.
    expect((await s3.keys("ckpt", "runs/a/")).sort()).toEqual(["runs/a/epochs/1.ckpt", "runs/a/epochs/2.ckpt", "runs/a/last"]);

    const go2 = join(h.root, "go-2");
    writeFileSync(go2, "");
    await h.sagemaker.send(new CreateTrainingJobCommand(request("ckpt-2", "s3://ckpt/runs/a", go2) as never));
    const d2 = await h.waitForEnd("ckpt-2");
    expect(d2.FailureReason).toBeUndefined();
    expect(printed(await programLines(h, "ckpt-2"), "FOUND")).toEqual({ "epochs/1.ckpt": "ckpt-1:1", "epochs/2.ckpt": "ckpt-1:2", last: "ckpt-1" });
    expect((await s3.get("ckpt", "runs/a/last")).toString()).toBe("ckpt-2");
  });

  it("work the same with a file:// CheckpointConfig.S3Uri", async () => {
    const dir = h.data({ "old.ckpt": "from before" });
    const go = join(h.root, "go-local");
    writeFileSync(go, "");
    await h.sagemaker.send(new CreateTrainingJobCommand(request("ckpt-local", `file://${dir}`, go) as never));
    const d = await h.waitForEnd("ckpt-local");
    expect(d.FailureReason).toBeUndefined();
    expect(printed(await programLines(h, "ckpt-local"), "FOUND")).toEqual({ "old.ckpt": "from before" });
    expect(readFileSync(join(dir, "epochs", "2.ckpt"), "utf8")).toBe("ckpt-local:2");
    expect(readFileSync(join(dir, "old.ckpt"), "utf8")).toBe("from before");
    expect(existsSync(join(dir, "last"))).toBe(true);
  });
});
