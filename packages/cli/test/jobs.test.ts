/**
 * jobs, describe, logs and stop; against `optml serve` found through OPTML_HOME, against
 * --endpoint / OPTML_ENDPOINT, against another command's embedded control plane, and embedded.
 */
import { readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { project, transitions } from "./fixtures.js";
import { optml, startOptml, tempDir, type RunningOptml } from "./run-optml.js";

const root = tempDir("optml-cli-jobs-");
const dir = project(root, "proj");
const home = join(root, "served-home");
const env = { OPTML_HOME: home };
let serve: RunningOptml;
let endpoint: string;

beforeAll(async () => {
  serve = startOptml(["serve", "--port", "0", "--stop-grace-seconds", "3"], env);
  endpoint = (await serve.waitFor(/^(http:\/\/127\.0\.0\.1:\d+)$/m))[1]!;
  // The dashboard's address is printed with the endpoint (on stderr, with the exports).
  await serve.waitFor(new RegExp(`^  dashboard: ${endpoint.replace(/\./g, "\\.")}/$`, "m"));
});
afterAll(async () => {
  serve.child.kill("SIGINT");
  await serve.exited;
  rmSync(root, { recursive: true, force: true });
});

async function until<T>(probe: () => T | undefined, what: string, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(200);
  }
}

describe("with optml serve running for OPTML_HOME", () => {
  it("run --no-wait, jobs, logs, describe, stop and logs --follow find it without an endpoint", async () => {
    const submitted = optml(["run", "--no-wait", "--name", "sleeper-1", "--", "python", "src/train.py", "--sleep", "60"], env, dir);
    expect(submitted.stderr).toBe("");
    expect(submitted).toMatchObject({ code: 0, stdout: "sleeper-1\n" });

    const listed = optml(["jobs"], env);
    expect(listed.code).toBe(0);
    expect(listed.stdout).toMatch(/^NAME +STATUS +SECONDARY +CREATED +DURATION +SIZE\n/);
    expect(listed.stdout).toMatch(/^sleeper-1 +InProgress +\w+ +\d{4}-\d\d-\d\d \d\d:\d\d:\d\d +[\d.]+ s +[\d.]+ (bytes|KiB|MiB)$/m);
    const json = JSON.parse(optml(["jobs", "--json", "--status", "in-progress"], env).stdout) as { TrainingJobName: string; TrainingJobStatus: string }[];
    expect(json.map((j) => [j.TrainingJobName, j.TrainingJobStatus])).toEqual([["sleeper-1", "InProgress"]]);

    const logs = await until(() => {
      const r = optml(["logs", "sleeper-1"], env);
      return r.stdout.includes("[algo-1] sleeping\n") ? r : undefined;
    }, "the program's first lines");
    expect(logs.code).toBe(0);
    expect(logs.stdout).toContain("[algo-1] args --sleep 60\n");
    const ndjson = optml(["logs", "sleeper-1", "--json"], env).stdout.trim().split("\n").map((l) => JSON.parse(l) as Record<string, string>);
    expect(ndjson.find((e) => e.message === "sleeping")).toMatchObject({ host: "algo-1", logStream: expect.stringMatching(/^sleeper-1\/algo-1-\d+$/) });

    const described = optml(["describe", "sleeper-1"], env);
    expect(described.stdout).toMatch(/^Status: +InProgress \(Training\)$/m);
    expect(described.stdout).toMatch(/^Program: +train\.py$/m);
    expect(described.stdout).toContain("Hyperparameters:\n  sleep = 60\n");

    const follower = startOptml(["logs", "sleeper-1", "--follow"], env);
    const stopped = optml(["stop", "sleeper-1", "--wait"], env);
    expect(stopped.stderr).toBe("optml: stopping sleeper-1\n");
    expect(stopped.code).toBe(0);
    expect(stopped.stdout).toMatch(/^Stopped sleeper-1 in /);
    const followed = await follower.exited;
    expect(followed.code).toBe(3);
    expect(followed.stdout).toContain("[algo-1] sleeping\n");
    expect(followed.stdout).not.toMatch(/^\d\d:\d\d:\d\d /m);

    const final = JSON.parse(optml(["describe", "sleeper-1", "--json"], env).stdout) as { TrainingJobStatus: string; SecondaryStatusTransitions: { Status: string }[] };
    expect(final.TrainingJobStatus).toBe("Stopped");
    expect(final.SecondaryStatusTransitions.map((t) => t.Status)).toEqual(["Starting", "Downloading", "Training", "Stopping", "Uploading", "Stopped"]);

    const again = optml(["stop", "sleeper-1"], env);
    expect(again.code).toBe(1);
    expect(again.stderr).toBe("optml: StopTrainingJob: ValidationException: The request was rejected because the training job is in status Stopped.\n");
  });

  it("--endpoint and OPTML_ENDPOINT name it from any home", () => {
    const other = { OPTML_HOME: join(root, "unused-home"), OPTML_ENDPOINT: endpoint };
    const r = optml(["train", join(dir, "job.json"), "--name", "remote-1"], other);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`optml: training job remote-1 on the control plane at ${endpoint}\n`);
    expect(transitions(r.stdout).at(-1)).toBe("Completed");
    const listed = optml(["jobs", "--endpoint", endpoint, "--name", "remote", "--json"], { OPTML_HOME: join(root, "unused-home") });
    expect((JSON.parse(listed.stdout) as { TrainingJobName: string }[]).map((j) => j.TrainingJobName)).toEqual(["remote-1"]);
  });

  it("a second optml serve on the same home is refused", () => {
    const r = optml(["serve", "--port", "0"], env);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`^optml: ${home} is already served by an optml control plane at ${endpoint} \\(optml serve, pid \\d+\\): use it, or give this one another --home\\n$`));
  });
});

