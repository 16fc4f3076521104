/**
 * The Slurm executor against a real Slurm cluster (test-support/slurm-cluster.ts: slurmctld and
 * three slurmd, each node in its own network, UTS and mount namespace): a job is one allocation,
 * train runs on every node, the hosts name each other algo-N, data comes from S3 (moto) in File
 * and Pipe mode, a job waits in the queue as Starting with Slurm's reason, stop and
 * MaxRuntimeInSeconds end it as Stopped with its artifacts, and a node that dies fails it with
 * Slurm's NODE_FAIL. Afterwards nothing is left in the queue or on the nodes.
 */
import { DescribeTrainingJobCommand, CreateTrainingJobCommand, StopTrainingJobCommand } from "@aws-sdk/client-sagemaker";
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSlurmCluster, type SlurmCluster } from "../../../test-support/slurm-cluster.js";
import { startS3Server, type S3Server } from "../../../test-support/s3-server.js";
import { SlurmClient } from "../src/executors/slurm/client.js";
import { startHarness, type Harness } from "./harness.js";
import { scriptModeRequest } from "./requests.js";
import { logLines, printed, s3Channel } from "./s3-jobs.js";
import { tarNames } from "./tar-names.js";

let cluster: SlurmCluster;
let s3: S3Server;
let h: Harness;

beforeAll(async () => {
  cluster = await startSlurmCluster({ nodes: 3 });
  s3 = await startS3Server(["slurm-data"]);
  h = await startHarness({
    executorMode: "slurm",
    stopGraceSeconds: 5,
    data: { awsEnv: s3.awsEnv },
    slurm: { env: { ...process.env, ...cluster.env } },
  });
}, 120_000);

afterAll(async () => {
  await h?.close();
  s3?.stop();
  await cluster?.stop();
}, 120_000);

