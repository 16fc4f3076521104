/**
 * Distributed training exactly as SageMaker's framework containers launch it (as root: hosts in
 * network namespaces), with real PyTorch (CPU, gloo) and Open MPI in a test venv
 * (test-support/torch-venv.ts): torchrun on 2 hosts x 2 processes, mpirun over 2 hosts, the
 * smdistributed refusal and a launcher that cannot start. Nothing is left running after any.
 */
import { CreateTrainingJobCommand, DescribeTrainingJobCommand, StopTrainingJobCommand } from "@aws-sdk/client-sagemaker";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { torchPython } from "../../../test-support/torch-venv.js";
import { startHarness, type Harness } from "./harness.js";
import { DDP, MPI_ALLREDUCE, ranks } from "./distributed-programs.js";
import { scriptModeRequest } from "./requests.js";
import { tarNames } from "./tar-names.js";

const root = process.getuid?.() === 0;
let h: Harness;
let python: string;
beforeAll(async () => {
  if (!root) return;
  python = await torchPython();
  h = await startHarness({ capacity: 4 });
}, 30 * 60_000);
afterAll(async () => h?.close());

function logLines(name: string, host: string): string[] {
  return h.hostLog(name, host);
}

function job(name: string, program: string, hosts: number, hyperparameters: Record<string, string>, environment: Record<string, string> = {}) {
  const out = h.output();
  const req = scriptModeRequest({
    name,
    codeDir: h.code({ "train.py": program }),
    program: "train.py",
    outputDir: out,
    hyperparameters,
    environment: { OPTML_PYTHON: python, ...environment },
  });
  return { out, req: { ...req, ResourceConfig: { InstanceType: "ml.m5.large", InstanceCount: hosts, VolumeSizeInGB: 1 } } };
}

/** No process of the job is left (train, torchrun, mpirun, orted, sshd: all carry the host's base dir). */
function expectNothingRunning(name: string) {
  const workDir = h.server.controlPlane.view(name).record.workDir;
  const running = readdirSync("/proc").filter((p) => {
    try {
      return /^\d+$/.test(p) && readFileSync(`/proc/${p}/environ`, "utf8").includes(`OPTML_HOST_BASE_DIR=${workDir}/`);
    } catch {
      return false;
    }
  });
  expect(running).toEqual([]);
  const sshd = readdirSync("/proc").filter((p) => {
    try {
      return /^\d+$/.test(p) && readFileSync(`/proc/${p}/cmdline`, "utf8").includes(`${workDir}/ssh/`);
    } catch {
      return false;
    }
  });
  expect(sshd).toEqual([]);
}