describe("another command's embedded control plane", () => {
  it("serves the commands started while it runs, which do not open the state themselves", async () => {
    const shared = { OPTML_HOME: join(root, "shared-home") };
    const running = startOptml(["run", "--name", "embedded-1", "--", "python", "src/train.py", "--sleep", "6"], shared, dir);
    await running.waitFor(/\[algo-1\] sleeping/);
    const lease = JSON.parse(readFileSync(join(shared.OPTML_HOME, "control-plane.json"), "utf8")) as { by: string; pid: number; endpoint: string };
    expect(lease).toMatchObject({ by: "optml run", pid: running.child.pid });
    const listed = optml(["jobs", "--json"], shared);
    expect((JSON.parse(listed.stdout) as { TrainingJobStatus: string }[]).map((j) => j.TrainingJobStatus)).toEqual(["InProgress"]);
    const followed = optml(["logs", "embedded-1", "--follow"], shared);
    expect(followed.code).toBe(0);
    expect((await running.exited).code).toBe(0);
  });
});

describe("embedded, and errors", () => {
  const fresh = { OPTML_HOME: join(root, "fresh-home") };

  it("reads an empty home, and names jobs that are not there", () => {
    expect(optml(["jobs"], fresh)).toEqual({ code: 0, stdout: "", stderr: "optml: no training jobs yet: start one with 'optml train job.json' or 'optml run -- train.py'\n" });
    const logs = optml(["logs", "nope"], fresh);
    expect(logs.code).toBe(1);
    expect(logs.stderr).toBe("optml: no training job named 'nope' in this control plane; list them with 'optml jobs'\n");
    // describe and stop take a tuning job's name too.
    for (const command of ["describe", "stop"]) {
      const r = optml([command, "nope"], fresh);
      expect(r.code).toBe(1);
      expect(r.stderr).toBe("optml: no training job, tuning job or processing job named 'nope' in this control plane; list them with 'optml jobs'\n");
    }
  });

  it("says when a control plane cannot be reached, and what to do", () => {
    const r = optml(["jobs", "--endpoint", "http://127.0.0.1:9"], fresh);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      "optml: cannot reach the optml control plane at http://127.0.0.1:9 (ECONNREFUSED): start it with 'optml serve', or leave out --endpoint and OPTML_ENDPOINT to run one inside this command\n",
    );
  });

  it("refuses bad flags with usage, and has help with examples", () => {
    const status = optml(["jobs", "--status", "done"], fresh);
    expect(status.code).toBe(2);
    expect(status.stderr).toBe("optml: --status takes one of InProgress, Completed, Failed, Stopping, Stopped; got 'done'\n");
    const unknown = optml(["logs", "x", "--tail"], fresh);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("Usage: optml logs [options] <name>");
    for (const command of ["jobs", "describe", "logs", "stop", "init", "serve"]) {
      expect(optml([command, "--help"]).stdout).toContain("Examples:\n  optml ");
    }
  });
});
