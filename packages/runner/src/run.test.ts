/**
 * runTraining as a library (the control plane's use): output to the caller's sinks, log lines to
 * the caller, stop through an AbortSignal. The bin is tested end to end in ../test.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { exitCodeFor, runTraining } from "./run.js";

const dirs: string[] = [];
afterEach(() => {
  while (dirs.length) rmSync(dirs.pop()!, { recursive: true, force: true });
});

function baseDir(program: string, code: string): string {
  const base = mkdtempSync(join(tmpdir(), "optml-run-"));
  dirs.push(base);
  mkdirSync(join(base, "input", "config"), { recursive: true });
  mkdirSync(join(base, "code"));
  writeFileSync(join(base, "input", "config", "hyperparameters.json"), JSON.stringify({ sagemaker_program: JSON.stringify(program), n: "1" }));
  writeFileSync(join(base, "input", "config", "inputdataconfig.json"), "{}");
  writeFileSync(join(base, "input", "config", "resourceconfig.json"), JSON.stringify({ current_host: "algo-1", hosts: ["algo-1"] }));
  writeFileSync(join(base, "code", program), code);
  return base;
}

function sink() {
  const chunks: Buffer[] = [];
  return { chunks, write: (c: Uint8Array) => chunks.push(Buffer.from(c)), text: () => Buffer.concat(chunks).toString("utf8") };
}

const hostFacts = { numCpus: 4, numGpus: 0, numNeurons: 0, smddprunInstalled: false, smddpmprunInstalled: false };

describe("runTraining", () => {
  it("sends the program's output to the given sinks and the runner's lines to the given log", async () => {
    const base = baseDir("train.py", "import os, sys\nprint('out', os.environ['SM_NUM_CPUS'], sys.argv[1:])\nprint('err', file=sys.stderr)\n");
    const stdout = sink();
    const stderr = sink();
    const log: string[] = [];
    const code = await runTraining({ env: { ...process.env, SAGEMAKER_BASE_DIR: base }, stdout, stderr, log: (l) => log.push(l), hostFacts });
    expect(code).toBe(0);
    expect(stdout.text()).toBe("out 4 ['-n', '1']\n");
    expect(stderr.text()).toBe("err\n");
    expect(log.some((l) => l.startsWith("invoking the user program (python-program)"))).toBe(true);
    expect(readFileSync(join(base, "output", "success"), "utf8")).toBe("");
  });

  it("stops the program when the AbortSignal aborts", async () => {
    const base = baseDir("train.sh", "#!/bin/sh\ntrap 'echo bye; exit 0' TERM\necho ready\nwhile :; do sleep 0.05; done\n");
    const controller = new AbortController();
    const stdout = {
      write: (c: Uint8Array) => {
        if (Buffer.from(c).toString().includes("ready")) controller.abort();
      },
    };
    const code = await runTraining({ env: { ...process.env, SAGEMAKER_BASE_DIR: base }, stdout, log: () => {}, signal: controller.signal, hostFacts });
    expect(code).toBe(143);
    expect(readFileSync(join(base, "output", "failure"), "utf8")).toMatch(/^Stopped:\nSignal SIGTERM\nExitCode 0\n/);
  });

  it("stops before the program starts when the executor's stop marker (OPTML_STOP_FILE) is there", async () => {
    const base = baseDir("train.sh", "#!/bin/sh\necho ran\n");
    const marker = join(base, "algo-1.exit.stop");
    writeFileSync(marker, "");
    const stdout = sink();
    const code = await runTraining({ env: { ...process.env, SAGEMAKER_BASE_DIR: base, OPTML_STOP_FILE: marker }, stdout, log: () => {}, handleProcessSignals: true, hostFacts });
    expect(code).toBe(143);
    expect(stdout.text()).toBe("");
    expect(readFileSync(join(base, "output", "failure"), "utf8")).toBe('Stopped:\nSignal SIGTERM\nExtraInfo "Stopped before the user program started"');
    // Without the marker the same run goes on.
    rmSync(marker);
    rmSync(join(base, "output"), { recursive: true, force: true });
    expect(await runTraining({ env: { ...process.env, SAGEMAKER_BASE_DIR: base, OPTML_STOP_FILE: marker }, stdout, log: () => {}, handleProcessSignals: true, hostFacts })).toBe(0);
    expect(stdout.text()).toBe("ran\n");
  });

  it("maps outcomes to exit codes", () => {
    expect(exitCodeFor({ status: "Completed" })).toBe(0);
    expect(exitCodeFor({ status: "Failed", report: "" })).toBe(1);
    expect(exitCodeFor({ status: "Stopped", signal: "SIGINT", report: "" })).toBe(130);
  });
});
