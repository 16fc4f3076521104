/**
 * The PyTorch DDP example end to end (as root: hosts in network namespaces), its job.json as the
 * CLI reads it: torchrun on 2 hosts x 2 processes, every rank ends with the same parameters, and
 * the model learns (validation accuracy above 0.8; always predicting "no failure" scores 0.68).
 */
import { CreateTrainingJobCommand } from "@aws-sdk/client-sagemaker";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { resolveRelativeFileUris } from "../../packages/cli/src/job-request.js";
import { startHarness, type Harness } from "../../packages/server/test/harness.js";
import { tarNames } from "../../packages/server/test/tar-names.js";
import { torchPython } from "../../test-support/torch-venv.js";

const root = process.getuid?.() === 0;
const here = import.meta.dirname;
let h: Harness;
let python: string;
beforeAll(async () => {
  if (!root) return;
  python = await torchPython();
  h = await startHarness({ capacity: 2 });
}, 30 * 60_000);
afterAll(async () => h?.close());

describe.skipIf(!root)("examples/pytorch-ddp (root: multi-host jobs, PyTorch)", () => {
  it("trains one model with DDP on 2 hosts x 2 processes", async () => {
    const out = h.output();
    const job = resolveRelativeFileUris(JSON.parse(readFileSync(join(here, "job.json"), "utf8")), here) as Record<string, unknown>;
    await h.sagemaker.send(
      new CreateTrainingJobCommand({ ...job, OutputDataConfig: { S3OutputPath: `file://${out}` }, Environment: { OPTML_PYTHON: python } } as never),
    );
    const d = await h.waitForEnd("pytorch-ddp", 300_000);
    expect(d.FailureReason).toBeUndefined();
    const lines = h.server.controlPlane.store.logs.streamsOfJob("pytorch-ddp").flatMap((s) =>
      h.server.controlPlane.store.logs.events(s.id, { fromSeq: 0, toSeq: 1e9, limit: 10_000 }).map((e) => e.message),
    );
    const checksums = lines.map((l) => /^rank (\d): parameter checksum (\S+)$/.exec(l)).filter((m) => m !== null);
    expect(checksums.map((m) => m[1]).sort()).toEqual(["0", "1", "2", "3"]);
    expect(new Set(checksums.map((m) => m[2])).size).toBe(1);
    const accuracy = d.FinalMetricDataList?.find((m) => m.MetricName === "validation:accuracy")?.Value;
    expect(accuracy).toBeGreaterThan(0.8);
    expect(tarNames(readFileSync(join(out, "pytorch-ddp", "output", "model.tar.gz"))).sort()).toEqual(["model.pt", "training.json"]);
  }, 320_000);
});
