/**
 * `optml process` end to end, against the real control plane: the README's processing job
 * (examples/processing: a CSV split by a SageMaker processing script) run on an embedded control
 * plane, its outputs, the job in `optml jobs`, `optml describe` and `optml logs`; a failing job's
 * exit code and reason; and --no-wait against `optml serve` followed by `optml stop NAME --wait`.
 */
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { exampleWorkspace, optml, startOptml, type RunningOptml } from "./run-optml.js";

/** The README's command, run as it is written. */
const README_COMMAND = "optml process examples/processing/job.json";

const { root, work } = exampleWorkspace("processing", "optml-cli-process-");
const env = { OPTML_HOME: join(root, "home"), OPTML_STOP_GRACE_SECONDS: "3" };
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** examples/processing/job.json with `change` applied, written beside it as `file`. */
function variant(file: string, change: (body: Record<string, any>) => void): string {
  const body = JSON.parse(readFileSync(join(work, "examples", "processing", "job.json"), "utf8")) as Record<string, any>;
  change(body);
  const path = join(work, "examples", "processing", file);
  writeFileSync(path, JSON.stringify(body, null, 2));
  return path;
}

describe("optml process examples/processing/job.json (the README's)", () => {
  it("runs the processing job: its lines, its status, the summary with its outputs; exit 0", { timeout: 120_000 }, () => {
    const [command, ...args] = README_COMMAND.split(" ");
    expect(command).toBe("optml");
    const r = optml(args, env, work);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^optml: processing job preprocess on an embedded control plane \(state in .*\)$/m);
    expect(r.stdout).toMatch(/^\d\d:\d\d:\d\d InProgress +Processing job in progress$/m);
    expect(r.stdout).toContain("[algo-1] algo-1: read 20 rows from /opt/ml/processing/input/raw\n");
    expect(r.stdout).toMatch(/^\d\d:\d\d:\d\d Completed +Processing job completed$/m);
    expect(r.stdout).toMatch(/^Completed preprocess in [\d.]+ s$/m);
    expect(r.stdout).toContain("  Exit message: 15 train rows, 5 test rows\n");
    const out = join(work, "examples", "processing", "optml-out");
    expect(readFileSync(join(out, "train", "train.csv"), "utf8").split("\n").filter(Boolean)).toHaveLength(15);
    expect(readFileSync(join(out, "test", "test.csv"), "utf8").split("\n").filter(Boolean)).toHaveLength(5);
  });

  it("is in optml jobs, optml describe and optml logs", () => {
    const jobs = optml(["jobs"], env);
    expect(jobs.code).toBe(0);
    expect(jobs.stdout).toMatch(/^PROCESSING JOB +STATUS +CREATED +DURATION$/m);
    expect(jobs.stdout).toMatch(/^preprocess +Completed /m);
    const listed = JSON.parse(optml(["jobs", "--processing", "--json"], env).stdout) as { ProcessingJobName: string }[];
    expect(listed.map((j) => j.ProcessingJobName)).toEqual(["preprocess"]);
    const described = optml(["describe", "preprocess"], env);
    expect(described.stdout).toMatch(/^Kind: +processing job$/m);
    expect(described.stdout).toMatch(/^Executor: +local processes$/m);
    expect(described.stdout).toMatch(/^Entrypoint: +python3 \/opt\/ml\/processing\/input\/code\/preprocess\.py$/m);
    expect(JSON.parse(optml(["describe", "preprocess", "--json"], env).stdout)).toMatchObject({ ProcessingJobStatus: "Completed", ExitMessage: "15 train rows, 5 test rows" });
    const logs = optml(["logs", "preprocess"], env);
    expect(logs.code).toBe(0);
    expect(logs.stdout).toContain("[algo-1] algo-1: wrote 5 rows to /opt/ml/processing/test/test.csv\n");
  });

  it("is removed by optml rm, its outputs kept", () => {
    const removed = optml(["rm", "preprocess"], env);
    expect(removed.code, removed.stderr).toBe(0);
    expect(removed.stdout).toMatch(/^removed preprocess \([\d.]+ [KMG]?i?B\)\n$/);
    expect(optml(["describe", "preprocess"], env).code).toBe(1);
    expect(readFileSync(join(work, "examples", "processing", "optml-out", "test", "test.csv"), "utf8")).not.toBe("");
  });

  it("exits 1 with SageMaker's reason when the script fails; a bad request is refused before it is sent (exit 2)", { timeout: 120_000 }, () => {
    const failing = variant("failing.json", (body) => {
      body.ProcessingJobName = "preprocess-fails";
      body.AppSpecification.ContainerArguments = ["--test-every", "zero"];
    });
    const r = optml(["process", failing], env);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^Failed preprocess-fails in [\d.]+ s$/m);
    expect(r.stdout).toContain("Failure reason: AlgorithmError: See job logs for more information");
    expect(r.stdout).toContain("argument --test-every: invalid int value: 'zero'");

    const misspelled = variant("misspelled.json", (body) => {
      body.ProcessingInput = body.ProcessingInputs;
    });
    const bad = optml(["process", misspelled], env);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('Unknown parameter in input: "ProcessingInput"');

    const outside = variant("outside.json", (body) => {
      body.ProcessingJobName = "preprocess-outside";
      body.ProcessingInputs[1].S3Input.LocalPath = "/data";
    });
    const refused = optml(["process", outside], env);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain("CreateProcessingJob: ValidationException: ProcessingInputs[1] ('raw'): S3Input.LocalPath '/data' must be a path under /opt/ml/processing/.");
  });

  it("is pruned with the ended training jobs: optml prune --dry-run names it, optml prune --status failed removes it", () => {
    const dry = optml(["prune", "--dry-run"], env);
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toMatch(/^would remove processing job preprocess-fails \(Failed\)$/m);
    expect(optml(["describe", "preprocess-fails"], env).code).toBe(0);
    const pruned = optml(["prune", "--status", "failed"], env);
    expect(pruned.code, pruned.stderr).toBe(0);
    expect(pruned.stdout).toMatch(/^removed processing job preprocess-fails \(Failed\) \([\d.]+ [KMG]?i?B\)$/m);
    expect(optml(["describe", "preprocess-fails"], env).code).toBe(1);
  });
});

