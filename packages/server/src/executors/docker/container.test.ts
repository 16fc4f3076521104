import { describe, expect, it } from "vitest";
import { planJob } from "../../jobs/plan.js";
import type { CreateTrainingJobRequest } from "../../sagemaker/request.js";
import { commandOf, containerSpec, instanceTypeOf, isGpuInstanceType, jobIds } from "./container.js";
import { negotiateApiVersion, pullReference } from "./engine.js";
import { withInstanceResources } from "../resources.js";
import { usageOfStats } from "./host.js";

const req = (extra: Partial<CreateTrainingJobRequest> = {}, instanceType = "ml.g5.xlarge"): CreateTrainingJobRequest => ({
  TrainingJobName: "spec",
  AlgorithmSpecification: { TrainingImage: "my/image:1", TrainingInputMode: "File" },
  RoleArn: "arn:aws:iam::123456789012:role/R",
  OutputDataConfig: { S3OutputPath: "file:///tmp/out" },
  ResourceConfig: { InstanceType: instanceType, InstanceCount: 2, VolumeSizeInGB: 1 },
  StoppingCondition: { MaxRuntimeInSeconds: 60 },
  Environment: { A: "1" },
  ...extra,
});
const settings = { region: "us-east-1", accountId: "1", jobsDir: "/tmp/jobs", stopGraceSeconds: 120 };

describe("container spec", () => {
  it("under enforced instance resources: the instance's memory with no swap on top, its vCPUs, OPTML_NUM_CPUS", () => {
    const { plan } = withInstanceResources(planJob(req({}, "ml.t3.medium"), settings, 1), "enforce", { cpus: 64, memoryBytes: 256 * 1024 ** 3 });
    const spec = containerSpec(plan, plan.hosts[0]!, jobIds(plan, "h"), { gpus: false }) as Record<string, any>;
    expect(spec.HostConfig).toMatchObject({ Memory: 4 * 1024 ** 3, MemorySwap: 4 * 1024 ** 3, NanoCpus: 2e9 });
    expect(spec.Env).toContain("OPTML_NUM_CPUS=2");
    // Without enforce: no limits, no OPTML_NUM_CPUS.
    const free = planJob(req({}, "ml.t3.medium"), settings, 1);
    const plain = containerSpec(free, free.hosts[0]!, jobIds(free, "h"), { gpus: false }) as Record<string, any>;
    expect(plain.HostConfig.Memory).toBeUndefined();
    expect(plain.HostConfig.NanoCpus).toBeUndefined();
    expect(plain.Env.some((e: string) => e.startsWith("OPTML_NUM_CPUS="))).toBe(false);
  });

  it("is `<image> train` with hostname algo-N, /opt/ml bound, the plan's env, on the job network with alias algo-N", () => {
    const plan = planJob(req(), settings, 1);
    const ids = jobIds(plan, "/home/optml");
    const spec = containerSpec(plan, plan.hosts[1]!, ids, { gpus: false }) as Record<string, any>;
    expect(spec).toMatchObject({ Image: "my/image:1", Cmd: ["train"], Hostname: "algo-2", Tty: false });
    expect(spec.Entrypoint).toBeUndefined();
    expect(spec.Env).toEqual(expect.arrayContaining(["A=1", "TRAINING_JOB_NAME=spec", "AWS_REGION=us-east-1", "OPTML_STOP_GRACE_SECONDS=120"]));
    expect(spec.HostConfig.Binds).toEqual([`${plan.hosts[1]!.baseDir}:/opt/ml`]);
    expect(spec.HostConfig.NetworkMode).toBe(ids.network);
    expect(spec.NetworkingConfig.EndpointsConfig[ids.network].Aliases).toEqual(["algo-2"]);
    expect(spec.Labels).toMatchObject({ "optml.job": ids.job, "optml.home": ids.home, "optml.host": "algo-2" });
    expect(spec.HostConfig.DeviceRequests).toBeUndefined();
  });

  it("isolation: no network; GPUs: every NVIDIA GPU", () => {
    const plan = planJob(req({ EnableNetworkIsolation: true }), settings, 1);
    const spec = containerSpec(plan, plan.hosts[0]!, jobIds(plan, "h"), { gpus: true }) as Record<string, any>;
    expect(spec.HostConfig.NetworkMode).toBe("none");
    expect(spec.NetworkingConfig).toBeUndefined();
    expect(spec.HostConfig.DeviceRequests).toEqual([{ Driver: "nvidia", Count: -1, Capabilities: [["gpu"]] }]);
  });

  it("ContainerEntrypoint and ContainerArguments replace `train`", () => {
    expect(commandOf({ containerEntrypoint: ["python", "x.py"] })).toEqual({ Entrypoint: ["python", "x.py"], Cmd: [] });
    expect(commandOf({ containerEntrypoint: ["sh", "-c"], containerArguments: ["echo hi"] })).toEqual({ Entrypoint: ["sh", "-c"], Cmd: ["echo hi"] });
    expect(commandOf({ containerArguments: ["serve"] })).toEqual({ Cmd: ["serve"] });
    const plan = planJob(req({ AlgorithmSpecification: { TrainingImage: "i", TrainingInputMode: "File", ContainerEntrypoint: ["a"], ContainerArguments: ["b"] } }), settings, 1);
    expect([plan.containerEntrypoint, plan.containerArguments]).toEqual([["a"], ["b"]]);
  });

  it("GPU instance types are ml.p* and ml.g*", () => {
    expect(["ml.p3.2xlarge", "ml.p4d.24xlarge", "ml.p5.48xlarge", "ml.g4dn.xlarge", "ml.g5.xlarge"].every(isGpuInstanceType)).toBe(true);
    expect(["ml.m5.large", "ml.c5.xlarge", "ml.trn1.2xlarge", "local", undefined].some(isGpuInstanceType)).toBe(false);
    expect(instanceTypeOf(planJob(req(), settings, 1).hosts[0]!)).toBe("ml.g5.xlarge");
  });

  it("ids differ by job and by control plane", () => {
    const a = jobIds({ workDir: "/h/jobs/a-1" }, "/h");
    expect(jobIds({ workDir: "/h/jobs/a-2" }, "/h").job).not.toBe(a.job);
    expect(jobIds({ workDir: "/h/jobs/a-1" }, "/other").network).not.toBe(a.network);
  });
});