describe.skipIf(!root)("distributed training launchers (root: network namespaces, PyTorch and Open MPI)", () => {
  it("torch_distributed: torchrun on 2 hosts x 2 processes trains one DDP model, equal on every rank", async () => {
    const { out, req } = job("dist-torchrun", DDP, 2, {
      sagemaker_torch_distributed_enabled: "true",
      sagemaker_instance_type: '"ml.m5.large"',
      sagemaker_mpi_num_of_processes_per_host: "2",
    });
    await h.sagemaker.send(new CreateTrainingJobCommand(req as never));
    const d = await h.waitForEnd("dist-torchrun", 300_000);
    expect(d.FailureReason).toBeUndefined();
    expect(d.TrainingJobStatus).toBe("Completed");
    const first = logLines("dist-torchrun", "algo-1");
    const second = logLines("dist-torchrun", "algo-2");
    // The toolkit's command, with the job's Python running torchrun.
    expect(first.join("\n")).toContain(
      `${python} -m torch.distributed.run --nnodes 2 --nproc_per_node 2 --master_addr algo-1 --master_port 7777 --node_rank 0 train.py`,
    );
    expect(second.join("\n")).toContain("--master_addr algo-1 --master_port 7777 --node_rank 1 train.py");
    const all = [...ranks(first), ...ranks(second)].sort((a, b) => a.rank - b.rank);
    expect(all.map((r) => [r.rank, r.world, r.host, r.local_rank])).toEqual([
      [0, 4, "algo-1", 0],
      [1, 4, "algo-1", 1],
      [2, 4, "algo-2", 0],
      [3, 4, "algo-2", 1],
    ]);
    for (const r of all) {
      expect(r.master).toBe("algo-1:7777");
      expect(r.w).toBe(all[0]!.w);
      expect(r.b).toBe(all[0]!.b);
      expect(r.loss).toBeLessThan(1e-3);
    }
    expect(all[0]!.w).toBeCloseTo(3, 2);
    expect(all[0]!.b).toBeCloseTo(2, 2);
    expect(tarNames(readFileSync(join(out, "dist-torchrun", "output", "model.tar.gz")))).toEqual(["model.pt"]);
    expectNothingRunning("dist-torchrun");
  }, 320_000);

  it("mpi: the master's mpirun runs 2 ranks on each of 2 hosts over SSH; the worker waits for them", async () => {
    const program = MPI_ALLREDUCE;
    const { req } = job("dist-mpi", program, 2, {
      sagemaker_mpi_enabled: "true",
      sagemaker_mpi_num_of_processes_per_host: "2",
      sagemaker_mpi_custom_mpi_options: '""',
    });
    await h.sagemaker.send(new CreateTrainingJobCommand(req as never));
    const d = await h.waitForEnd("dist-mpi", 180_000);
    expect(d.FailureReason).toBeUndefined();
    expect(d.TrainingJobStatus).toBe("Completed");
    const first = logLines("dist-mpi", "algo-1");
    expect(first.join("\n")).toMatch(/mpirun --host algo-1:2,algo-2:2 -np 4 --allow-run-as-root --display-map --tag-output/);
    // --tag-output: "[1,<rank>]<stdout>:" before each rank's line; all ranks' output is the master's.
    const rankLines = first.filter((l) => l.includes("MPI rank")).map((l) => l.replace(/^\[1,\d+\]<stdout>:/, "")).sort();
    expect(rankLines).toEqual([
      "MPI rank 0 of 4 on algo-1 sum 10 master env algo-1",
      "MPI rank 1 of 4 on algo-1 sum 10 master env algo-1",
      "MPI rank 2 of 4 on algo-2 sum 10 master env algo-1",
      "MPI rank 3 of 4 on algo-2 sum 10 master env algo-1",
    ]);
    const worker = logLines("dist-mpi", "algo-2").join("\n");
    expect(worker).toContain("MPI worker: serving SSH for algo-1 until its mpirun ends");
    expect(worker).not.toMatch(/kex_exchange|error/i); // the master's probe of the SSH daemon leaves no complaint
    expectNothingRunning("dist-mpi");
  }, 200_000);

  it("a stopped MPI job ends Stopped and leaves no rank, orted or sshd on any host", async () => {
    const program = `
import sys, time
from mpi4py import MPI
sys.stdout.write(f"rank {MPI.COMM_WORLD.Get_rank()} training\\n"); sys.stdout.flush()
time.sleep(300)
`;
    const { req } = job("dist-mpi-stop", program, 2, { sagemaker_mpi_enabled: "true", sagemaker_mpi_num_of_processes_per_host: "2" });
    await h.sagemaker.send(new CreateTrainingJobCommand(req as never));
    const deadline = Date.now() + 120_000;
    while (logLines("dist-mpi-stop", "algo-1").filter((l) => /rank \d training/.test(l)).length < 4) {
      if (Date.now() > deadline) {
        const d = await h.sagemaker.send(new DescribeTrainingJobCommand({ TrainingJobName: "dist-mpi-stop" }));
        throw new Error(`the ranks did not start: ${d.TrainingJobStatus} ${d.FailureReason ?? ""}\n${logLines("dist-mpi-stop", "algo-1").join("\n")}`);
      }
      await new Promise((r) => setTimeout(r, 200));
    }
    await h.sagemaker.send(new StopTrainingJobCommand({ TrainingJobName: "dist-mpi-stop" }));
    const d = await h.waitForEnd("dist-mpi-stop", 60_000);
    expect(d.TrainingJobStatus).toBe("Stopped");
    expectNothingRunning("dist-mpi-stop");
  }, 200_000);

  it("pytorchddp on a single host: mpirun with the host's 2 ranks, no SSH", async () => {
    const program = `
import os, sys
from mpi4py import MPI
comm = MPI.COMM_WORLD
sys.stdout.write(f"DDP rank {comm.Get_rank()} of {comm.Get_size()} {os.environ['SMDATAPARALLEL_USE_SINGLENODE']}\\n")
`;
    const { req } = job("dist-pytorchddp-1", program, 1, { sagemaker_pytorch_ddp_enabled: "true", sagemaker_mpi_num_of_processes_per_host: "2" });
    await h.sagemaker.send(new CreateTrainingJobCommand(req as never));
    const d = await h.waitForEnd("dist-pytorchddp-1", 120_000);
    expect(d.FailureReason).toBeUndefined();
    const lines = logLines("dist-pytorchddp-1", "algo-1");
    expect(lines.join("\n")).toMatch(/mpirun --host algo-1 -np 2 --allow-run-as-root --tag-output --oversubscribe/);
    expect(lines.filter((l) => l.includes("DDP rank")).map((l) => l.replace(/^\[1,\d+\]<stdout>:/, "")).sort()).toEqual(["DDP rank 0 of 2 1", "DDP rank 1 of 2 1"]);
    expectNothingRunning("dist-pytorchddp-1");
  }, 150_000);

  it("a launcher that cannot start fails the job, naming what is missing, before any user code runs", async () => {
    const program = `print("USER CODE RAN", flush=True)\n`;
    const { req } = job("dist-no-torch", program, 2, { sagemaker_torch_distributed_enabled: "true" }, { OPTML_PYTHON: "/usr/bin/python3" });
    await h.sagemaker.send(new CreateTrainingJobCommand(req as never));
    const d = await h.waitForEnd("dist-no-torch", 120_000);
    expect(d.TrainingJobStatus).toBe("Failed");
    expect(d.FailureReason).toMatch(/^AlgorithmError: Framework Error: /);
    expect(d.FailureReason).toContain("the torch_distributed launcher cannot start: the job's Python (/usr/bin/python3) has no module torch");
    expect([...logLines("dist-no-torch", "algo-1"), ...logLines("dist-no-torch", "algo-2")].join("\n")).not.toContain("USER CODE RAN");
    expectNothingRunning("dist-no-torch");
  }, 150_000);

  it("an MPI job without mpirun fails, naming it, before any user code runs", async () => {
    const program = `print("USER CODE RAN", flush=True)\n`;
    const { req } = job("dist-no-mpirun", program, 2, { sagemaker_mpi_enabled: "true" }, { PATH: "/nonexistent" });
    await h.sagemaker.send(new CreateTrainingJobCommand(req as never));
    const d = await h.waitForEnd("dist-no-mpirun", 120_000);
    expect(d.TrainingJobStatus).toBe("Failed");
    expect(d.FailureReason).toContain("the mpi launcher cannot start: mpirun is not installed (not found on PATH); install Open MPI (apt-get install openmpi-bin)");
    expect([...logLines("dist-no-mpirun", "algo-1"), ...logLines("dist-no-mpirun", "algo-2")].join("\n")).not.toContain("USER CODE RAN");
    expectNothingRunning("dist-no-mpirun");
  }, 150_000);

  it("torch_distributed on a single host: torchrun with 2 processes, no rendezvous flags", async () => {
    const { req } = job("dist-torchrun-1", DDP, 1, { sagemaker_torch_distributed_enabled: "true", sagemaker_mpi_num_of_processes_per_host: "2" });
    await h.sagemaker.send(new CreateTrainingJobCommand(req as never));
    const d = await h.waitForEnd("dist-torchrun-1", 300_000);
    expect(d.FailureReason).toBeUndefined();
    const lines = logLines("dist-torchrun-1", "algo-1");
    expect(lines.join("\n")).toContain(`${python} -m torch.distributed.run --nnodes 1 --nproc_per_node 2 train.py`);
    expect(ranks(lines).map((r) => [r.rank, r.world, r.host]).sort()).toEqual([
      [0, 2, "algo-1"],
      [1, 2, "algo-1"],
    ]);
  }, 320_000);
});
