/**
 * `optml tune` end to end, against the real control plane: the README's tuning job
 * (examples/tuning: Branin's function as a script-mode program) run to its end on an embedded
 * control plane, the tuning job in `optml jobs` and `optml describe`, the live table on a
 * terminal (util-linux `script` gives the command a pseudo-terminal), --json, and --no-wait
 * against `optml serve` followed by `optml stop NAME --wait`.
 */
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { exampleWorkspace, OPTML_BIN, optml, REPO_ROOT, startOptml, type RunningOptml } from "./run-optml.js";

/** The README's command, run as it is written. */
const README_COMMAND = "optml tune examples/tuning/tuning.json";

const { root, work } = exampleWorkspace("tuning", "optml-cli-tune-");
const env = { OPTML_HOME: join(root, "home"), OPTML_STOP_GRACE_SECONDS: "3" };
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** Branin's function, as examples/tuning/src/branin.py computes it. */
function branin(x1: number, x2: number): number {
  const b = 5.1 / (4 * Math.PI ** 2);
  const c = 5 / Math.PI;
  const t = 1 / (8 * Math.PI);
  return (x2 - b * x1 ** 2 + c * x1 - 6) ** 2 + 10 * (1 - t) * Math.cos(x1) + 10;
}

/** examples/tuning/tuning.json with `change` applied, written beside it as `file`. */
function variant(file: string, change: (body: Record<string, any>) => void): string {
  const body = JSON.parse(readFileSync(join(work, "examples", "tuning", "tuning.json"), "utf8")) as Record<string, any>;
  change(body);
  const path = join(work, "examples", "tuning", file);
  writeFileSync(path, JSON.stringify(body, null, 2));
  return path;
}

interface Row {
  readonly best: boolean;
  readonly name: string;
  readonly x1: string;
  readonly x2: string;
  readonly objective: string;
  readonly status: string;
}

/** The table of trials after its header line. */
function tableRows(output: string): Row[] {
  const lines = output.split("\n");
  const header = lines.findIndex((l) => /^ {2}TRAINING JOB +x1 +x2 +OBJECTIVE +STATUS$/.test(l));
  if (header < 0) throw new Error(`no table of trials in:\n${output}`);
  const rows: Row[] = [];
  for (const line of lines.slice(header + 1)) {
    const m = /^([* ]) (\S+) +(\S+) +(\S+) +(\S+) +(\S+)$/.exec(line);
    if (!m) break;
    rows.push({ best: m[1] === "*", name: m[2]!, x1: m[3]!, x2: m[4]!, objective: m[5]!, status: m[6]! });
  }
  return rows;
}

