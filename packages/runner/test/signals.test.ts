/**
 * Stopping: SIGTERM/SIGINT sent to the runner reach the user program and the processes it started
 * (its whole process group); what outlives the grace period is killed; the failure file says the
 * run was stopped.
 */
import { readFileSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { processRunning, TestJob } from "./job.js";

const jobs: TestJob[] = [];
afterEach(() => {
  while (jobs.length) jobs.pop()!.remove();
});

function job(program: string, code: Record<string, string>) {
  const j = new TestJob({ hyperparameters: { sagemaker_program: JSON.stringify(program) }, code });
  jobs.push(j);
  return j;
}

/** A Python program that starts a child; both record the SIGTERM they receive, then exit. */
const PARENT_AND_CHILD = `
import os, signal, subprocess, sys, time
out = os.environ["SM_MODEL_DIR"]
child_code = '''
import os, signal, sys, time
def on_term(signum, frame):
    open(sys.argv[1], "w").write("child got %d" % signum)
    sys.exit(0)
signal.signal(signal.SIGTERM, on_term)
print("child ready", flush=True)
while True:
    time.sleep(0.05)
'''
child = subprocess.Popen([sys.executable, "-c", child_code, os.path.join(out, "child-term")])
def on_term(signum, frame):
    open(os.path.join(out, "parent-term"), "w").write("parent got %d" % signum)
    child.wait()
    sys.exit(0)
signal.signal(signal.SIGTERM, on_term)
print("parent ready", flush=True)
while True:
    time.sleep(0.05)
`;

describe("signals", () => {
  it("forwards SIGTERM to the program and its children, and reports the stop", async () => {
    const j = job("train.py", { "train.py": PARENT_AND_CHILD });
    const runner = j.start();
    await runner.waitFor(/parent ready\n/);
    await runner.waitFor(/child ready\n/);
    runner.child.kill("SIGTERM");
    const exit = await runner.exit;
    expect(readFileSync(j.path("model/parent-term"), "utf8")).toBe("parent got 15");
    expect(readFileSync(j.path("model/child-term"), "utf8")).toBe("child got 15");
    expect(exit.code).toBe(143);
    expect(exit.stderr).toContain("[optml-train] received SIGTERM: forwarding it to the user program's process group");
    expect(j.success).toBeUndefined();
    expect(j.failure).toMatch(
      /^Stopped:\nSignal SIGTERM\nExitCode 0\nExtraInfo "The user program was sent SIGTERM and exited"\nCommand "\S+ train\.py"$/,
    );
  });

  it("forwards SIGINT as SIGINT", async () => {
    const j = job("train.sh", {
      "train.sh": "#!/bin/sh\ntrap 'echo got INT > \"$SM_MODEL_DIR/int\"; exit 5' INT\necho ready\nwhile :; do sleep 0.05; done\n",
    });
    const runner = j.start();
    await runner.waitFor(/ready\n/);
    runner.child.kill("SIGINT");
    const exit = await runner.exit;
    expect(exit.code).toBe(130);
    expect(j.read("model/int")).toBe("got INT\n");
    expect(j.failure).toContain("Stopped:\nSignal SIGINT\nExitCode 5\n");
  });

  it("kills the whole group with SIGKILL when the grace period runs out", async () => {
    const j = job("train.sh", {
      "train.sh": [
        "#!/bin/sh",
        "trap '' TERM",
        "(while :; do sleep 0.05; done) &",
        'echo $! > "$SM_MODEL_DIR/background.pid"',
        'echo $$ > "$SM_MODEL_DIR/main.pid"',
        "echo ready",
        "while :; do sleep 0.05; done",
        "",
      ].join("\n"),
    });
    const runner = j.start({ OPTML_STOP_GRACE_SECONDS: "1" });
    await runner.waitFor(/ready\n/);
    runner.child.kill("SIGTERM");
    const exit = await runner.exit;
    expect(exit.code).toBe(143);
    expect(exit.stderr).toContain("grace period of 1 s over: killing the process group with SIGKILL");
    expect(j.failure).toBe(
      `Stopped:\nSignal SIGTERM\nExitCode 137\nExtraInfo "The user program did not exit within 1 s of SIGTERM and was killed with SIGKILL"\nCommand "/bin/sh -c 'exec ./train.sh'"`,
    );
    for (const file of ["main.pid", "background.pid"]) {
      expect(processRunning(Number(j.read(`model/${file}`)))).toBe(false);
    }
  });

  it("stops before launch when SIGTERM arrives while dependencies install", async () => {
    const j = job("train.py", { "train.py": "open('ran', 'w')\n", "setup.py": "import time\nprint('setup ready', flush=True)\ntime.sleep(30)\n" });
    // A stand-in for Python whose "-m pip" runs setup.py, which waits.
    j.writeCode("fake-python", {
      content: '#!/bin/sh\nif [ "$1" = -m ] && [ "$2" = pip ]; then exec python3 setup.py; fi\nexec python3 "$@"\n',
      mode: 0o755,
    });
    const runner = j.start({ OPTML_PYTHON: j.path("code/fake-python") });
    await runner.waitFor(/setup ready\n/);
    runner.child.kill("SIGTERM");
    const exit = await runner.exit;
    expect(exit.code).toBe(143);
    expect(j.failure).toBe('Stopped:\nSignal SIGTERM\nExtraInfo "Stopped before the user program started"');
    expect(j.read("code/ran")).toBeUndefined();
  });
});
