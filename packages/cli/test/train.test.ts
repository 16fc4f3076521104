import { existsSync, readFileSync, rmSync, truncateSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { jobJson, project, transitions } from "./fixtures.js";
import { optml, tempDir } from "./run-optml.js";

const root = tempDir("optml-cli-train-");
afterAll(() => rmSync(root, { recursive: true, force: true }));
const env = { OPTML_HOME: join(root, "home"), OPTML_STOP_GRACE_SECONDS: "3" };
const ANSI = /\x1b\[/;

describe("optml train job.json", () => {
  it("follows the job to its end: transitions, host-prefixed lines, metrics, artifacts, duration; exit 0", () => {
    const dir = project(root, "simple");
    const r = optml(["train", join(dir, "job.json")], env, root);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const name = /^optml: training job (simple-\d{4}(-\d\d){5}-\d{3}) on an embedded control plane \(state in (.*)\)$/m.exec(r.stdout);
    expect(name?.[3]).toBe(env.OPTML_HOME);
    // Its dashboard page, served by the embedded control plane while the command runs.
    expect(r.stdout).toMatch(new RegExp(`^optml: dashboard http://127\\.0\\.0\\.1:\\d+/#/jobs/${name![1]}$`, "m"));
    expect(transitions(r.stdout)).toEqual(["Starting", "Downloading", "Training", "Uploading", "Completed"]);
    // file://./ URIs are relative to job.json's directory, whatever the working directory.
    expect(r.stdout).toContain("[algo-1] args --epochs 2\n");
    expect(r.stdout).toContain("[algo-1] channel train ['a.csv']\n");
    expect(r.stdout).toContain("[algo-1] epoch=2 loss=0.3333\n");
    expect(r.stdout).toMatch(/^\[algo-1\] \[optml-train\] /m);
    expect(r.stdout).toMatch(new RegExp(`^Completed ${name![1]} in [\\d.]+ s \\(training [\\d.]+ s\\)$`, "m"));
    expect(r.stdout).toContain("  Final metrics:\n    train:loss  0.3333\n");
    const model = join(dir, "out", name![1]!, "output", "model.tar.gz");
    expect(r.stdout).toContain(`  Model:  ${model}\n`);
    expect(existsSync(model)).toBe(true);
    expect(r.stdout).not.toMatch(ANSI);
    // The embedded control plane let go of the home.
    expect(existsSync(join(env.OPTML_HOME, "control-plane.json"))).toBe(false);
  });

  it("warns when the code directory holds more than 100 MiB for the job, and says what is big", () => {
    const dir = project(root, "heavy");
    writeFileSync(join(dir, "src", "weights.bin"), "");
    // A sparse file: 120 MiB to the copy, next to nothing on disk.
    truncateSync(join(dir, "src", "weights.bin"), 120 * 1024 * 1024);
    const r = optml(["train", join(dir, "job.json")], env, root);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(
      new RegExp(`^optml: warning: the code directory ${join(dir, "src")} holds 120\\.0 MiB in 2 file\\(s\\), copied into every job \\(largest: weights\\.bin 120\\.0 MiB, train\\.py \\d+ bytes\\); list what the job does not need in ${join(dir, "src")}/\\.optmlignore \\(gitignore syntax, e\\.g\\. 'weights\\.bin'\\), or give it as a channel instead\n$`),
    );
    expect(r.stdout).toContain(`[algo-1] [optml-train] warning: the code directory ${join(dir, "src")} holds 120.0 MiB`);
  });

  it("applies --name, --hp, --channel and --output", () => {
    const dir = project(root, "overrides");
    const out = join(root, "elsewhere");
    const r = optml(
      ["train", "overrides/job.json", "--name", "custom-1", "--hp", "epochs=3", "--hp", "extra=x", "--channel", "train=overrides/data/other", "--channel", "eval=overrides/data/train", "--output", out],
      env,
      root,
    );
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("[algo-1] args --epochs 3 --extra x\n");
    expect(r.stdout).toContain("[algo-1] channel eval ['a.csv']\n");
    expect(r.stdout).toContain("[algo-1] channel train ['b.csv']\n");
    expect(existsSync(join(out, "custom-1", "output", "model.tar.gz"))).toBe(true);
    expect(existsSync(join(dir, "out"))).toBe(false);
  });

  it("prints the final description with --json, the live display on stderr", () => {
    const dir = project(root, "json");
    const r = optml(["train", join(dir, "job.json"), "--json", "--name", "json-1"], env);
    expect(r.code).toBe(0);
    const job = JSON.parse(r.stdout) as Record<string, unknown>;
    expect(job).toMatchObject({ TrainingJobName: "json-1", TrainingJobStatus: "Completed", FinalMetricDataList: [{ MetricName: "train:loss", Value: 0.3333 }] });
    expect(job.$metadata).toBeUndefined();
    expect(transitions(r.stderr)).toEqual(["Starting", "Downloading", "Training", "Uploading", "Completed"]);
  });

  it("exits 1 for a job that fails, with its failure reason", () => {
    const dir = project(root, "fails");
    const r = optml(["train", join(dir, "job.json"), "--hp", "fail=1"], env);
    expect(r.code).toBe(1);
    expect(transitions(r.stdout).at(-1)).toBe("Failed");
    expect(r.stdout).toMatch(/^Failed fails-\S+ in /m);
    expect(r.stdout).toContain("  Failure reason: AlgorithmError: ExecuteUserScriptError: exit code 3\n    about to fail\n    Command: ");
    expect(r.stdout).toContain("[algo-1] about to fail\n");
  });

  it("exits 3 for a job stopped by its MaxRuntimeInSeconds", () => {
    const dir = project(root, "maxrt", jobJson({ StoppingCondition: { MaxRuntimeInSeconds: 1 } }));
    const r = optml(["train", join(dir, "job.json"), "--hp", "sleep=30"], env);
    expect(r.code).toBe(3);
    expect(transitions(r.stdout)).toContain("MaxRuntimeExceeded");
    expect(r.stdout).toMatch(/^Stopped \(MaxRuntimeExceeded\) maxrt-\S+ in /m);
  });
});

describe("optml train: bad input", () => {
  const dir = project(root, "bad");
  const oneLine = (stderr: string) => expect(stderr.trimEnd().split("\n")).toHaveLength(1);

  it("names the line and column of a job.json that is not JSON", () => {
    writeFileSync(join(dir, "broken.json"), '{\n  "RoleArn": "x",\n  "HyperParameters": {"a": "1",}\n}\n');
    const r = optml(["train", join(dir, "broken.json")], env);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr).toBe(`optml: ${join(dir, "broken.json")}: not valid JSON at line 3, column 32: a trailing comma before '}' (JSON allows none)\n`);
  });

  it("prints the API's validation messages as AWS words them", () => {
    const job = JSON.parse(readFileSync(join(dir, "job.json"), "utf8")) as Record<string, unknown>;
    writeFileSync(join(dir, "invalid.json"), JSON.stringify({ ...job, TrainingJobName: "bad_name", RoleArn: "arn:aws:iam::123:role/SageMaker" }));
    const r = optml(["train", join(dir, "invalid.json")], env);
    expect(r.code).toBe(2);
    oneLine(r.stderr);
    expect(r.stderr).toMatch(/^optml: CreateTrainingJob: ValidationException: 2 validation errors detected: Value 'bad_name' at 'trainingJobName' failed to satisfy constraint: Member must satisfy regular expression pattern: .*; Value 'arn:aws:iam::123:role\/SageMaker' at 'roleArn' failed to satisfy constraint: Member must satisfy regular expression pattern/);
  });

  it("passes --instance-count through: the control plane's refusal of 2 hosts in one line, or 2 hosts' lines", () => {
    const r = optml(["train", join(dir, "job.json"), "--instance-count", "2"], env);
    if (r.code === 2) {
      // A control plane that runs one host per job refuses at creation.
      oneLine(r.stderr);
      expect(r.stderr).toMatch(/^optml: CreateTrainingJob: ValidationException: .*ResourceConfig asks for 2 hosts/);
    } else {
      expect(r.stdout).toMatch(/^\[algo-2\] args --epochs 2$/m);
    }
  });

  it("names a --channel path that does not exist, a missing file, and refuses --no-wait without a lasting control plane", () => {
    const channel = optml(["train", join(dir, "job.json"), "--channel", "train=./no/such/dir"], env, root);
    expect(channel.code).toBe(2);
    expect(channel.stderr).toBe(`optml: --channel train=./no/such/dir: ${join(root, "no/such/dir")} does not exist; give an existing directory or file (or an s3:// URI)\n`);
    const missing = optml(["train", join(dir, "nope.json")], env);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toBe(`optml: ${join(dir, "nope.json")}: cannot read it (no such file); give the path of a CreateTrainingJob request in JSON\n`);
    const noWait = optml(["train", join(dir, "job.json"), "--no-wait"], env);
    expect(noWait.code).toBe(2);
    expect(noWait.stderr).toMatch(/^optml: --no-wait needs a control plane that outlives this command: start 'optml serve'/);
    oneLine(noWait.stderr);
  });

  it("prints usage for unknown flags and bad values, and help with examples", () => {
    const r = optml(["train", "job.json", "--bogus"], env);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("error: unknown option '--bogus'");
    expect(r.stderr).toContain("Usage: optml train [options] <job.json>");
    const hp = optml(["train", "job.json", "--hp", "novalue"], env);
    expect(hp.code).toBe(2);
    expect(hp.stderr).toContain("--hp takes KEY=VALUE, got 'novalue'");
    const help = optml(["train", "--help"]);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain("Examples:\n  optml train examples/tabular-ts/job.json");
  });
});
