import { describe, expect, it } from "vitest";
import { planJob } from "../../jobs/plan.js";
import type { CreateTrainingJobRequest } from "../../sagemaker/request.js";
import { commandOf, containerSpec, instanceTypeOf, jobIds, withContainerCode } from "./container.js";
import { engineGpus, gpuDeviceRequests, gpuShortfall, hasNvidiaCdiSpec } from "./gpus.js";
import { withAssignedGpus, withGpuNeeds } from "../gpus.js";
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
    const spec = containerSpec(plan, plan.hosts[0]!, jobIds(plan, "h"), {}) as Record<string, any>;
    expect(spec.HostConfig).toMatchObject({ Memory: 4 * 1024 ** 3, MemorySwap: 4 * 1024 ** 3, NanoCpus: 2e9 });
    expect(spec.Env).toContain("OPTML_NUM_CPUS=2");
    // Without enforce: no limits, no OPTML_NUM_CPUS.
    const free = planJob(req({}, "ml.t3.medium"), settings, 1);
    const plain = containerSpec(free, free.hosts[0]!, jobIds(free, "h"), {}) as Record<string, any>;
    expect(plain.HostConfig.Memory).toBeUndefined();
    expect(plain.HostConfig.NanoCpus).toBeUndefined();
    expect(plain.Env.some((e: string) => e.startsWith("OPTML_NUM_CPUS="))).toBe(false);
  });

  it("is `<image> train` with hostname algo-N, /opt/ml bound, the plan's env, on the job network with alias algo-N", () => {
    const plan = planJob(req(), settings, 1);
    const ids = jobIds(plan, "/home/optml");
    const spec = containerSpec(plan, plan.hosts[1]!, ids, {}) as Record<string, any>;
    expect(spec).toMatchObject({ Image: "my/image:1", Cmd: ["train"], Hostname: "algo-2", Tty: false });
    expect(spec.Entrypoint).toBeUndefined();
    expect(spec.Env).toEqual(expect.arrayContaining(["A=1", "TRAINING_JOB_NAME=spec", "AWS_REGION=us-east-1", "OPTML_STOP_GRACE_SECONDS=120"]));
    expect(spec.HostConfig.Binds).toEqual([`${plan.hosts[1]!.baseDir}:/opt/ml`]);
    expect(spec.HostConfig.NetworkMode).toBe(ids.network);
    expect(spec.NetworkingConfig.EndpointsConfig[ids.network].Aliases).toEqual(["algo-2"]);
    expect(spec.Labels).toMatchObject({ "optml.job": ids.job, "optml.home": ids.home, "optml.host": "algo-2" });
    expect(spec.HostConfig.DeviceRequests).toBeUndefined();
  });

  it("isolation: no network", () => {
    const plan = planJob(req({ EnableNetworkIsolation: true }), settings, 1);
    const spec = containerSpec(plan, plan.hosts[0]!, jobIds(plan, "h"), {}) as Record<string, any>;
    expect(spec.HostConfig.NetworkMode).toBe("none");
    expect(spec.NetworkingConfig).toBeUndefined();
  });

  it("ContainerEntrypoint and ContainerArguments replace `train`", () => {
    expect(commandOf({ containerEntrypoint: ["python", "x.py"] })).toEqual({ Entrypoint: ["python", "x.py"], Cmd: [] });
    expect(commandOf({ containerEntrypoint: ["sh", "-c"], containerArguments: ["echo hi"] })).toEqual({ Entrypoint: ["sh", "-c"], Cmd: ["echo hi"] });
    expect(commandOf({ containerArguments: ["serve"] })).toEqual({ Cmd: ["serve"] });
    const plan = planJob(req({ AlgorithmSpecification: { TrainingImage: "i", TrainingInputMode: "File", ContainerEntrypoint: ["a"], ContainerArguments: ["b"] } }), settings, 1);
    expect([plan.containerEntrypoint, plan.containerArguments]).toEqual([["a"], ["b"]]);
  });

  it("reads the instance type from resourceconfig.json", () => {
    expect(instanceTypeOf(planJob(req(), settings, 1).hosts[0]!)).toBe("ml.g5.xlarge");
  });

  it("ids differ by job and by control plane", () => {
    const a = jobIds({ workDir: "/h/jobs/a-1" }, "/h");
    expect(jobIds({ workDir: "/h/jobs/a-2" }, "/h").job).not.toBe(a.job);
    expect(jobIds({ workDir: "/h/jobs/a-1" }, "/other").network).not.toBe(a.network);
  });
});

