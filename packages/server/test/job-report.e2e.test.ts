/**
 * What a job's description and log say about what happened: the executor that ran it
 * (OptmlExecutor), a TrainingImage that ran as local processes instead (OptmlWarnings and the
 * log), the artifacts of a failed job (none advertised when it wrote none), and a completed job
 * whose model dir was empty. Jobs are created with the real SDK; the extension members, which the
 * SDK leaves out of its output, are read from DescribeTrainingJob's JSON on the wire.
 */
import { CreateTrainingJobCommand } from "@aws-sdk/client-sagemaker";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RECORDED_ONLY_IMAGE } from "../src/index.js";
import { EMPTY_MODEL_WARNING } from "../src/jobs/lifecycle.js";
import { startHarness, type Harness } from "./harness.js";
import { scriptModeRequest } from "./requests.js";
import { logLines } from "./s3-jobs.js";
import { tarNames } from "./tar-names.js";

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => h?.close());

const ECR_IMAGE = "123456789012.dkr.ecr.us-east-1.amazonaws.com/x:latest";

async function run(name: string, code: string, over: { image?: string; tags?: { Key: string; Value: string }[] } = {}) {
  const out = h.output();
  const req = scriptModeRequest({ name, codeDir: h.code({ "train.py": code }), program: "train.py", outputDir: out });
  if (over.image) req.AlgorithmSpecification.TrainingImage = over.image;
  await h.sagemaker.send(new CreateTrainingJobCommand({ ...req, ...(over.tags ? { Tags: over.tags } : {}) } as never));
  const described = await h.waitForEnd(name);
  return { described, wire: await h.describedOnTheWire(name), out: join(out, name, "output"), log: await logLines(h, name) };
}

const SAVES_MODEL = 'import os\nopen(os.path.join(os.environ["SM_MODEL_DIR"], "model.txt"), "w").write("m")\n';

describe("the executor", () => {
  it("is named once the job ran, and an image that ran as processes is said to have been passed over, with why", async () => {
    const { described, wire, log } = await run("ecr-as-processes", SAVES_MODEL, { image: ECR_IMAGE, tags: [{ Key: "optml:executor", Value: "process" }] });
    expect(described.TrainingJobStatus).toBe("Completed");
    expect(wire.OptmlExecutor).toEqual({ Name: "process", Description: "local processes" });
    const warning =
      `TrainingImage ${ECR_IMAGE} was not run: the job runs as local processes with this machine's Python and Node ` +
      "(the executor is process (optml serve --executor, the tag optml:executor or OPTML_EXECUTOR in Environment)); " +
      "to run the image, build or pull it and use the docker executor (optml train --executor docker, or the tag optml:executor=docker)";
    expect(wire.OptmlWarnings).toEqual([warning]);
    expect(log).toContain(`[optml] warning: ${warning}`);
    expect(described.SecondaryStatusTransitions![0]!.StatusMessage).toBe(`Launching requested ML instances; warning: ${warning}`);
  });

  it("says why auto did not run the image: no Docker engine, or an engine without the image", async () => {
    const { wire } = await run("ecr-auto", SAVES_MODEL, { image: ECR_IMAGE });
    expect(wire.OptmlExecutor).toEqual({ Name: "process", Description: "local processes" });
    expect(wire.OptmlWarnings).toEqual([
      expect.stringMatching(
        new RegExp(`^TrainingImage ${ECR_IMAGE.replace(/\./g, "\\.")} was not run: the job runs as local processes with this machine's Python and Node \\((no Docker engine answers at \\S+|the Docker engine does not have the image)\\); to run the image, `),
      ),
    ]);
  });

  it("says nothing of the image optml run records, which names no image to run", async () => {
    const { wire, log } = await run("recorded-image", SAVES_MODEL, { image: RECORDED_ONLY_IMAGE });
    expect(wire.OptmlExecutor).toEqual({ Name: "process", Description: "local processes" });
    expect(wire.OptmlWarnings).toBeUndefined();
    expect(log.filter((l) => l.startsWith("[optml] "))).toEqual([]);
  });
});

describe("artifacts", () => {
  const FAILS = "raise SystemExit('no model today')\n";

  it("of a failed job that wrote nothing: no model.tar.gz, none advertised", async () => {
    const { described, wire, out } = await run("failed-empty", FAILS, { image: RECORDED_ONLY_IMAGE });
    expect(described.TrainingJobStatus).toBe("Failed");
    expect(described.ModelArtifacts).toBeUndefined();
    expect(wire.ModelArtifacts).toBeUndefined();
    expect(existsSync(out) ? readdirSync(out) : []).toEqual([]);
  });

  it("of a failed job that saved a model: uploaded and advertised", async () => {
    const { described, out } = await run("failed-with-model", `${SAVES_MODEL}${FAILS}`, { image: RECORDED_ONLY_IMAGE });
    expect(described.TrainingJobStatus).toBe("Failed");
    expect(described.ModelArtifacts?.S3ModelArtifacts).toBe(`file://${join(out, "model.tar.gz")}`);
    expect(tarNames(readFileSync(join(out, "model.tar.gz")))).toEqual(["model.txt"]);
    expect(readdirSync(out)).toEqual(["model.tar.gz"]);
  });

  it("of a completed job whose model dir was empty: the empty model.tar.gz as SageMaker uploads it, and a warning saying so", async () => {
    const { described, wire, out, log } = await run("completed-empty", "print('trained nothing')\n", { image: RECORDED_ONLY_IMAGE });
    expect(described.TrainingJobStatus).toBe("Completed");
    expect(described.ModelArtifacts?.S3ModelArtifacts).toBe(`file://${join(out, "model.tar.gz")}`);
    expect(tarNames(readFileSync(join(out, "model.tar.gz")))).toEqual([]);
    expect(wire.OptmlWarnings).toEqual([EMPTY_MODEL_WARNING]);
    expect(log.at(-1)).toBe(`[optml] warning: ${EMPTY_MODEL_WARNING}`);
  });

  it("of a completed job with a model: no warning", async () => {
    const { wire, log } = await run("completed-model", SAVES_MODEL, { image: RECORDED_ONLY_IMAGE });
    expect(wire.OptmlWarnings).toBeUndefined();
    expect(log.filter((l) => l.startsWith("[optml] "))).toEqual([]);
  });
});
