/** Multi-host jobs wait until every host resolves before launch; single-host jobs do not wait. */
import { afterEach, describe, expect, it } from "vitest";
import { TestJob } from "./job.js";

const jobs: TestJob[] = [];
afterEach(() => {
  while (jobs.length) jobs.pop()!.remove();
});

function job(hosts: string[], currentHost: string) {
  const j = new TestJob({
    hyperparameters: { sagemaker_program: JSON.stringify("train.py") },
    hosts,
    currentHost,
    code: { "train.py": "import os\nprint(os.environ['SM_HOSTS'], os.environ['CURRENT_HOST'])\n" },
  });
  jobs.push(j);
  return j;
}

describe("multi-host", () => {
  it("launches once every host resolves", async () => {
    const j = job(["localhost", "127.0.0.1"], "127.0.0.1");
    const exit = await j.run();
    expect(exit.code).toBe(0);
    expect(exit.stdout).toBe('["localhost","127.0.0.1"] 127.0.0.1\n');
  });

  it("gives up after OPTML_HOST_WAIT_SECONDS with a progress line, naming the host", async () => {
    const j = job(["localhost", "algo-2.invalid"], "localhost");
    const exit = await j.run({ OPTML_HOST_WAIT_SECONDS: "1" });
    expect(exit.code).toBe(1);
    expect(exit.stdout).toBe("");
    expect(exit.stderr).toContain("[optml-train] waiting for host algo-2.invalid to resolve (0 s of at most 1 s");
    expect(j.failure).toBe("Framework Error: host algo-2.invalid did not resolve within 1 s (OPTML_HOST_WAIT_SECONDS)");
  });

  it("does not look hosts up for a single-host job", async () => {
    const j = job(["algo-1.invalid"], "algo-1.invalid");
    const exit = await j.run({ OPTML_HOST_WAIT_SECONDS: "0" });
    expect(exit.code).toBe(0);
    expect(exit.stderr).not.toContain("waiting for host");
  });
});