describe("a container job's local code", () => {
  const withCode = (value: string) => planJob(req({ HyperParameters: { sagemaker_program: '"train.py"', sagemaker_submit_directory: value, epochs: "3" } }), settings, 1);
  const hps = (plan: ReturnType<typeof planJob>, i = 0) => JSON.parse(plan.hosts[i]!.configFiles["hyperparameters.json"]) as Record<string, string>;

  it("a directory (file:// or a path) is mounted read-only at /opt/ml/code, and every host's hyperparameters say \"/opt/ml/code\"", () => {
    for (const value of ['"file:///work/src"', '"/work/src"', "file:///work/src"]) {
      const plan = withContainerCode(withCode(value), () => "directory");
      expect(plan.containerCode).toEqual({ source: "/work/src", target: "/opt/ml/code" });
      for (const i of [0, 1]) expect(hps(plan, i)).toEqual({ sagemaker_program: '"train.py"', sagemaker_submit_directory: value.startsWith('"') ? '"/opt/ml/code"' : "/opt/ml/code", epochs: "3" });
      const spec = containerSpec(plan, plan.hosts[1]!, jobIds(plan, "h"), {}) as Record<string, any>;
      expect(spec.HostConfig.Binds).toEqual([`${plan.hosts[1]!.baseDir}:/opt/ml`, "/work/src:/opt/ml/code:ro"]);
    }
  });

  it("a file (a .tar.gz) is mounted under /opt/optml/code and passed as its path there", () => {
    const plan = withContainerCode(withCode('"file:///work/sourcedir.tar.gz"'), () => "file");
    expect(plan.containerCode).toEqual({ source: "/work/sourcedir.tar.gz", target: "/opt/optml/code/sourcedir.tar.gz" });
    expect(hps(plan).sagemaker_submit_directory).toBe('"/opt/optml/code/sourcedir.tar.gz"');
  });

  it("S3 code, a path with nothing there, a relative path, no code: the plan as it was", () => {
    for (const value of ['"s3://b/k/sourcedir.tar.gz"', '"src"']) expect(withContainerCode(withCode(value), () => "directory")).toEqual(withCode(value));
    expect(withContainerCode(withCode('"/gone"'), () => undefined)).toEqual(withCode('"/gone"'));
    const none = planJob(req(), settings, 1);
    expect(withContainerCode(none, () => "directory")).toBe(none);
  });
});

