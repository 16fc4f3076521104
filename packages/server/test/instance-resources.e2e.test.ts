/**
 * The instance, simulated (`--instance-resources enforce`, as root with cgroups): a program that
 * allocates past an ml.t3.medium's 4 GiB is killed and the job fails with OutOfMemoryError naming
 * the limit (on either host of a two-host job run in network namespaces); a busy loop on two processes gets about one CPU where the host was given one; and
 * SM_NUM_CPUS says what the host was given (the instance's vCPUs capped at the machine's), or the
 * machine's CPUs under the tag `optml:instance-resources=off`.
 *
 * The control plane is told the machine has 1 CPU (ControlPlaneOptions.machineResources) so that
 * an ml.m5.large (2 vCPUs) is capped to 1: no ml.* training type has a single vCPU. Its memory is
 * this machine's.
 */
import { CreateTrainingJobCommand } from "@aws-sdk/client-sagemaker";
import { cpus, totalmem } from "node:os";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { machineHierarchy } from "../src/executors/cgroups.js";
import { startHarness, type Harness } from "./harness.js";
import { scriptModeRequest } from "./requests.js";

let h: Harness;

beforeAll(async () => {
  const { hierarchy, why } = machineHierarchy();
  if (!hierarchy) {
    throw new Error(`these tests need cgroups with the memory and cpu controllers: ${why}; run them as root on Linux (cgroup v2, or v1 with memory and cpu mounted)`);
  }
  if (totalmem() < 6 * 1024 ** 3) throw new Error("the out-of-memory test allocates past 4 GiB: run it on a machine with at least 6 GiB of memory");
  h = await startHarness({ instanceResources: "enforce", machineResources: { cpus: 1, memoryBytes: totalmem() } });
});
afterAll(async () => {
  await h?.close();
});

function logText(name: string): string {
  return h.hostLog(name).join("\n");
}

function job(name: string, program: string, instanceType: string, tags: { Key: string; Value: string }[] = []) {
  const request = scriptModeRequest({ name, codeDir: h.code({ "train.py": program }), program: "train.py", outputDir: h.output() });
  return { ...request, ResourceConfig: { ...request.ResourceConfig, InstanceType: instanceType }, ...(tags.length ? { Tags: tags } : {}) };
}

// Allocates (and touches) 256 MiB at a time, up to 8 GiB.
const ALLOCATOR = `
a = []
for i in range(32):
    b = bytearray(256 * 1024 * 1024)
    for j in range(0, len(b), 4096):
        b[j] = 1
    a.append(b)
    print("allocated", (i + 1) * 256, "MiB", flush=True)
print("survived", flush=True)
`;

// Two processes spinning for 4 s of wall time; prints the CPU seconds they used and the wall time.
const BUSY = `
import multiprocessing as mp, os, time
def spin(seconds):
    end = time.time() + seconds
    while time.time() < end:
        pass
if __name__ == "__main__":
    start = time.time()
    ps = [mp.Process(target=spin, args=(4,)) for _ in range(2)]
    [p.start() for p in ps]
    [p.join() for p in ps]
    t = os.times()
    print("cpu", t.children_user + t.children_system, "wall", time.time() - start, flush=True)
`;

const CPUS = `
import os
print("SM_NUM_CPUS", os.environ["SM_NUM_CPUS"], flush=True)
`;

