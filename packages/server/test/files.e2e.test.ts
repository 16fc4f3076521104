/**
 * Files at the edge of a job, through a real control plane and the AWS SDK: temporary files left
 * in a file:// output location by a killed upload are removed when the job's upload runs, and
 * `--allow-path` (ControlPlaneOptions.allowPaths) limits where file:// inputs and outputs may be.
 */
import { CreateTrainingJobCommand } from "@aws-sdk/client-sagemaker";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, realpathSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startHarness, type Harness } from "./harness.js";
import { scriptModeRequest } from "./requests.js";

const TRAIN_PY = "import os\nopen(os.path.join(os.environ['SM_MODEL_DIR'], 'model.txt'), 'w').write('weights')\n";

describe("a killed upload's temporary files", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    await h?.close();
  });

  it("are removed when an upload to the same output runs, and model.tar.gz is there", async () => {
    const name = "stale-partials";
    const outputDir = h.output();
    const jobOutput = join(outputDir, name, "output");
    mkdirSync(jobOutput, { recursive: true });
    // As a kill -9 mid-upload leaves them: model.tar.gz's and output.tar.gz's, an hour old.
    const stale = [".model.tar.gz.partial-0a1b2c3d", ".output.tar.gz.partial-deadbeef"];
    const unrelated = [".other.tar.gz.partial-0a1b2c3d", ".model.tar.gz.partial-notmine", "notes.txt"];
    const hourAgo = new Date(Date.now() - 3600_000);
    for (const file of [...stale, ...unrelated]) {
      writeFileSync(join(jobOutput, file), "half an archive");
      utimesSync(join(jobOutput, file), hourAgo, hourAgo);
    }

    await h.sagemaker.send(new CreateTrainingJobCommand(scriptModeRequest({ name, codeDir: h.code({ "train.py": TRAIN_PY }), program: "train.py", outputDir }) as never));
    const described = await h.waitForEnd(name);
    expect(described.TrainingJobStatus, described.FailureReason).toBe("Completed");

    const left = readdirSync(jobOutput).sort();
    for (const file of stale) expect(left).not.toContain(file);
    expect(left).toEqual(expect.arrayContaining(["model.tar.gz", "output.tar.gz", ...unrelated]));
    expect(left.filter((f) => f.includes(".partial-")).sort()).toEqual(unrelated.filter((f) => f.includes(".partial-")).sort());
    expect(existsSync(join(jobOutput, "model.tar.gz"))).toBe(true);
  });
});

describe("--allow-path", () => {
  let h: Harness;
  const allowed = realpathSync(mkdtempSync(join(tmpdir(), "optml-allowed-")));
  const outside = mkdtempSync(join(tmpdir(), "optml-outside-"));
  beforeAll(async () => {
    h = await startHarness({ allowPaths: [allowed] });
  });
  afterAll(async () => {
    await h?.close();
    rmSync(allowed, { recursive: true, force: true });
    rmSync(outside, { recursive: true, force: true });
  });

  /** A job whose code, output and channel 'train' are in `allowed`, and whose channel 'extra' is `extra`. */
  function job(name: string, extra: string) {
    const code = join(allowed, `${name}-code`);
    mkdirSync(code);
    writeFileSync(join(code, "train.py"), "import os\nprint(sorted(os.listdir('/opt/ml/input/data/extra')))\n");
    mkdirSync(join(allowed, "train"), { recursive: true });
    writeFileSync(join(allowed, "train", "rows.csv"), "a,b\n");
    writeFileSync(join(extra, "rows.csv"), "a,b\n");
    const request = scriptModeRequest({ name, codeDir: code, program: "train.py", outputDir: join(allowed, "out"), channels: { train: join(allowed, "train"), extra } });
    return new CreateTrainingJobCommand(request as never);
  }

  it("refuses a channel outside every allowed directory, naming the member and the directories", async () => {
    const refused = await h.sagemaker.send(job("outside-channel", outside)).then(
      () => undefined,
      (e: Error) => e,
    );
    expect(refused?.name).toBe("ValidationException");
    expect(refused?.message).toContain(`InputDataConfig.2.member (channel 'extra').DataSource.S3DataSource.S3Uri "file://${outside}"`);
    expect(refused?.message).toContain(`is outside the directories this control plane allows for local data and code (optml serve --allow-path): ${allowed}`);
  });

  it("accepts a channel inside one, and runs the job", async () => {
    const inside = join(allowed, "extra");
    mkdirSync(inside);
    await h.sagemaker.send(job("inside-channel", inside));
    const described = await h.waitForEnd("inside-channel");
    expect(described.TrainingJobStatus, described.FailureReason).toBe("Completed");
    expect(existsSync(join(allowed, "out", "inside-channel", "output", "model.tar.gz"))).toBe(true);
  });
});
