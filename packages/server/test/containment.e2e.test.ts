/**
 * No process outlives its job (as root: cgroups): a program's `setsid` child that ignores SIGTERM
 * and its double-forked daemon are killed when the job is stopped and when the program ends, and
 * a host cgroup that a crashed control plane left for a job that is over is removed at start.
 * The processes are found by a marker in their environment, which every job process inherits.
 */
import { CreateTrainingJobCommand, StopTrainingJobCommand } from "@aws-sdk/client-sagemaker";
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hostCgroupPath, machineHierarchy, type CgroupHierarchy } from "../src/executors/cgroups.js";
import { startHarness, type Harness } from "./harness.js";
import { scriptModeRequest } from "./requests.js";

/** The machine's hierarchy, or a failure that says how to get one. */
function hierarchy(): CgroupHierarchy {
  const { hierarchy, why } = machineHierarchy();
  if (!hierarchy) throw new Error(`these tests need cgroups: ${why}; run them as root on Linux with cgroup2 or cgroup v1's freezer or pids mounted`);
  return hierarchy;
}

/** Live (not zombie) processes whose environment holds `marker`. */
function processesMarked(marker: string): number[] {
  const found: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      if (/^[ZX]$/.test(stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3))) continue;
      if (readFileSync(`/proc/${entry}/environ`, "utf8").split("\0").includes(`OPTML_TEST_MARKER=${marker}`)) found.push(Number(entry));
    } catch {
      // gone, or not ours to read
    }
  }
  return found;
}

/** Wait (up to a deadline, not a timing assertion) until `check` holds. */
async function eventually(check: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`still not so after ${timeoutMs} ms: ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

// A setsid child that ignores SIGTERM and a double-forked daemon, then "escaped" once both run.
const ESCAPER = `
import os, subprocess, sys, time
subprocess.Popen(["setsid", "sh", "-c", 'trap "" TERM; sleep 300; echo never'])
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        import signal
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        time.sleep(300)
    os._exit(0)
os.wait()
time.sleep(0.5)
print("escaped", flush=True)
if os.environ.get("THEN_EXIT") == "1":
    sys.exit(0)
time.sleep(300)
`;

let h: Harness;
let home: string;
const ghostMarker = `ghost-${process.pid}`;
let ghostCgroup: string;
let ghostPid: number | undefined;

beforeAll(async () => {
  const root = mkdtempSync(join(tmpdir(), "optml-containment-"));
  home = join(root, "home");
  // A crashed control plane's leftover: a host cgroup of a job not in the store, still occupied.
  ghostCgroup = hostCgroupPath(hierarchy(), join(home, "jobs"), join(home, "jobs", "ghost-1700000000000"), "algo-1");
  mkdirSync(ghostCgroup, { recursive: true });
  const ghost = spawn("sleep", ["300"], { detached: true, stdio: "ignore", env: { ...process.env, OPTML_TEST_MARKER: ghostMarker } });
  await new Promise((resolve) => ghost.once("spawn", resolve));
  ghost.unref();
  ghostPid = ghost.pid;
  writeFileSync(`${ghostCgroup}/cgroup.procs`, String(ghost.pid));
  h = await startHarness({ home });
});
afterAll(async () => {
  if (ghostPid !== undefined && processesMarked(ghostMarker).includes(ghostPid)) process.kill(ghostPid, "SIGKILL");
  await h?.close();
  rmSync(dirname(home), { recursive: true, force: true });
});

function escaperJob(name: string, marker: string, thenExit = false) {
  return scriptModeRequest({
    name,
    codeDir: h.code({ "train.py": ESCAPER }),
    program: "train.py",
    outputDir: h.output(),
    environment: { OPTML_TEST_MARKER: marker, THEN_EXIT: thenExit ? "1" : "0" },
  });
}

function logText(name: string): string {
  return h.hostLog(name).join("\n");
}

function cgroupOf(name: string): string {
  const { workDir } = h.server.controlPlane.view(name).record;
  return hostCgroupPath(hierarchy(), dirname(workDir), workDir, "algo-1");
}

describe("no process outlives its job (cgroups)", () => {
  it("StopTrainingJob kills a setsid child that ignores SIGTERM and a double-forked daemon; the cgroup goes", async () => {
    const marker = `stop-${process.pid}-${Date.now()}`;
    await h.sagemaker.send(new CreateTrainingJobCommand(escaperJob("contain-stop", marker) as never));
    await eventually(() => h.server.controlPlane.store.logs.streamsOfJob("contain-stop").length > 0 && logText("contain-stop").includes("escaped"), "the program says its children escaped");
    // The train runner, the program, the setsid shell and its sleep, the daemon: all in the cgroup.
    const cgroup = cgroupOf("contain-stop");
    const members = readFileSync(`${cgroup}/cgroup.procs`, "utf8").split("\n").filter(Boolean).map(Number);
    expect(processesMarked(marker).every((pid) => members.includes(pid))).toBe(true);
    expect(processesMarked(marker).length).toBeGreaterThanOrEqual(4);
    await h.sagemaker.send(new StopTrainingJobCommand({ TrainingJobName: "contain-stop" }));
    const d = await h.waitForEnd("contain-stop");
    expect(d.TrainingJobStatus).toBe("Stopped");
    expect(processesMarked(marker)).toEqual([]);
    expect(existsSync(cgroup)).toBe(false);
  });

  it("what a program that completes leaves running is killed at the job's end", async () => {
    const marker = `end-${process.pid}-${Date.now()}`;
    await h.sagemaker.send(new CreateTrainingJobCommand(escaperJob("contain-end", marker, true) as never));
    const d = await h.waitForEnd("contain-end");
    expect(d.TrainingJobStatus, d.FailureReason).toBe("Completed");
    expect(logText("contain-end")).toContain("escaped");
    expect(processesMarked(marker)).toEqual([]);
    expect(existsSync(cgroupOf("contain-end"))).toBe(false);
  });

  it("a leftover host cgroup of a job that is over is emptied and removed at start", async () => {
    await eventually(() => processesMarked(ghostMarker).length === 0 && !existsSync(ghostCgroup), `the leftover ${ghostCgroup} and its sleep are gone`);
  });
});