describe("with optml serve running", () => {
  const served = { OPTML_HOME: join(root, "served-home"), OPTML_STOP_GRACE_SECONDS: "3" };
  let serve: RunningOptml;

  beforeAll(async () => {
    serve = startOptml(["serve", "--port", "0"], served);
    await serve.waitFor(/^http:\/\/127\.0\.0\.1:\d+$/m);
  }, 60_000);
  afterAll(async () => {
    serve.child.kill("SIGINT");
    await serve.exited;
  });

  it("--no-wait prints the name; optml stop NAME --wait stops the processing job", { timeout: 120_000 }, async () => {
    const slow = variant("slow.json", (body) => {
      body.AppSpecification.ContainerEntrypoint = ["python3", "-c", "import time; print('working', flush=True); time.sleep(600)"];
      delete body.AppSpecification.ContainerArguments;
    });
    const submitted = optml(["process", slow, "--name", "slow-1", "--no-wait"], served);
    expect(submitted.code, submitted.stderr).toBe(0);
    expect(submitted.stdout).toBe("slow-1\n");
    for (let i = 0; i < 300 && !optml(["logs", "slow-1"], served).stdout.includes("working"); i++) await new Promise((r) => setTimeout(r, 100));
    const stopped = optml(["stop", "slow-1", "--wait"], served);
    expect(stopped.stderr).toBe("optml: stopping processing job slow-1\n");
    expect(stopped.code).toBe(0);
    expect(stopped.stdout).toMatch(/^Stopped slow-1 in [\d.]+ s$/m);
  });
});