describe("--instance-resources enforce", () => {
  it("a program allocating past an ml.t3.medium's 4 GiB fails the job with OutOfMemoryError naming the limit", async () => {
    await h.sagemaker.send(new CreateTrainingJobCommand(job("oom-t3-medium", ALLOCATOR, "ml.t3.medium") as never));
    const d = await h.waitForEnd("oom-t3-medium", 120_000);
    const log = logText("oom-t3-medium");
    expect(log, log).not.toContain("could not be enforced");
    expect(log).not.toContain("survived");
    expect(d.TrainingJobStatus).toBe("Failed");
    expect(d.FailureReason).toMatch(/^OutOfMemoryError: /);
    expect(d.FailureReason).toContain("more than the 4 GiB of ml.t3.medium");
    expect(d.FailureReason).toContain("algo-1");
    console.log(`oom-t3-medium: ${d.FailureReason}; last line: ${log.split("\n").filter((l) => l.startsWith("allocated")).pop()}`);
  }, 150_000);

  it("a busy loop on two processes gets about one CPU when the host was given one (ml.m5.large capped at the machine's 1)", async () => {
    await h.sagemaker.send(new CreateTrainingJobCommand(job("cpu-capped", BUSY, "ml.m5.large") as never));
    const d = await h.waitForEnd("cpu-capped", 60_000);
    const log = logText("cpu-capped");
    expect(d.TrainingJobStatus, log).toBe("Completed");
    const [, cpu, wall] = /cpu ([\d.]+) wall ([\d.]+)/.exec(log)!.map(Number) as [number, number, number];
    // Two spinning processes would use ~2 CPUs unlimited (on a machine with 2); the limit holds them to ~1.
    expect(cpu / wall).toBeLessThan(1.3);
    console.log(`cpu-capped: ${cpu} CPU seconds in ${wall} s of wall time (${(cpu / wall).toFixed(2)} CPUs)`);
    // The cap is said: in the job's warnings (OptmlWarnings) and its log.
    expect(h.server.controlPlane.view("cpu-capped").record.warnings.join("\n")).toContain("so each host gets 1 CPUs");
    expect(log).toContain("so each host gets 1 CPUs");
  }, 90_000);

  it("SM_NUM_CPUS is the instance's vCPUs capped at the machine's; under the tag optml:instance-resources=off, the machine's", async () => {
    await h.sagemaker.send(new CreateTrainingJobCommand(job("cpus-enforced", CPUS, "ml.m5.large") as never));
    await h.sagemaker.send(new CreateTrainingJobCommand(job("cpus-off", CPUS, "ml.m5.large", [{ Key: "optml:instance-resources", Value: "off" }]) as never));
    expect((await h.waitForEnd("cpus-enforced")).TrainingJobStatus).toBe("Completed");
    expect((await h.waitForEnd("cpus-off")).TrainingJobStatus).toBe("Completed");
    expect(logText("cpus-enforced")).toContain("SM_NUM_CPUS 1");
    expect(logText("cpus-off")).toContain(`SM_NUM_CPUS ${cpus().length}`);
  }, 90_000);

  it("each host of a two-host job (network namespaces) is held to its limit: algo-2 over ml.t3.medium's 4 GiB fails the job, naming algo-2", async () => {
    const program = `
import os, sys
print("SM_NUM_CPUS", os.environ["SM_NUM_CPUS"], flush=True)
if os.environ["SM_CURRENT_HOST"] == "algo-2":
${ALLOCATOR.trim().split("\n").map((l) => "    " + l).join("\n")}
`;
    const request = job("oom-two-hosts", program, "ml.t3.medium");
    await h.sagemaker.send(new CreateTrainingJobCommand({ ...request, ResourceConfig: { ...request.ResourceConfig, InstanceCount: 2 } } as never));
    const d = await h.waitForEnd("oom-two-hosts", 120_000);
    expect(d.TrainingJobStatus, d.FailureReason).toBe("Failed");
    expect(d.FailureReason).toMatch(/^OutOfMemoryError: .*the training program on algo-2 used more than the 4 GiB of ml\.t3\.medium/);
    expect(logText("oom-two-hosts")).toContain("SM_NUM_CPUS 1");
  }, 150_000);

  it("refuses a tag optml:instance-resources that is not a mode", async () => {
    await expect(h.sagemaker.send(new CreateTrainingJobCommand(job("bad-mode", CPUS, "ml.m5.large", [{ Key: "optml:instance-resources", Value: "strict" }]) as never))).rejects.toThrow(
      /optml:instance-resources 'strict' is not one of off, enforce/,
    );
  });
});
