/**
 * SageMaker's distributed launchers across Slurm nodes, with real PyTorch (CPU, gloo) and Open MPI
 * from the test venv (test-support/torch-venv.ts), on a real 2-node Slurm cluster: torchrun on 2
 * nodes x 2 processes meets at algo-1 and trains one DDP model; mpirun on algo-1 runs 2 ranks on
 * each node over SSH. And where the nodes give no private namespaces, the hosts go by their
 * nodes' own hostnames in SM_HOSTS and SM_CURRENT_HOST, and still meet.
 */
import { CreateTrainingJobCommand } from "@aws-sdk/client-sagemaker";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSlurmCluster, type SlurmCluster } from "../../../test-support/slurm-cluster.js";
import { torchPython } from "../../../test-support/torch-venv.js";
import { DDP, MPI_ALLREDUCE, ranks } from "./distributed-programs.js";
import { startHarness, type Harness } from "./harness.js";
import { scriptModeRequest } from "./requests.js";
import { tarNames } from "./tar-names.js";

let cluster: SlurmCluster;
let h: Harness;
let python: string;

beforeAll(async () => {
  python = await torchPython();
  cluster = await startSlurmCluster({ nodes: 2, cpus: 2 });
  h = await startHarness({ executorMode: "slurm", slurm: { env: { ...process.env, ...cluster.env } } });
}, 30 * 60_000);

afterAll(async () => {
  await h?.close();
  await cluster?.stop();
}, 60_000);

function logLines(name: string, host: string): string[] {
  return h.hostLog(name, host);
}

function job(name: string, program: string, hyperparameters: Record<string, string>) {
  const out = h.output();
  const req = scriptModeRequest({ name, codeDir: h.code({ "train.py": program }), program: "train.py", outputDir: out, hyperparameters, environment: { OPTML_PYTHON: python } });
  return { out, req: { ...req, ResourceConfig: { InstanceType: "ml.m5.large", InstanceCount: 2, VolumeSizeInGB: 1 } } };
}

/** Each host's last log lines, to say why a job that should have completed did not. */
function hostLogs(name: string): string {
  return ["algo-1", "algo-2"].map((host) => `--- ${host}:\n${logLines(name, host).slice(-60).join("\n")}`).join("\n");
}

async function nothingLeft(): Promise<void> {
  const deadline = Date.now() + 30_000;
  while ((await cluster.queued()).length > 0 || cluster.leftoverProcesses().length > 0) {
    if (Date.now() > deadline) throw new Error(`left behind: queue ${JSON.stringify(await cluster.queued())}, processes ${cluster.leftoverProcesses().join(" ")}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe("distributed training on Slurm nodes", () => {
  it("torch_distributed: torchrun on 2 nodes x 2 processes trains one DDP model, equal on every rank", async () => {
    const { out, req } = job("slurm-torchrun", DDP, {
      sagemaker_torch_distributed_enabled: "true",
      sagemaker_instance_type: '"ml.m5.large"',
      sagemaker_mpi_num_of_processes_per_host: "2",
    });
    await h.sagemaker.send(new CreateTrainingJobCommand(req as never));
    const d = await h.waitForEnd("slurm-torchrun", 300_000);
    expect(d.FailureReason, hostLogs("slurm-torchrun")).toBeUndefined();
    expect(d.TrainingJobStatus).toBe("Completed");
    const first = logLines("slurm-torchrun", "algo-1");
    const second = logLines("slurm-torchrun", "algo-2");
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
      expect(r.loss).toBeLessThan(1e-3);
    }
    expect(all[0]!.w).toBeCloseTo(3, 2);
    expect(tarNames(readFileSync(join(out, "slurm-torchrun", "output", "model.tar.gz")))).toEqual(["model.pt"]);
    await nothingLeft();
  }, 320_000);

  it("mpi: mpirun on algo-1 runs 2 ranks on each node over SSH", async () => {
    const { req } = job("slurm-mpi", MPI_ALLREDUCE, { sagemaker_mpi_enabled: "true", sagemaker_mpi_num_of_processes_per_host: "2", sagemaker_mpi_custom_mpi_options: '""' });
    await h.sagemaker.send(new CreateTrainingJobCommand(req as never));
    const d = await h.waitForEnd("slurm-mpi", 180_000);
    expect(d.FailureReason, hostLogs("slurm-mpi")).toBeUndefined();
    expect(d.TrainingJobStatus).toBe("Completed");
    const rankLines = logLines("slurm-mpi", "algo-1")
      .filter((l) => l.includes("MPI rank"))
      .map((l) => l.replace(/^\[1,\d+\]<stdout>:/, ""))
      .sort();
    expect(rankLines).toEqual([
      "MPI rank 0 of 4 on algo-1 sum 10 master env algo-1",
      "MPI rank 1 of 4 on algo-1 sum 10 master env algo-1",
      "MPI rank 2 of 4 on algo-2 sum 10 master env algo-1",
      "MPI rank 3 of 4 on algo-2 sum 10 master env algo-1",
    ]);
    expect(logLines("slurm-mpi", "algo-2").join("\n")).toContain("MPI worker: serving SSH for algo-1 until its mpirun ends");
    await nothingLeft();
  }, 200_000);

  it("without private namespaces on the nodes, the hosts go by the nodes' hostnames, say so, and meet by them", async () => {
    const byNodes = await startHarness({ executorMode: "slurm", slurm: { env: { ...process.env, ...cluster.env }, hostNames: "node" } });
    try {
      const program = `
import json, os, socket, time
hosts = json.loads(os.environ["SM_HOSTS"])
me = os.environ["SM_CURRENT_HOST"]
print("names " + json.dumps({"hostname": socket.gethostname(), "current": me, "hosts": hosts}), flush=True)
if me == hosts[0]:
    conn, _ = socket.create_server(("0.0.0.0", 29512)).accept()
    print("met " + conn.recv(100).decode(), flush=True)
else:
    for _ in range(200):
        try:
            with socket.create_connection((hosts[0], 29512), timeout=2) as s:
                s.sendall(me.encode())
            break
        except OSError:
            time.sleep(0.1)
`;
      const req = scriptModeRequest({ name: "slurm-node-names", codeDir: byNodes.code({ "train.py": program }), program: "train.py", outputDir: byNodes.output() });
      req.ResourceConfig.InstanceCount = 2;
      await byNodes.sagemaker.send(new CreateTrainingJobCommand(req as never));
      const d = await byNodes.waitForEnd("slurm-node-names", 90_000);
      expect(d.FailureReason).toBeUndefined();
      expect(d.TrainingJobStatus).toBe("Completed");
      const lines = (host: string) => byNodes.hostLog("slurm-node-names", host);
      const first = lines("algo-1");
      expect(first.find((l) => l.startsWith("[optml] Slurm job "))).toMatch(/algo-1 on (n\d) .*algo-2 on (n\d) .*hosts are named by their nodes' own hostnames/);
      const [, n1, n2] = /algo-1 on (n\d) .*algo-2 on (n\d)/.exec(first.find((l) => l.startsWith("[optml] Slurm job "))!)!;
      const names = (l: string[]) => JSON.parse(l.find((x) => x.startsWith("names "))!.slice(6)) as { hostname: string; current: string; hosts: string[] };
      expect(names(first)).toEqual({ hostname: n1, current: n1, hosts: [n1, n2] });
      expect(names(lines("algo-2"))).toEqual({ hostname: n2, current: n2, hosts: [n1, n2] });
      expect(first).toContain(`met ${n2}`);
    } finally {
      await byNodes.close();
    }
    await nothingLeft();
  }, 150_000);
});
