import { DescribeLogStreamsCommand } from "@aws-sdk/client-cloudwatch-logs";
import { CreateTrainingJobCommand, DeleteTrainingJobCommand, DescribeTrainingJobCommand, ListTrainingJobsCommand, StopTrainingJobCommand } from "@aws-sdk/client-sagemaker";
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startHarness, type Harness } from "./harness.js";
import { sendKeepingBody } from "./raw-members.js";
import { scriptModeRequest } from "./requests.js";

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => h?.close());

const TRAIN = `
import os
for e in range(1, 4):
    print(f"epoch={e} loss={1 / e:.3f}", flush=True)
open(os.path.join(os.environ["SM_MODEL_DIR"], "weights.bin"), "wb").write(os.urandom(300_000))
`;

/** `du -s -B1 DIR`: the oracle for the bytes a directory takes on disk. */
function du(dir: string): number {
  return Number(execFileSync("du", ["-s", "-B1", dir], { encoding: "utf8" }).split("\t")[0]);
}

const home = () => join(h.root, "home");
const workDirOf = (name: string) => join(home(), "jobs", readdirSync(join(home(), "jobs")).find((d) => d.startsWith(`${name}-`))!);

describe("disk: ListTrainingJobs' OptmlDiskBytes, DeleteTrainingJob's OptmlFreedBytes", () => {
  it("lists what each job's files take, and deletes the job's record, logs, metrics and files, never its artifacts", async () => {
    const outputDir = h.output();
    const request = scriptModeRequest({
      name: "disk-1",
      codeDir: h.code({ "train.py": TRAIN }),
      program: "train.py",
      outputDir,
      metricDefinitions: [{ Name: "loss", Regex: "loss=([0-9.]+)" }],
    });
    await h.sagemaker.send(new CreateTrainingJobCommand(request as never));
    await h.waitForEnd("disk-1");
    const workDir = workDirOf("disk-1");
    // A code copy `optml run` leaves for a job it did not follow: the job's too.
    mkdirSync(join(home(), "code", "disk-1"), { recursive: true });
    writeFileSync(join(home(), "code", "disk-1", "train.py"), TRAIN);

    const list = new ListTrainingJobsCommand({ NameContains: "disk-" });
    const listed = await sendKeepingBody(list, () => h.sagemaker.send(list));
    const summaries = listed.body.TrainingJobSummaries as Record<string, unknown>[];
    expect(summaries.map((s) => s.TrainingJobName)).toEqual(["disk-1"]);
    expect(summaries[0]!.OptmlDiskBytes).toBe(du(workDir));
    // The model (300 kB of random bytes) is in the work dir as well as in the artifacts.
    expect(summaries[0]!.OptmlDiskBytes).toBeGreaterThan(300_000);
    // The SDK's own output is as SageMaker's, without the extension.
    expect(listed.output.TrainingJobSummaries![0]).not.toHaveProperty("OptmlDiskBytes");

    const cp = h.server.controlPlane;
    expect(cp.store.metrics.final("disk-1").length).toBeGreaterThan(0);
    const streams = async () => (await h.logs.send(new DescribeLogStreamsCommand({ logGroupName: "/aws/sagemaker/TrainingJobs", logStreamNamePrefix: "disk-1/" }))).logStreams ?? [];
    expect((await streams()).length).toBe(1);

    const expectedFreed = du(workDir) + du(join(home(), "code", "disk-1"));
    const remove = new DeleteTrainingJobCommand({ TrainingJobName: "disk-1" });
    const deleted = await sendKeepingBody(remove, () => h.sagemaker.send(remove));
    expect(deleted.body).toEqual({ OptmlFreedBytes: expectedFreed });
    await expect(h.sagemaker.send(new DescribeTrainingJobCommand({ TrainingJobName: "disk-1" }))).rejects.toThrow("Requested resource not found.");
    expect(existsSync(workDir)).toBe(false);
    expect(existsSync(join(home(), "code", "disk-1"))).toBe(false);
    expect(await streams()).toEqual([]);
    expect(cp.store.metrics.final("disk-1")).toEqual([]);
    expect(cp.store.jobs.transitions("disk-1")).toEqual([]);
    // The artifacts went to the output path, which is the user's.
    expect(existsSync(join(outputDir, "disk-1", "output", "model.tar.gz"))).toBe(true);
  });

  it("refuses to delete a running job, in SageMaker's words", async () => {
    const request = scriptModeRequest({ name: "disk-running", codeDir: h.code({ "train.py": "import time\nprint('up', flush=True)\ntime.sleep(60)\n" }), program: "train.py", outputDir: h.output() });
    await h.sagemaker.send(new CreateTrainingJobCommand(request as never));
    await expect(h.sagemaker.send(new DeleteTrainingJobCommand({ TrainingJobName: "disk-running" }))).rejects.toMatchObject({
      name: "ValidationException",
      message: "The request was rejected because the training job is in status InProgress.",
    });
    await h.sagemaker.send(new StopTrainingJobCommand({ TrainingJobName: "disk-running" }));
    await h.waitForEnd("disk-running");
  });
});
