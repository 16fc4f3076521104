import { describe, expect, it } from "vitest";
import { INSTANCE_SPECS } from "../sagemaker/instance-specs.js";
import { TRAINING_INSTANCE_TYPES } from "../sagemaker/instance-types.js";
import { formatBytes, instanceResourcesModeFor, limitsFor } from "./resources.js";

const GiB = 1024 ** 3;

describe("instance limits", () => {
  it("give an instance type its vCPUs and memory where the machine has them", () => {
    expect(limitsFor("ml.t3.medium", { cpus: 8, memoryBytes: 64 * GiB })).toEqual({ limits: { instanceType: "ml.t3.medium", cpus: 2, memoryBytes: 4 * GiB, capped: false } });
  });

  it("cap them at the machine's, and say so", () => {
    const { limits, warning } = limitsFor("ml.m5.4xlarge", { cpus: 2, memoryBytes: 23 * GiB });
    expect(limits).toEqual({ instanceType: "ml.m5.4xlarge", cpus: 2, memoryBytes: 23 * GiB, capped: true });
    expect(warning).toBe(
      "ml.m5.4xlarge has 16 vCPUs and 64 GiB; this machine has 2 CPUs and 23 GiB, so each host gets 2 CPUs and 23 GiB (optml:instance-resources enforce)",
    );
  });

  it("give an unknown type no limit, with a warning", () => {
    expect(limitsFor("ml.x9.huge", { cpus: 2, memoryBytes: GiB })).toEqual({
      warning: "optml:instance-resources enforce: ml.x9.huge is not in optml's table of instance types, so its hosts get no CPU or memory limit",
    });
  });

  it("know every size of the common training families", () => {
    const families = ["m5", "m6i", "c5", "c6i", "r5", "t3", "g4dn", "g5", "p3", "p4d"];
    const missing = TRAINING_INSTANCE_TYPES.filter((t) => families.includes(t.split(".")[1]!) && !INSTANCE_SPECS.has(t));
    expect(missing).toEqual([]);
    expect(INSTANCE_SPECS.get("ml.p4d.24xlarge")).toEqual({ vcpus: 96, memoryGiB: 1152, gpus: 8 });
  });

  it("take the mode from the job's tag over the server's, and refuse a tag that is not one", () => {
    expect(instanceResourcesModeFor({}, "enforce")).toEqual({ mode: "enforce" });
    expect(instanceResourcesModeFor({ Tags: [{ Key: "optml:instance-resources", Value: "off" }] }, "enforce")).toEqual({ mode: "off" });
    expect(instanceResourcesModeFor({ Tags: [{ Key: "optml:instance-resources", Value: "on" }] }, "off").problem).toBe("tag optml:instance-resources 'on' is not one of off, enforce");
  });

  it("write memory sizes as people read them", () => {
    expect([formatBytes(4 * GiB), formatBytes(7.5 * GiB), formatBytes(512 * 1024 ** 2)]).toEqual(["4 GiB", "7.5 GiB", "512 MiB"]);
  });
});
