import { computeContract, configFilesFor, parseConfigTexts, type HostFacts, type TrainingEnvironment } from "@optml/contract";
import { describe, expect, it } from "vitest";
import type { LaunchPlan } from "../entry-point.js";
import { RunnerError } from "../errors.js";
import { parseCustomMpiOptions, planMpirun, sshdConfig } from "./mpi.js";
import { processesPerHost, selectLauncher } from "./select.js";
import { planTorchrun } from "./torchrun.js";

const cpu: HostFacts = { numCpus: 4, numGpus: 0, numNeurons: 0, smddprunInstalled: false, smddpmprunInstalled: false };

/** The training environment of `host` in a job of `count` hosts with these (SDK-encoded) hyperparameters. */
function environment(hyperparameters: Record<string, string>, options: { count?: number; host?: string; facts?: HostFacts; groups?: boolean } = {}): TrainingEnvironment {
  const job = options.groups
    ? { hyperparameters, instanceGroups: [{ name: "cpus", instanceType: "ml.m5.large", instanceCount: 1 }, { name: "gpus", instanceType: "ml.p3.2xlarge", instanceCount: 2 }] }
    : { hyperparameters, instanceType: "ml.m5.large", instanceCount: options.count ?? 2 };
  const files = configFilesFor(job, options.host ?? "algo-1");
  const config = parseConfigTexts({
    hyperparameters: files["hyperparameters.json"],
    inputDataConfig: files["inputdataconfig.json"],
    resourceConfig: files["resourceconfig.json"],
  });
  return computeContract(config, { baseDir: "/opt/ml", env: {}, host: options.facts ?? cpu }).trainingEnvironment;
}

const program: LaunchPlan = { kind: "python-program", command: "/venv/bin/python", args: ["train.py", "--epochs", "3"], entryFile: "train.py" };

describe("selecting the launcher as SageMaker's PyTorch container does", () => {
  it("follows the container's order: mpi, pytorchddp, torch_distributed, smdistributed", () => {
    expect(selectLauncher(environment({}))).toBe("process");
    expect(selectLauncher(environment({ sagemaker_torch_distributed_enabled: "true" }))).toBe("torch_distributed");
    expect(selectLauncher(environment({ sagemaker_torch_distributed_enabled: "false" }))).toBe("process");
    expect(selectLauncher(environment({ sagemaker_pytorch_ddp_enabled: "true", sagemaker_torch_distributed_enabled: "true" }))).toBe("pytorchddp");
    expect(selectLauncher(environment({ sagemaker_mpi_enabled: "true", sagemaker_pytorch_ddp_enabled: "true" }))).toBe("mpi");
    expect(selectLauncher(environment({ sagemaker_distributed_dataparallel_enabled: "true" }))).toBe("smdistributed");
  });

  it("launches only in the distribution instance groups", () => {
    const hp = { sagemaker_torch_distributed_enabled: "true", sagemaker_distribution_instance_groups: '["gpus"]' };
    expect(selectLauncher(environment(hp, { groups: true, host: "algo-1" }))).toBe("process");
    expect(selectLauncher(environment(hp, { groups: true, host: "algo-2" }))).toBe("torch_distributed");
  });

  it("runs a process per GPU, else per Neuron core, else one; the toolkit's parameter overrides", () => {
    expect(processesPerHost(environment({}))).toBe(1);
    expect(processesPerHost(environment({}, { facts: { ...cpu, numGpus: 8 } }))).toBe(8);
    expect(processesPerHost(environment({}, { facts: { ...cpu, numNeurons: 32 } }))).toBe(32);
    expect(processesPerHost(environment({ sagemaker_mpi_num_of_processes_per_host: "2" }, { facts: { ...cpu, numGpus: 8 } }))).toBe(2);
    expect(processesPerHost(environment({ sagemaker_mpi_num_of_processes_per_host: '"3"' }))).toBe(3);
    expect(() => processesPerHost(environment({ sagemaker_mpi_num_of_processes_per_host: '"many"' }))).toThrow(
      "the hyperparameter sagemaker_mpi_num_of_processes_per_host must be a whole number of at least 1, found many",
    );
  });
});

