import { describe, expect, it } from "vitest";
import { scriptModeRequest } from "../../test/requests.js";
import { planJob } from "../jobs/plan.js";
import { gpusNeeded, parseGpuList, withAssignedGpus, withGpuNeeds } from "./gpus.js";

const settings = { region: "us-east-1", accountId: "123456789012", jobsDir: "/state/jobs", stopGraceSeconds: 120 };

function plan(instanceType: string, instanceCount = 1) {
  const req = scriptModeRequest({ name: "j", codeDir: "/code", program: "train.py", outputDir: "/out" });
  return planJob({ ...req, ResourceConfig: { ...req.ResourceConfig, InstanceType: instanceType, InstanceCount: instanceCount } }, settings, 1_700_000_000);
}

describe("GPUs", () => {
  it("reads nvidia-smi -L (as an H200 machine prints it)", () => {
    expect(parseGpuList("GPU 0: NVIDIA H200 (UUID: GPU-faee5e69-b0f1-c18e-e92b-2930afd57786)\n")).toEqual(["0"]);
    expect(parseGpuList("GPU 0: A (UUID: x)\nGPU 1: A (UUID: y)\n  MIG 1g.10gb Device 0: (UUID: z)\n")).toEqual(["0", "1"]);
    expect(parseGpuList("")).toEqual([]);
  });

  it("give each host its instance type's GPUs; none on a machine without GPUs", () => {
    expect(gpusNeeded(withGpuNeeds(plan("ml.g5.12xlarge", 2), 8).plan)).toBe(8);
    expect(gpusNeeded(withGpuNeeds(plan("ml.m5.large"), 8).plan)).toBe(0);
    expect(withGpuNeeds(plan("ml.p4d.24xlarge"), 0)).toEqual({ plan: plan("ml.p4d.24xlarge"), warnings: [] });
  });

  it("scale a job that needs more than the machine has down to what it has, and say so", () => {
    const { plan: p, warnings } = withGpuNeeds(plan("ml.p4d.24xlarge", 2), 2);
    expect(p.hosts.map((h) => h.gpus)).toEqual([1, 1]);
    expect(warnings).toEqual(["the job's instances have 16 GPUs and this machine has 2: its hosts get 1, 1 (CUDA_VISIBLE_DEVICES), and it waits until they are free"]);
  });

  it("share the assigned GPUs out between the hosts, and tell a CPU host it has none", () => {
    const assigned = withAssignedGpus(withGpuNeeds(plan("ml.g5.12xlarge", 2), 8).plan, ["0", "1", "2", "3", "4", "5", "6", "7"]);
    expect(assigned.hosts.map((h) => [h.env.CUDA_VISIBLE_DEVICES, h.env.OPTML_NUM_GPUS])).toEqual([["0,1,2,3", "4"], ["4,5,6,7", "4"]]);
    expect(withAssignedGpus(plan("ml.m5.large"), []).hosts[0]!.env).toMatchObject({ CUDA_VISIBLE_DEVICES: "", OPTML_NUM_GPUS: "0" });
  });
});
