/**
 * Creation-to-training latency of a container job against a process job of the same script
 * (issue 8), in one run: the time from CreateTrainingJob to the first line the program prints (read
 * from the log store), for the same `train.mjs` run by @optml/runner in a Node image under Docker
 * and as a process on this machine. The image is built locally as the tests build it (no registry
 * is reachable); Docker is started with scripts/start-dockerd.sh when it is not running, and
 * stopped again afterwards. Needs root.
 *
 * Run: npm run build && node --import tsx bench/container.mts [runs]
 */
import { CreateTrainingJobCommand, DescribeTrainingJobCommand, SageMakerClient } from "@aws-sdk/client-sagemaker";
import { execFileSync, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DockerEngine } from "../packages/server/src/executors/docker/engine.js";
import { startServer } from "../packages/server/src/server.js";
import { buildNodeImage, dockerUnavailableReason, NODE_IMAGE, NODE_IMAGE_PROGRAM, removeTestImages } from "../packages/server/test/docker-images.js";

const runs = Number(process.argv[2] ?? 5);
const repo = new URL("..", import.meta.url).pathname;
const dockerWasRunning = spawnSync("sh", [join(repo, "scripts/start-dockerd.sh"), "--check"]).status === 0;
const unavailable = dockerUnavailableReason();
if (unavailable) {
  console.log(`no container benchmark: ${unavailable}`);
  process.exit(0);
}
const engine = new DockerEngine();
const root = mkdtempSync(join(tmpdir(), "optml-bench-container-"));
const code = join(root, "code");
mkdirSync(code);
writeFileSync(join(code, "train.mjs"), NODE_IMAGE_PROGRAM);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const server = await startServer({ port: 0, home: join(root, "home"), log: () => undefined });
const sm = new SageMakerClient({ endpoint: server.endpoint, region: "us-east-1", credentials: { accessKeyId: "a", secretAccessKey: "b" }, maxAttempts: 1 });

/** Milliseconds from CreateTrainingJob to the program's first line. */
async function latency(name: string, executor: "docker" | "process"): Promise<number> {
  const t0 = Date.now();
  await sm.send(
    new CreateTrainingJobCommand({
      TrainingJobName: name,
      HyperParameters: {
        epochs: "1",
        sagemaker_program: '"train.mjs"',
        sagemaker_submit_directory: JSON.stringify(executor === "docker" ? "/opt/program" : code),
      },
      AlgorithmSpecification: { TrainingImage: NODE_IMAGE, TrainingInputMode: "File" },
      RoleArn: "arn:aws:iam::123456789012:role/Bench",
      OutputDataConfig: { S3OutputPath: `file://${join(root, "out")}` },
      ResourceConfig: { InstanceType: "ml.m5.large", InstanceCount: 1, VolumeSizeInGB: 1 },
      StoppingCondition: { MaxRuntimeInSeconds: 600 },
      Tags: [{ Key: "optml:executor", Value: executor }],
    }),
  );
  for (;;) {
    const d = await sm.send(new DescribeTrainingJobCommand({ TrainingJobName: name }));
    if (d.TrainingJobStatus === "Failed") throw new Error(`${name} failed: ${d.FailureReason}`);
    if (d.TrainingJobStatus !== "InProgress") break;
    await new Promise((r) => setTimeout(r, 20));
  }
  const store = server.controlPlane.store;
  const [stream] = store.logs.streamsOfJob(name);
  const first = stream && store.logs.events(stream.id, { fromSeq: 0, toSeq: 1e9, limit: 1000 }).find((e) => e.message.startsWith("node "));
  if (!first) throw new Error(`${name}: the program printed nothing`);
  return first.timestamp - t0;
}

try {
  process.stdout.write(`building ${NODE_IMAGE} ... `);
  await buildNodeImage(engine);
  console.log("done");
  await latency("warm-up-docker", "docker");
  await latency("warm-up-process", "process");
  const container: number[] = [];
  const proc: number[] = [];
  for (let i = 0; i < runs; i++) {
    container.push(await latency(`container-${i}`, "docker"));
    proc.push(await latency(`process-${i}`, "process"));
  }
  const c = median(container);
  const p = median(proc);
  console.log(`creation -> first line: container job ${c} ms, process job ${p} ms (ratio ${(c / p).toFixed(2)}, +${c - p} ms), median of ${runs}`);
  console.log(`docker ${execFileSync("docker", ["version", "--format", "{{.Server.Version}}"], { encoding: "utf8" }).trim()}, node ${process.version}`);
} finally {
  sm.destroy();
  await server.close();
  await removeTestImages(engine, [NODE_IMAGE]);
  rmSync(root, { recursive: true, force: true });
  if (!dockerWasRunning) spawnSync("pkill", ["-x", "dockerd"]);
}
