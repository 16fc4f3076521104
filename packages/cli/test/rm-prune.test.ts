/**
 * optml rm, optml prune and the SIZE of optml jobs, against `optml serve` (found through
 * OPTML_HOME), so that a running job can be refused.
 */
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { byteSize } from "@optml/runner";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { project } from "./fixtures.js";
import { optml, startOptml, tempDir, type RunningOptml } from "./run-optml.js";

const root = tempDir("optml-cli-rm-");
const dir = project(root, "proj");
const home = join(root, "home");
const env = { OPTML_HOME: home };
let serve: RunningOptml;

beforeAll(async () => {
  serve = startOptml(["serve", "--port", "0", "--stop-grace-seconds", "3"], env);
  await serve.waitFor(/^http:\/\/127\.0\.0\.1:\d+$/m);
});
afterAll(async () => {
  serve.child.kill("SIGINT");
  await serve.exited;
  rmSync(root, { recursive: true, force: true });
});

const workDir = (name: string) => {
  const found = readdirSync(join(home, "jobs")).find((d) => d.startsWith(`${name}-`));
  return found && join(home, "jobs", found);
};
/** `du -s -B1`: the oracle for the bytes a directory takes on disk. */
const du = (path: string) => Number(execFileSync("du", ["-s", "-B1", path], { encoding: "utf8" }).split("\t")[0]);

describe("optml rm, optml prune, and SIZE in optml jobs", () => {
  it("lists sizes, refuses running jobs, removes ended ones with their files and never their artifacts", () => {
    expect(optml(["run", "--name", "ok-1", "--", "python", "src/train.py", "--epochs", "2"], env, dir).code).toBe(0);
    expect(optml(["run", "--name", "bad-1", "--", "python", "src/train.py", "--fail", "1"], env, dir).code).toBe(1);
    expect(optml(["run", "--no-wait", "--name", "sleeper-1", "--", "python", "src/train.py", "--sleep", "60"], env, dir).code).toBe(0);

    const json = JSON.parse(optml(["jobs", "--json"], env).stdout) as { TrainingJobName: string; OptmlDiskBytes: number }[];
    const ok = json.find((j) => j.TrainingJobName === "ok-1")!;
    expect(ok.OptmlDiskBytes).toBe(du(workDir("ok-1")!));
    const table = optml(["jobs", "--name", "ok-1"], env).stdout;
    expect(table).toMatch(/^NAME +STATUS +SECONDARY +CREATED +DURATION +SIZE\n/);
    expect(table).toMatch(new RegExp(`^ok-1 +Completed +Completed +.* ${byteSize(ok.OptmlDiskBytes).replace(".", "\\.")}\\n$`, "m"));

    const refused = optml(["rm", "sleeper-1", "nope"], env);
    expect(refused.stderr).toBe(
      "optml: sleeper-1 is InProgress: stop it first ('optml stop sleeper-1 --wait'), then remove it\n" +
        "optml: no training job named 'nope' in this control plane; list them with 'optml jobs'\n",
    );
    expect(refused).toMatchObject({ code: 1, stdout: "" });

    const badBytes = du(workDir("bad-1")!);
    const dry = optml(["prune", "--dry-run"], env);
    expect(dry.stdout).toBe(
      `would remove bad-1 (Failed) (${byteSize(badBytes)})\nwould remove ok-1 (Completed) (${byteSize(ok.OptmlDiskBytes)})\n` +
        `would remove 2 job(s), ${byteSize(badBytes + ok.OptmlDiskBytes)}; run again without --dry-run to remove them\n`,
    );
    expect(workDir("bad-1")).toBeDefined();

    const pruned = optml(["prune", "--status", "failed"], env);
    expect(pruned.stdout).toBe(`removed bad-1 (Failed) (${byteSize(badBytes)})\nremoved 1 job(s), ${byteSize(badBytes)} freed\n`);
    expect(workDir("bad-1")).toBeUndefined();
    expect(optml(["describe", "bad-1"], env)).toMatchObject({ code: 1, stderr: "optml: no training job, tuning job or processing job named 'bad-1' in this control plane; list them with 'optml jobs'\n" });

    // Nothing ended a week ago.
    expect(optml(["prune", "--older-than", "7d"], env).stdout).toBe("removed 0 job(s), 0 bytes freed\n");

    const removed = optml(["rm", "ok-1"], env);
    expect(removed).toMatchObject({ code: 0, stdout: `removed ok-1 (${byteSize(ok.OptmlDiskBytes)})\n` });
    expect(workDir("ok-1")).toBeUndefined();
    expect(optml(["logs", "ok-1"], env).code).toBe(1);
    // The artifacts are the user's.
    expect(existsSync(join(dir, "optml-out", "ok-1", "output", "model.tar.gz"))).toBe(true);

    expect(optml(["stop", "sleeper-1", "--wait"], env).code).toBe(0);
    expect(optml(["rm", "sleeper-1"], env).code).toBe(0);
    expect(readdirSync(join(home, "jobs"))).toEqual([]);
  });

  it("says what is wrong with prune's flags", () => {
    const cases: [string[], string][] = [
      [["prune", "--status", "InProgress"], "optml: optml prune removes ended jobs: --status takes Completed, Failed, Stopped; got 'InProgress'\n"],
      [["prune", "--older-than", "7x"], "optml: --older-than takes a number and a unit (s, m, h, d or w), like 7d or 12h; got '7x'\n"],
    ];
    for (const [args, stderr] of cases) {
      const r = optml(args, env);
      expect(r.stderr).toBe(stderr);
      expect(r.code).toBe(2);
    }
  });
});
