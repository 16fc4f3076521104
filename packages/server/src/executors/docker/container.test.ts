import { describe, expect, it } from "vitest";
import { planJob } from "../../jobs/plan.js";
import type { CreateTrainingJobRequest } from "../../sagemaker/request.js";
import { commandOf, containerSpec, instanceTypeOf, isGpuInstanceType, jobIds } from "./container.js";
import { negotiateApiVersion, pullReference } from "./engine.js";

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