async function until<T>(what: string, fn: () => Promise<T> | T, ok: (v: T) => boolean, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (ok(v)) return v;
    if (Date.now() > deadline) throw new Error(`${what}: timed out; last value ${JSON.stringify(v)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Nothing of the job is left: not in Slurm's queue, not on the nodes. */
async function nothingLeft(): Promise<void> {
  await until("the queue empties", () => cluster.queued(), (q) => q.length === 0, 30_000);
  await until("the nodes run nothing of the job", () => cluster.leftoverProcesses(), (p) => p.length === 0, 30_000);
}

/** The lines of every host's log stream, by host. */
async function hostLogs(job: string, hosts: number): Promise<Record<string, string[]>> {
  const byHost: Record<string, string[]> = {};
  for (let k = 1; k <= hosts; k++) byHost[`algo-${k}`] = await logLines(h, job, `algo-${k}`);
  return byHost;
}

function describeJob(name: string) {
  return h.sagemaker.send(new DescribeTrainingJobCommand({ TrainingJobName: name }));
}

const WHO = `
import json, os, socket
print("who " + json.dumps({"hostname": socket.gethostname(), "current": os.environ["SM_CURRENT_HOST"], "hosts": json.loads(os.environ["SM_HOSTS"]),
  "model_dir": os.environ["SM_MODEL_DIR"], "slurm": sorted(k for k in os.environ if k.startswith("SLURM_"))}), flush=True)
`;

describe("the Slurm executor", () => {
  it("runs a one-node job as one Slurm allocation, with /opt/ml and algo-1 on the node", async () => {
    const code = h.code({ "train.py": `${WHO}\nopen("/opt/ml/model/model.txt", "w").write("made on " + socket.gethostname())\n` });
    const out = h.output();
    await h.sagemaker.send(new CreateTrainingJobCommand(scriptModeRequest({ name: "slurm-one", codeDir: code, program: "train.py", outputDir: out }) as never));
    const d = await h.waitForEnd("slurm-one", 90_000);
    expect(d.FailureReason).toBeUndefined();
    expect(d.TrainingJobStatus).toBe("Completed");
    const lines = await logLines(h, "slurm-one");
    const who = printed<{ hostname: string; current: string; hosts: string[]; model_dir: string; slurm: string[] }>(lines, "who");
    expect(who).toEqual({ hostname: "algo-1", current: "algo-1", hosts: ["algo-1"], model_dir: "/opt/ml/model", slurm: [] });
    const placed = lines.find((l) => l.startsWith("[optml] Slurm job "))!;
    expect(placed).toMatch(/^\[optml\] Slurm job (\d+): algo-1 on n\d \(10\.[\d.]+\); hosts resolve each other as algo-N/);
    const slurmJob = /Slurm job (\d+)/.exec(placed)![1];
    expect((await h.describedOnTheWire("slurm-one")).OptmlExecutor).toEqual({ Name: "slurm", Description: `Slurm job ${slurmJob}, one node per host` });
    expect(d.SecondaryStatusTransitions!.map((t) => t.Status)).toEqual(["Starting", "Downloading", "Training", "Uploading", "Completed"]);
    expect(tarNames(readFileSync(join(out, "slurm-one/output/model.tar.gz")))).toEqual(["model.txt"]);
    await nothingLeft();
  }, 120_000);

  it("runs three nodes that meet over TCP by their algo-N names, with every node's log live", async () => {
    const code = h.code({
      "train.py": `${WHO}
import sys, time
if os.environ["SM_CURRENT_HOST"] == "algo-1":
    server = socket.create_server(("0.0.0.0", 29511))
    print("listening", flush=True)
    seen = []
    while len(seen) < 2:
        conn, _ = server.accept()
        seen.append(conn.recv(100).decode())
        conn.close()
    print("met " + json.dumps(sorted(seen)), flush=True)
else:
    for attempt in range(200):
        try:
            with socket.create_connection(("algo-1", 29511), timeout=2) as s:
                s.sendall(socket.gethostname().encode())
            break
        except OSError:
            time.sleep(0.1)
    print("sent", flush=True)
`,
    });
    const request = scriptModeRequest({ name: "slurm-three", codeDir: code, program: "train.py", outputDir: h.output() });
    request.ResourceConfig.InstanceCount = 3;
    await h.sagemaker.send(new CreateTrainingJobCommand(request as never));
    const d = await h.waitForEnd("slurm-three", 90_000);
    expect(d.FailureReason).toBeUndefined();
    expect(d.TrainingJobStatus).toBe("Completed");
    const logs = await hostLogs("slurm-three", 3);
    for (const k of [1, 2, 3]) {
      const who = printed<{ hostname: string; current: string; hosts: string[] }>(logs[`algo-${k}`]!, "who");
      expect(who.hostname).toBe(`algo-${k}`);
      expect(who.current).toBe(`algo-${k}`);
      expect(who.hosts).toEqual(["algo-1", "algo-2", "algo-3"]);
    }
    expect(printed(logs["algo-1"]!, "met")).toEqual(["algo-2", "algo-3"]);
    // Three different nodes.
    const nodes = logs["algo-1"]!.find((l) => l.startsWith("[optml] Slurm job "))!.match(/on (n\d)/g);
    expect(new Set(nodes).size).toBe(3);
    await nothingLeft();
  }, 120_000);

  it("stages S3 channels for each node (sharded File mode; Pipe mode fed on the node, two passes), restores and uploads checkpoints, uploads the artifacts to S3", async () => {
    await s3.put("slurm-data", {
      "shards/a.txt": "A",
      "shards/b.txt": "B",
      "stream/part-1": "hello ",
      "stream/part-2": "pipe",
      "ckpt/step-1": "restored",
    });
    const code = h.code({
      "train.py": `${WHO}
host = os.environ["SM_CURRENT_HOST"]
shard = sorted(os.listdir("/opt/ml/input/data/shards"))
streamed = [open(f"/opt/ml/input/data/stream_{epoch}", "rb").read().decode() for epoch in range(2)]
restored = open("/opt/ml/checkpoints/step-1").read()
open(f"/opt/ml/checkpoints/{host}-step-2", "w").write("new")
print("data " + json.dumps({"shard": shard, "stream": streamed, "restored": restored}), flush=True)
open(f"/opt/ml/model/{host}.txt", "w").write(",".join(shard))
`,
    });
    const request = scriptModeRequest({ name: "slurm-s3", codeDir: code, program: "train.py", outputDir: h.output() });
    request.ResourceConfig.InstanceCount = 2;
    request.InputDataConfig = [
      s3Channel("shards", "s3://slurm-data/shards/", { distribution: "ShardedByS3Key" }),
      s3Channel("stream", "s3://slurm-data/stream/", { InputMode: "Pipe" }),
    ];
    request.OutputDataConfig = { S3OutputPath: "s3://slurm-data/out" };
    request.CheckpointConfig = { S3Uri: "s3://slurm-data/ckpt" };
    await h.sagemaker.send(new CreateTrainingJobCommand(request as never));
    const d = await h.waitForEnd("slurm-s3", 90_000);
    expect(d.FailureReason).toBeUndefined();
    expect(d.TrainingJobStatus).toBe("Completed");
    const logs = await hostLogs("slurm-s3", 2);
    expect(printed(logs["algo-1"]!, "data")).toEqual({ shard: ["a.txt"], stream: ["hello pipe", "hello pipe"], restored: "restored" });
    expect(printed(logs["algo-2"]!, "data")).toEqual({ shard: ["b.txt"], stream: ["hello pipe", "hello pipe"], restored: "restored" });
    expect(await s3.keys("slurm-data", "ckpt/")).toEqual(["ckpt/algo-1-step-2", "ckpt/algo-2-step-2", "ckpt/step-1"]);
    expect(await s3.keys("slurm-data", "out/slurm-s3/output/")).toEqual(["out/slurm-s3/output/model.tar.gz", "out/slurm-s3/output/output.tar.gz"]);
    await nothingLeft();
  }, 120_000);

  it("keeps a job Starting while it waits in the Slurm queue, quoting Slurm's reason; a stop there ends it before it runs", async () => {
    // Every node busy with someone else's job.
    const blocker = execFileSync("sbatch", ["--parsable", "-N3", "--exclusive", "--wrap", "sleep 120"], { env: { ...process.env, ...cluster.env }, encoding: "utf8" }).trim();
    try {
      await until("the blocker runs", () => cluster.queued(), (q) => q.includes(blocker));
      const code = h.code({ "train.py": "print('ran')\n" });
      await h.sagemaker.send(new CreateTrainingJobCommand(scriptModeRequest({ name: "slurm-queued", codeDir: code, program: "train.py", outputDir: h.output() }) as never));
      const waiting = await until(
        "the job says why it waits",
        () => describeJob("slurm-queued"),
        (d) => d.SecondaryStatusTransitions?.at(-1)?.StatusMessage?.startsWith("Waiting in the Slurm queue") ?? false,
      );
      expect(waiting.TrainingJobStatus).toBe("InProgress");
      expect(waiting.SecondaryStatus).toBe("Starting");
      expect(waiting.SecondaryStatusTransitions!.at(-1)!.StatusMessage).toMatch(/^Waiting in the Slurm queue \((Resources|Priority)\)$/);
      await h.sagemaker.send(new StopTrainingJobCommand({ TrainingJobName: "slurm-queued" }));
      const d = await h.waitForEnd("slurm-queued", 30_000);
      expect(d.TrainingJobStatus).toBe("Stopped");
      expect(d.SecondaryStatusTransitions!.map((t) => t.Status)).not.toContain("Training");
    } finally {
      execFileSync("scancel", [blocker], { env: { ...process.env, ...cluster.env } });
    }
    await nothingLeft();
  }, 120_000);

  it("stops a running job: SIGTERM to every node's program, the grace, its artifacts uploaded, Stopped", async () => {
    const code = h.code({
      "train.py": `${WHO}
import signal, sys, time
def stop(*_):
    open(f"/opt/ml/model/{os.environ['SM_CURRENT_HOST']}-stopped.txt", "w").write("saved on SIGTERM")
    print("got SIGTERM", flush=True)
    sys.exit(0)
signal.signal(signal.SIGTERM, stop)
print("started", flush=True)
while True:
    time.sleep(0.1)
`,
    });
    const out = h.output();
    const request = scriptModeRequest({ name: "slurm-stop", codeDir: code, program: "train.py", outputDir: out });
    request.ResourceConfig.InstanceCount = 2;
    await h.sagemaker.send(new CreateTrainingJobCommand(request as never));
    await until("both hosts started", () => hostLogs("slurm-stop", 2).catch(() => ({}) as Record<string, string[]>), (l) => Object.values(l).filter((lines) => lines.includes("started")).length === 2, 90_000);
    await h.sagemaker.send(new StopTrainingJobCommand({ TrainingJobName: "slurm-stop" }));
    const d = await h.waitForEnd("slurm-stop", 60_000);
    expect(d.TrainingJobStatus).toBe("Stopped");
    const logs = await hostLogs("slurm-stop", 2);
    expect(logs["algo-1"]).toContain("got SIGTERM");
    expect(logs["algo-2"]).toContain("got SIGTERM");
    expect(tarNames(readFileSync(join(out, "slurm-stop/output/model.tar.gz")))).toEqual(["algo-1-stopped.txt", "algo-2-stopped.txt"]);
    await nothingLeft();
  }, 150_000);

  it("stops a job at MaxRuntimeInSeconds (SecondaryStatus MaxRuntimeExceeded), even a program that ignores SIGTERM", async () => {
    const code = h.code({ "train.py": "import signal, time\nsignal.signal(signal.SIGTERM, signal.SIG_IGN)\nprint('running', flush=True)\nwhile True:\n    time.sleep(0.1)\n" });
    await h.sagemaker.send(new CreateTrainingJobCommand(scriptModeRequest({ name: "slurm-runtime", codeDir: code, program: "train.py", outputDir: h.output(), maxRuntimeSeconds: 4 }) as never));
    const d = await h.waitForEnd("slurm-runtime", 90_000);
    expect(d.TrainingJobStatus).toBe("Stopped");
    expect(d.SecondaryStatus).toBe("MaxRuntimeExceeded");
    await nothingLeft();
  }, 120_000);

  it("takes Slurm settings from the job's optml:slurm-* tags: a partition Slurm refuses fails the job quoting sbatch, a misspelt setting is refused at creation", async () => {
    const code = h.code({ "train.py": "print('ran')\n" });
    const request = scriptModeRequest({ name: "slurm-bad-partition", codeDir: code, program: "train.py", outputDir: h.output() });
    request.Tags = [{ Key: "optml:slurm-partition", Value: "nosuchpartition" }];
    await h.sagemaker.send(new CreateTrainingJobCommand(request as never));
    const d = await h.waitForEnd("slurm-bad-partition", 30_000);
    expect(d.TrainingJobStatus).toBe("Failed");
    expect(d.FailureReason).toMatch(/^ClientError: Slurm did not take the job: sbatch .*--partition=nosuchpartition.* failed: .*invalid partition/i);

    const misspelt = scriptModeRequest({ name: "slurm-misspelt", codeDir: code, program: "train.py", outputDir: h.output() });
    misspelt.Tags = [{ Key: "optml:slurm-partiton", Value: cluster.partition }];
    await expect(h.sagemaker.send(new CreateTrainingJobCommand(misspelt as never))).rejects.toThrow(
      /tag optml:slurm-partiton is not a Slurm setting: use one of optml:slurm-partition, optml:slurm-account, optml:slurm-qos, optml:slurm-sbatch-options/,
    );
    await nothingLeft();
  }, 60_000);

  // Last: the cluster has one node fewer afterwards.
  it("fails a job whose node dies (slurmd and all on it killed) with Slurm's NODE_FAIL, and still uploads what the job saved", async () => {
    const code = h.code({
      "train.py": `${WHO}
import time
open(f"/opt/ml/model/{os.environ['SM_CURRENT_HOST']}.txt", "w").write("partial")
print("started", flush=True)
while True:
    time.sleep(0.1)
`,
    });
    const out = h.output();
    const request = scriptModeRequest({ name: "slurm-node-fail", codeDir: code, program: "train.py", outputDir: out });
    request.ResourceConfig.InstanceCount = 2;
    await h.sagemaker.send(new CreateTrainingJobCommand(request as never));
    const logs = await until("both hosts started", () => hostLogs("slurm-node-fail", 2).catch(() => ({}) as Record<string, string[]>), (l) => Object.values(l).filter((lines) => lines.includes("started")).length === 2, 90_000);
    const placed = logs["algo-1"]!.find((l) => l.startsWith("[optml] Slurm job "))!;
    const node = /algo-2 on (n\d)/.exec(placed)![1]!;
    await cluster.killNode(node);
    const d = await h.waitForEnd("slurm-node-fail", 90_000);
    expect(d.TrainingJobStatus).toBe("Failed");
    // Slurm ends the job NODE_FAIL, or FAILED when srun on the other node gave up on the dead one
    // first (a race inside Slurm, seen under load): either way the reason names the node failure.
    expect(d.FailureReason).toMatch(new RegExp(`^InternalServerError: a node of Slurm job \\d+ failed \\((Slurm state NODE_FAIL|Slurm holds ${node} as down)`));
    expect(tarNames(readFileSync(join(out, "slurm-node-fail/output/model.tar.gz")))).toContain("algo-1.txt");
    // What names the failure when srun ends the job (FAILED) before slurmctld does (NODE_FAIL).
    expect(await new SlurmClient({ ...process.env, ...cluster.env }).downNodes(cluster.nodes.map((n) => n.name))).toEqual([node]);
    await nothingLeft();
  }, 150_000);
});