describe("optml tune examples/tuning/tuning.json (the README's)", () => {
  let name: string;
  let best: string;

  it("runs the tuning job to its end: a line per training job in a pipe, the table, the best job and its artifacts; exit 0", { timeout: 300_000 }, () => {
    const [command, ...args] = README_COMMAND.split(" ");
    expect(command).toBe("optml");
    const r = optml(args, env, work);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    name = /^optml: tuning job (tuning-\d{6}-\d{6}) on an embedded control plane \(state in .*\)$/m.exec(r.stdout)?.[1] ?? "";
    expect(name, r.stdout).not.toBe("");
    expect(r.stdout).toContain("optml: Bayesian search, Minimize objective, up to 12 training jobs, 3 at a time\n");

    // A line for each training job as it ended, named as SageMaker names them.
    const completed = [...r.stdout.matchAll(new RegExp(`^\\d\\d:\\d\\d:\\d\\d Completed +(${name}-(\\d{3})-[0-9a-f]{8})  x1=\\S+ x2=\\S+  objective \\S+`, "gm"))];
    expect(completed.map((m) => Number(m[2])).sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    expect(r.stdout).toMatch(new RegExp(`^\\d\\d:\\d\\d:\\d\\d Completed +tuning job ${name}$`, "m"));
    expect(r.stdout).not.toMatch(/\x1b\[/);

    // The table: every training job, the best marked once, and it is the lowest objective.
    const rows = tableRows(r.stdout);
    expect(rows.map((row) => row.name).sort()).toEqual(completed.map((m) => m[1]).sort());
    expect(rows.every((row) => row.status === "Completed")).toBe(true);
    const marked = rows.filter((row) => row.best);
    expect(marked).toHaveLength(1);
    expect(Number(marked[0]!.objective)).toBe(Math.min(...rows.map((row) => Number(row.objective))));

    // The summary: DescribeHyperParameterTuningJob's BestTrainingJob, the one marked.
    expect(r.stdout).toMatch(new RegExp(`^Completed ${name} in [\\d.]+ (s|min \\d+ s): 12 training jobs \\(12 Completed\\)$`, "m"));
    best = /^ {2}Best training job: (\S+)$/m.exec(r.stdout)?.[1] ?? "";
    expect(best).toBe(marked[0]!.name);
    const x1 = Number(/^ {4}x1 = (\S+)$/m.exec(r.stdout)?.[1]);
    const x2 = Number(/^ {4}x2 = (\S+)$/m.exec(r.stdout)?.[1]);
    expect(x1).toBeGreaterThanOrEqual(-5);
    expect(x1).toBeLessThanOrEqual(10);
    expect(x2).toBeGreaterThanOrEqual(0);
    expect(x2).toBeLessThanOrEqual(15);
    const objective = Number(/^ {2}Objective: objective = (\S+) \(Minimize\)$/m.exec(r.stdout)?.[1]);
    expect(objective).toBeCloseTo(branin(x1, x2), 5);
    const model = join(work, "examples", "tuning", "optml-out", best, "output", "model.tar.gz");
    expect(r.stdout).toContain(`  Model:  ${model}\n`);
    expect(existsSync(model)).toBe(true);
  });

  it("is listed by optml jobs, described by optml describe, and its training jobs are ordinary jobs", () => {
    const listed = optml(["jobs"], env);
    expect(listed.code).toBe(0);
    expect(listed.stdout).toMatch(/^NAME +STATUS +SECONDARY +CREATED +DURATION +SIZE\n/);
    expect(listed.stdout).toMatch(new RegExp(`^${best} +Completed +Completed +`, "m"));
    expect(listed.stdout).toMatch(/\n\nTUNING JOB +STATUS +STRATEGY +TRAINING JOBS +CREATED +DURATION\n/);
    expect(listed.stdout).toMatch(new RegExp(`^${name} +Completed +Bayesian +12/12 +\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d +`, "m"));
    const tuningJson = JSON.parse(optml(["jobs", "--tuning", "--json"], env).stdout) as { HyperParameterTuningJobName: string; HyperParameterTuningJobStatus: string }[];
    expect(tuningJson.map((j) => [j.HyperParameterTuningJobName, j.HyperParameterTuningJobStatus])).toEqual([[name, "Completed"]]);

    const described = optml(["describe", name], env);
    expect(described.code).toBe(0);
    expect(described.stdout).toMatch(new RegExp(`^Tuning job: +${name}$`, "m"));
    expect(described.stdout).toMatch(/^Status: +Completed$/m);
    expect(described.stdout).toContain("Ranges:\n  x1: Continuous -5 to 10\n  x2: Continuous 0 to 15\n");
    expect(described.stdout).toMatch(/^Training jobs: +12 \(12 Completed\)$/m);
    expect(tableRows(described.stdout)).toHaveLength(12);
    const json = JSON.parse(optml(["describe", name, "--json"], env).stdout) as { BestTrainingJob: { TrainingJobName: string }; TrainingJobStatusCounters: { Completed: number } };
    expect(json.BestTrainingJob.TrainingJobName).toBe(best);
    expect(json.TrainingJobStatusCounters.Completed).toBe(12);

    const trial = optml(["describe", best], env);
    expect(trial.stdout).toMatch(new RegExp(`^Name: +${best}$`, "m"));
    expect(trial.stdout).toMatch(/^Hyperparameters:\n( {2}.*\n)*? {2}x1 = /m);
    expect(optml(["logs", best], env).stdout).toMatch(/^\[algo-1\] final objective: [-\d.]+$/m);

    const again = optml(["stop", name], env);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/^optml: StopHyperParameterTuningJob: \w+: /);
  });
});

describe("examples/tuning/tuning.json", () => {
  it("is what the README shows", () => {
    const readme = readFileSync(join(REPO_ROOT, "README.md"), "utf8");
    const shown = /\n### Tuning\n[\s\S]*?\n```json\n([\s\S]*?)\n```\n/.exec(readme)?.[1];
    expect(shown, "README.md's Tuning section has no json block").toBeDefined();
    expect(JSON.parse(shown!)).toEqual(JSON.parse(readFileSync(join(REPO_ROOT, "examples", "tuning", "tuning.json"), "utf8")));
  });
});

describe("optml tune's options", () => {
  it("redraws the table in place on a terminal", { timeout: 120_000 }, () => {
    const file = variant("small.json", (b) => (b.HyperParameterTuningJobConfig.ResourceLimits = { MaxNumberOfTrainingJobs: 4, MaxParallelTrainingJobs: 2 }));
    const command = `stty cols 150 rows 40; exec "${process.execPath}" "${OPTML_BIN}" tune "${file}" --name tty-1`;
    const r = spawnSync("script", ["-qec", command, "/dev/null"], { encoding: "utf8", env: { PATH: process.env.PATH, HOME: process.env.HOME, TERM: "xterm", ...env } });
    if (r.error) throw new Error(`this test needs util-linux's 'script' (apt-get install -y util-linux): ${r.error.message}`);
    expect(r.status, r.stdout).toBe(0);
    // Up over the rows the last table took, clear to the end of the screen, the new table.
    expect(r.stdout).toMatch(/\x1b\[\d+A\r\x1b\[J/);
    expect(r.stdout).toContain("4 of 4 training jobs: 4 Completed");
    expect(r.stdout).toMatch(/Completed(\x1b\[\d+m)* (\x1b\[\d+m)*tty-1(\x1b\[\d+m)* in /);
  });

  it("--json prints the final DescribeHyperParameterTuningJob on stdout, the display on stderr; --output", { timeout: 120_000 }, () => {
    const file = variant("json.json", (b) => (b.HyperParameterTuningJobConfig.ResourceLimits = { MaxNumberOfTrainingJobs: 2, MaxParallelTrainingJobs: 2 }));
    const out = join(root, "artifacts");
    const r = optml(["tune", file, "--name", "json-1", "--json", "--output", out], env);
    expect(r.code).toBe(0);
    const described = JSON.parse(r.stdout) as { HyperParameterTuningJobName: string; HyperParameterTuningJobStatus: string; BestTrainingJob: { TrainingJobName: string } };
    expect(described).toMatchObject({ HyperParameterTuningJobName: "json-1", HyperParameterTuningJobStatus: "Completed" });
    expect(r.stderr).toContain(`  Best training job: ${described.BestTrainingJob.TrainingJobName}\n`);
    expect(tableRows(r.stderr)).toHaveLength(2);
    expect(existsSync(join(out, described.BestTrainingJob.TrainingJobName, "output", "model.tar.gz"))).toBe(true);
  });

  it("refuses a tuning.json the AWS CLI would refuse, before anything runs; exit 2", () => {
    const file = variant("bad.json", (b) => {
      b.HyperParameterTuningJobConfig.ResourceLimits.MaxNumberOfTrainingJobs = "12";
      b.TrainingJobDefinition.StaticHyperParameters.epochs = 5;
    });
    const r = optml(["tune", file], env);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr).toBe(
      [
        `optml: ${file}: Parameter validation failed:`,
        "Invalid type for parameter HyperParameterTuningJobConfig.ResourceLimits.MaxNumberOfTrainingJobs, value: 12, type: <class 'str'>, valid types: <class 'int'>; write 12, without quotes",
        `Invalid type for parameter TrainingJobDefinition.StaticHyperParameters.epochs, value: 5, type: <class 'int'>, valid types: <class 'str'>; write "5" (hyperparameter values are strings)`,
        "",
      ].join("\n"),
    );
  });
});

describe("with optml serve running", () => {
  const served = { OPTML_HOME: join(root, "served-home"), OPTML_STOP_GRACE_SECONDS: "3" };
  let serve: RunningOptml;

  beforeAll(async () => {
    serve = startOptml(["serve", "--port", "0"], served);
    await serve.waitFor(/^http:\/\/127\.0\.0\.1:\d+$/m);
  });
  afterAll(async () => {
    serve.child.kill("SIGINT");
    await serve.exited;
  });

  it("--no-wait prints the name; optml stop NAME --wait stops the tuning job and its training jobs", { timeout: 120_000 }, async () => {
    const file = variant("slow.json", (b) => {
      b.HyperParameterTuningJobConfig.ResourceLimits = { MaxNumberOfTrainingJobs: 6, MaxParallelTrainingJobs: 2 };
      b.TrainingJobDefinition.StaticHyperParameters["seconds-per-epoch"] = "30";
    });
    const submitted = optml(["tune", file, "--name", "slow-1", "--no-wait"], served);
    expect(submitted.stderr).toBe("");
    expect(submitted).toMatchObject({ code: 0, stdout: "slow-1\n" });

    const deadline = Date.now() + 30_000;
    for (;;) {
      const d = JSON.parse(optml(["describe", "slow-1", "--json"], served).stdout) as { TrainingJobStatusCounters: { InProgress?: number } };
      if ((d.TrainingJobStatusCounters.InProgress ?? 0) > 0) break;
      if (Date.now() > deadline) throw new Error("slow-1 started no training job within 30 s");
      await sleep(250);
    }

    const stopped = optml(["stop", "slow-1", "--wait"], served);
    expect(stopped.stderr).toBe("optml: stopping tuning job slow-1\n");
    expect(stopped.code).toBe(0);
    expect(stopped.stdout).toMatch(/^Stopped slow-1 in .*: \d+ training jobs? \(.*\d+ Stopped\)$/m);
    const trials = JSON.parse(optml(["jobs", "--json", "--name", "slow-1-"], served).stdout) as { TrainingJobStatus: string }[];
    expect(trials.length).toBeGreaterThan(0);
    expect(trials.every((t) => t.TrainingJobStatus === "Stopped")).toBe(true);
  });
});