describe("torchrun as the toolkit builds it", () => {
  it("gives several hosts the master's address, port 7777 and each host's rank", () => {
    const plan = planTorchrun({ program, hosts: ["algo-1", "algo-2"], rank: 1, processesPerHost: 2 });
    expect([plan.command, ...plan.args]).toEqual([
      "/venv/bin/python", "-m", "torch.distributed.run",
      "--nnodes", "2", "--nproc_per_node", "2", "--master_addr", "algo-1", "--master_port", "7777", "--node_rank", "1",
      "train.py", "--epochs", "3",
    ]);
  });

  it("gives a single host no rendezvous flags", () => {
    const plan = planTorchrun({ program, hosts: ["algo-1"], rank: 0, processesPerHost: 4 });
    expect(plan.args).toEqual(["-m", "torch.distributed.run", "--nnodes", "1", "--nproc_per_node", "4", "train.py", "--epochs", "3"]);
  });

  it("refuses what is not a Python script, as the toolkit does", () => {
    const pkg: LaunchPlan = { kind: "python-package", command: "/venv/bin/python", args: ["-m", "train"] };
    expect(() => planTorchrun({ program: pkg, hosts: ["algo-1"], rank: 0, processesPerHost: 1 })).toThrow(RunnerError);
    expect(() => planTorchrun({ program: pkg, hosts: ["algo-1"], rank: 0, processesPerHost: 1 })).toThrow(/Python packages are not supported for torch_distributed/);
  });
});

describe("mpirun as the toolkit builds it", () => {
  const base = { program, hosts: ["algo-1", "algo-2"], processesPerHost: 2, numProcesses: undefined, customOptions: "", networkInterface: "eth0", exportedVariables: ["SM_HOSTS"] };

  it("mpi: every host's slots, the toolkit's options, exported variables, Python under mpi4py", () => {
    const plan = planMpirun({ ...base, flavour: "mpi", customOptions: "--NCCL_DEBUG WARN -mca btl_tcp_links 2" });
    const argv = [plan.command, ...plan.args];
    expect(argv.slice(0, 9)).toEqual(["mpirun", "--host", "algo-1:2,algo-2:2", "-np", "4", "--allow-run-as-root", "--display-map", "--tag-output", "-mca"]);
    expect(argv.join(" ")).toContain("-mca btl_tcp_if_include eth0 -mca oob_tcp_if_include eth0");
    expect(argv.join(" ")).toContain("-x NCCL_DEBUG=WARN -x LD_LIBRARY_PATH -x PATH -mca btl_tcp_links 2 -x SM_HOSTS /venv/bin/python -m mpi4py train.py --epochs 3");
  });

  it("mpi: one process per host lists bare hosts; sagemaker_mpi_num_processes sets -np", () => {
    const plan = planMpirun({ ...base, flavour: "mpi", processesPerHost: 1, numProcesses: 3 });
    expect(plan.args.slice(0, 4)).toEqual(["--host", "algo-1,algo-2", "-np", "3"]);
  });

  it("pytorchddp: the SMDataParallel runner's command, without smddprun", () => {
    const plan = planMpirun({ ...base, flavour: "pytorchddp" });
    const line = plan.args.join(" ");
    expect(line).toMatch(/^--host algo-1:2,algo-2:2 -np 4 --allow-run-as-root --tag-output --oversubscribe /);
    expect(line).toContain("-mca plm_rsh_num_concurrent 2");
    expect(line).toContain("-x SMDATAPARALLEL_USE_HOMOGENEOUS=1 -x SMDATAPARALLEL_SERVER_ADDR=algo-1 -x SMDATAPARALLEL_SERVER_PORT=7592");
    expect(line).not.toContain("smddprun");
  });

  it("leaves the interface flags out where the machine has no such interface", () => {
    expect(planMpirun({ ...base, flavour: "mpi", networkInterface: undefined }).args.join(" ")).not.toContain("if_include");
  });

  it("reads custom options as the toolkit: --NCCL_DEBUG taken out, the rest passed on", () => {
    expect(parseCustomMpiOptions("")).toEqual({ ncclDebug: "INFO", additional: [] });
    expect(parseCustomMpiOptions(" -x FOO=1  --NCCL_DEBUG=TRACE ")).toEqual({ ncclDebug: "TRACE", additional: ["-x", "FOO=1"] });
  });

  it("configures a worker's SSH daemon with the job's key only, and the done file for sessions", () => {
    const text = sshdConfig({ keyFile: "/w/ssh/keys/id_ed25519", finishedFile: "/w/ssh/algo-2/finished" });
    expect(text).toContain('HostKey "/w/ssh/keys/id_ed25519"\nAuthorizedKeysFile "/w/ssh/keys/id_ed25519.pub"');
    expect(text).toContain("PasswordAuthentication no");
    expect(text).toContain('SetEnv "OPTML_MPI_FINISHED=/w/ssh/algo-2/finished"');
  });
});
