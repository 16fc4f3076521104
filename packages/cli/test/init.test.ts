import { existsSync, readFileSync, rmSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { list } from "tar";
import { afterAll, describe, expect, it } from "vitest";
import { transitions } from "./fixtures.js";
import { optml, tempDir } from "./run-optml.js";

const root = tempDir("optml-cli-init-");
afterAll(() => rmSync(root, { recursive: true, force: true }));
const env = { OPTML_HOME: join(root, "home") };
const contractDir = resolve(import.meta.dirname, "../../contract");

function tarballFiles(file: string): string[] {
  const files: string[] = [];
  list({ file, sync: true, onReadEntry: (entry) => void files.push(entry.path) });
  return files;
}

function tarballManifest(file: string): Record<string, unknown> {
  let text = "";
  list({ file, sync: true, onReadEntry: (entry) => (entry.path === "package/package.json" ? void entry.on("data", (d: Buffer) => (text += d.toString())) : undefined) });
  return JSON.parse(text) as Record<string, unknown>;
}

describe("optml init", () => {
  it("scaffolds a project whose job trains with the typed reader", () => {
    const made = optml(["init", "My Model"], env, root);
    expect(made.stderr).toBe("");
    expect(made.code).toBe(0);
    expect(made.stdout).toBe(
      "Created My Model: src/train.ts, src/package.json, data/train/data.csv, job.json, Dockerfile, .gitignore, README.md, src/vendor/optml-contract-0.1.0.tgz, vendor/optml-runner-0.1.0.tgz\nNext:\n  cd My Model && optml train job.json\n",
    );
    const dir = join(root, "My Model");
    const pkg = JSON.parse(readFileSync(join(dir, "src/package.json"), "utf8")) as { name: string; type: string; dependencies: Record<string, string> };
    // The project carries the package's tarball: no registry has it, and no path leads into the checkout.
    expect(pkg).toMatchObject({ name: "my-model", type: "module", dependencies: { "@optml/contract": "file:vendor/optml-contract-0.1.0.tgz" } });
    expect(tarballManifest(join(dir, "src/vendor/optml-contract-0.1.0.tgz"))).toMatchObject({ name: "@optml/contract", version: "0.1.0" });
    // The runner's tarball carries the contract it needs.
    expect(tarballManifest(join(dir, "vendor/optml-runner-0.1.0.tgz"))).toMatchObject({ name: "@optml/runner", bundleDependencies: ["@optml/contract"] });
    expect(tarballFiles(join(dir, "vendor/optml-runner-0.1.0.tgz"))).toContain("package/node_modules/@optml/contract/dist/index.js");
    const texts = ["src/train.ts", "src/package.json", "job.json", "Dockerfile", "README.md"].map((f) => readFileSync(join(dir, f), "utf8"));
    expect(texts.join("\n")).not.toContain(contractDir);
    expect(readFileSync(join(dir, "src/train.ts"), "utf8")).toContain('import { readTrainingEnvironment } from "@optml/contract";');
    const dockerfile = readFileSync(join(dir, "Dockerfile"), "utf8");
    expect(dockerfile).toContain("COPY vendor/optml-runner-0.1.0.tgz /tmp/\nRUN npm install --global --no-audit --no-fund /tmp/optml-runner-0.1.0.tgz && rm /tmp/optml-runner-0.1.0.tgz\n");
    expect(dockerfile).toContain("COPY src/ /opt/ml/code/\n");

    const trained = optml(["train", join(dir, "job.json")], env);
    expect(trained.stderr).toBe("");
    expect(trained.code).toBe(0);
    const name = /training job (My-Model-[\d-]+) on/.exec(trained.stdout)![1]!;
    expect(transitions(trained.stdout).at(-1)).toBe("Completed");
    expect(trained.stdout).toMatch(new RegExp(`^\\[algo-1\\] job ${name} on algo-1: 40 rows, 100 epochs, learning rate 0.1$`, "m"));
    // y = 3x + 2 (plus a little noise), learnt.
    const fitted = /^\[algo-1\] model y = ([\d.]+) \* x \+ ([\d.]+) saved/m.exec(trained.stdout)!;
    expect(Number(fitted[1])).toBeCloseTo(3, 0);
    expect(Number(fitted[2])).toBeCloseTo(2, 0);
    expect(trained.stdout).toMatch(/^ {4}train:loss +0\.0\d+$/m);
    expect(existsSync(join(dir, "optml-out", name, "output", "model.tar.gz"))).toBe(true);
  }, 120_000);

  it("writes only new files unless --force", () => {
    const dir = join(root, "again");
    expect(optml(["init", dir], env).code).toBe(0);
    const twice = optml(["init", dir], env);
    expect(twice.code).toBe(2);
    expect(twice.stderr).toBe(
      `optml: ${dir} already has src/train.ts, src/package.json, data/train/data.csv, job.json, Dockerfile, .gitignore, README.md, src/vendor/optml-contract-0.1.0.tgz, vendor/optml-runner-0.1.0.tgz: optml init writes only new files; pick another directory, or give --force to overwrite them\n`,
    );
    expect(optml(["init", dir, "--force"], env).code).toBe(0);
  });

  it("--image toolkit: a Python script-mode project whose Dockerfile adds SageMaker's training toolkit; its job trains here too", () => {
    const dir = join(root, "tk");
    const made = optml(["init", dir, "--image", "toolkit"], env);
    expect(made.stderr).toBe("");
    expect(made.stdout).toContain(": src/train.py, data/train/data.csv, job.json, Dockerfile, .gitignore, README.md\nNext:\n  cd ");
    const dockerfile = readFileSync(join(dir, "Dockerfile"), "utf8");
    expect(dockerfile).toContain("pip install --no-cache-dir sagemaker-training");
    expect(dockerfile).toContain("ENV SAGEMAKER_PROGRAM=train.py\n");
    expect(readFileSync(join(dir, "README.md"), "utf8")).toContain("docker build -t tk . && optml train job.json --executor docker");
    const job = JSON.parse(readFileSync(join(dir, "job.json"), "utf8")) as { HyperParameters: Record<string, string> };
    expect(job.HyperParameters).toMatchObject({ sagemaker_program: '"train.py"', sagemaker_submit_directory: '"file://./src"' });
    // Without the image (as processes, this machine's Python) the same job trains.
    const trained = optml(["train", join(dir, "job.json"), "--executor", "process"], env);
    expect(trained.stderr).toBe("");
    expect(transitions(trained.stdout).at(-1)).toBe("Completed");
    const fitted = /^\[algo-1\] model y = ([\d.]+) \* x \+ ([\d.]+) saved/m.exec(trained.stdout)!;
    expect(Number(fitted[1])).toBeCloseTo(3, 0);
    expect(trained.stdout).toMatch(/^\[algo-1\] job tk-[\d-]+: 40 rows, 100 epochs, learning rate 0.1$/m);
  }, 120_000);

  it("--image byoc: a bare `train` executable as the image's train", () => {
    const dir = join(root, "byoc");
    const made = optml(["init", dir, "--image", "byoc"], env);
    expect(made.code).toBe(0);
    expect(made.stdout).toContain("Created ");
    expect(made.stdout).toContain(": src/train.py, data/train/data.csv, job.json, Dockerfile, train, .gitignore, README.md\n");
    expect(statSync(join(dir, "train")).mode & 0o111).toBe(0o111);
    expect(readFileSync(join(dir, "train"), "utf8")).toContain("exec python3 /opt/ml/code/train.py\n");
    const dockerfile = readFileSync(join(dir, "Dockerfile"), "utf8");
    expect(dockerfile).toContain("COPY train /usr/local/bin/train\n");
    expect(dockerfile).not.toContain("sagemaker-training");
    expect(readFileSync(join(dir, "README.md"), "utf8")).toContain("docker build -t byoc . && optml train job.json --executor docker");
    expect(optml(["init", dir, "--image", "nope"], env).stderr).toContain("argument 'nope' is invalid. Allowed choices are runner, toolkit, byoc.");
  });
});