describe("engine helpers", () => {
  it("negotiates v1.41 unless the engine cannot", () => {
    expect(negotiateApiVersion("1.41", "1.12")).toBe("1.41");
    expect(negotiateApiVersion("1.47", "1.24")).toBe("1.41");
    expect(negotiateApiVersion("1.52", "1.44")).toBe("1.44");
    expect(negotiateApiVersion("1.40", "1.12")).toBe("1.40");
  });
  it("splits image references for a pull", () => {
    expect(pullReference("busybox")).toEqual({ fromImage: "busybox", tag: "latest" });
    expect(pullReference("localhost:5000/a/b:2")).toEqual({ fromImage: "localhost:5000/a/b", tag: "2" });
    expect(pullReference("a/b@sha256:abc")).toEqual({ fromImage: "a/b", tag: "sha256:abc" });
  });
});

describe("container usage from the engine's stats", () => {
  it("CPU as docker stats: percent of one core summed over cores; memory less inactive page cache", () => {
    const stats = {
      cpu_stats: { cpu_usage: { total_usage: 3_000_000_000 }, system_cpu_usage: 104_000_000_000, online_cpus: 4 },
      precpu_stats: { cpu_usage: { total_usage: 1_500_000_000 }, system_cpu_usage: 100_000_000_000 },
      memory_stats: { usage: 500 * 1024 ** 2, stats: { total_inactive_file: 100 * 1024 ** 2 } },
    };
    // 1.5 s of CPU over 4 s of the machine's 4 cores (1 s of wall time): 150% of one core.
    expect(usageOfStats(stats)).toEqual({ cpuPercent: 150, memoryBytes: 400 * 1024 ** 2 });
    // cgroup v2's name for the cache; no earlier reading: CPU unknown.
    expect(usageOfStats({ cpu_stats: { cpu_usage: { total_usage: 5 }, online_cpus: 2 }, precpu_stats: {}, memory_stats: { usage: 1000, stats: { inactive_file: 200 } } })).toEqual({
      cpuPercent: null,
      memoryBytes: 800,
    });
    // A container that does not run: no figures.
    expect(usageOfStats({ cpu_stats: {}, precpu_stats: {}, memory_stats: {} })).toBeUndefined();
  });
});