describe("GPUs for containers", () => {
  const gpuPlan = (instanceType: string, machine: string[]) => withAssignedGpus(withGpuNeeds(planJob(req({}, instanceType), settings, 1), machine.length).plan, machine);

  it("the engine's way: the nvidia runtime, else a CDI spec of nvidia.com/gpu, else what is missing", () => {
    expect(engineGpus({ Runtimes: { runc: {}, nvidia: {} } }, "/s")).toEqual({ driver: "nvidia" });
    expect(engineGpus({ Runtimes: { runc: {} }, CDISpecDirs: ["/etc/cdi"] }, "/s", () => true)).toEqual({ driver: "cdi" });
    const none = engineGpus({ Runtimes: { runc: {}, "io.containerd.runc.v2": {} } }, "/var/run/docker.sock");
    expect("missing" in none && none.missing).toMatch(/^the Docker engine at \/var\/run\/docker.sock has no nvidia runtime \(its runtimes: runc, io.containerd.runc.v2\) and no CDI spec dirs/);
    const noSpec = engineGpus({ Runtimes: { runc: {} }, CDISpecDirs: ["/etc/cdi", "/var/run/cdi"] }, "/s", () => false);
    expect("missing" in noSpec && noSpec.missing).toMatch(/no CDI spec of nvidia.com\/gpu devices in \/etc\/cdi, \/var\/run\/cdi/);
    expect(hasNvidiaCdiSpec(["/d"], () => ['cdiVersion: "0.5.0"\nkind: nvidia.com/gpu\ndevices: []'])).toBe(true);
    expect(hasNvidiaCdiSpec(["/d"], () => ['{"cdiVersion":"0.6.0","kind":"nvidia.com/gpu"}'])).toBe(true);
    expect(hasNvidiaCdiSpec(["/d"], () => ["kind: vendor.com/fpga"])).toBe(false);
  });

  it("device requests name exactly the assigned GPUs", () => {
    expect(gpuDeviceRequests(["1", "3"], "nvidia")).toEqual([{ Driver: "nvidia", DeviceIDs: ["1", "3"], Capabilities: [["gpu"]] }]);
    expect(gpuDeviceRequests(["1", "3"], "cdi")).toEqual([{ Driver: "cdi", DeviceIDs: ["nvidia.com/gpu=1", "nvidia.com/gpu=3"] }]);
    expect(gpuDeviceRequests([], "nvidia")).toBeUndefined();
    expect(gpuDeviceRequests(["0"], undefined)).toBeUndefined();
  });

  it("each host's container gets its own GPUs, numbered from 0 inside; SM_NUM_GPUS (OPTML_NUM_GPUS) says how many", () => {
    // Two ml.g5.12xlarge hosts (4 GPUs each) on a machine with 8: the second host gets 4..7.
    const plan = gpuPlan("ml.g5.12xlarge", ["0", "1", "2", "3", "4", "5", "6", "7"]);
    const spec = containerSpec(plan, plan.hosts[1]!, jobIds(plan, "h"), { gpuDriver: "nvidia" }) as Record<string, any>;
    expect(spec.HostConfig.DeviceRequests).toEqual([{ Driver: "nvidia", DeviceIDs: ["4", "5", "6", "7"], Capabilities: [["gpu"]] }]);
    expect(spec.Env).toEqual(expect.arrayContaining(["CUDA_VISIBLE_DEVICES=0,1,2,3", "OPTML_NUM_GPUS=4"]));
    const cdi = containerSpec(plan, plan.hosts[0]!, jobIds(plan, "h"), { gpuDriver: "cdi" }) as Record<string, any>;
    expect(cdi.HostConfig.DeviceRequests[0].DeviceIDs).toEqual(["nvidia.com/gpu=0", "nvidia.com/gpu=1", "nvidia.com/gpu=2", "nvidia.com/gpu=3"]);
    // An engine that cannot give GPUs: none, and SM_NUM_GPUS 0.
    const without = containerSpec(plan, plan.hosts[0]!, jobIds(plan, "h"), {}) as Record<string, any>;
    expect(without.HostConfig.DeviceRequests).toBeUndefined();
    expect(without.Env).toEqual(expect.arrayContaining(["CUDA_VISIBLE_DEVICES=", "OPTML_NUM_GPUS=0"]));
    // A CPU instance on a GPU machine: no GPU.
    const cpu = gpuPlan("ml.m5.large", ["0", "1"]);
    const cpuSpec = containerSpec(cpu, cpu.hosts[0]!, jobIds(cpu, "h"), { gpuDriver: "nvidia" }) as Record<string, any>;
    expect(cpuSpec.HostConfig.DeviceRequests).toBeUndefined();
    expect(cpuSpec.Env).toEqual(expect.arrayContaining(["CUDA_VISIBLE_DEVICES=", "OPTML_NUM_GPUS=0"]));
  });

  it("under enforce, a GPU instance type that cannot get its GPUs is a CapacityError naming what is missing", () => {
    const machine = { cpus: 64, memoryBytes: 512 * 1024 ** 3 };
    const noEngine = engineGpus({ Runtimes: { runc: {} } }, "/var/run/docker.sock");
    const enforced = withInstanceResources(gpuPlan("ml.g5.xlarge", ["0", "1"]), "enforce", machine).plan;
    expect(gpuShortfall(enforced.hosts[0]!, { driver: "nvidia" })).toBeUndefined();
    expect(gpuShortfall(enforced.hosts[0]!, noEngine)).toMatch(
      /^CapacityError: Unable to provision requested ML compute capacity\. .*\(optml: ml\.g5\.xlarge has 1 GPU, and algo-1's container cannot get them: the Docker engine at \/var\/run\/docker\.sock has no nvidia runtime/,
    );
    // A machine without GPUs (nothing assigned): named too.
    const bare = withInstanceResources(planJob(req({}, "ml.g5.xlarge"), settings, 1), "enforce", machine).plan;
    expect(gpuShortfall(bare.hosts[0]!, { driver: "nvidia" })).toMatch(/this machine lists no GPUs \(`nvidia-smi -L`/);
    // Not enforced, or a CPU type: no refusal.
    expect(gpuShortfall(planJob(req({}, "ml.g5.xlarge"), settings, 1).hosts[0]!, noEngine)).toBeUndefined();
    expect(gpuShortfall(withInstanceResources(planJob(req({}, "ml.m5.large"), settings, 1), "enforce", machine).plan.hosts[0]!, noEngine)).toBeUndefined();
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
