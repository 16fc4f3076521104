/**
 * Creation-to-first-line latency of a container job against the same job as local processes, in
 * one run (issue 22): the time from CreateTrainingJob to the first line the script prints (read
 * from the log store), for a script-mode job whose code is a local directory (file://, as
 * `optml train` sends it), run in a training image with SageMaker's own training toolkit (the
 * toolkit's `train`; optml mounts the code at /opt/ml/code) and as processes through @optml/runner
 * with this machine's python3.
 *
 * The toolkit image is built by hand (scripts/build-toolkit-image.sh; its sources are not in this
 * machine's package index): without it the benchmark says so and measures a Node image built from
 * the repo whose `train` is @optml/runner, with a train.mjs, instead. Docker is started with
 * scripts/start-dockerd.sh when it is not running, and stopped again afterwards. Needs root.
 * With the toolkit image, OPTML_SAGEMAKER_PYTHON (a Python with the SageMaker SDK v2, see
 * python/README.md) and docker-compose, the same job through SageMaker SDK local mode's compose
 * start is measured too (bench/sdk-local-mode.py: fit() to the first line, local code).
 *
 * Run: npm run build && node --import tsx bench/container.mts [runs]
 *      (OPTML_BENCH_TOOLKIT_IMAGE=<tag> for a toolkit image of another tag)
 */
import { CreateTrainingJobCommand, DescribeTrainingJobCommand, SageMakerClient } from "@aws-sdk/client-sagemaker";
import { execFileSync, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DockerEngine } from "../packages/server/src/executors/docker/engine.js";
import { DockerExecutor } from "../packages/server/src/executors/docker/index.js";
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
const TOOLKIT_IMAGE = process.env.OPTML_BENCH_TOOLKIT_IMAGE ?? "optml-test/sagemaker-toolkit:local";
const toolkit = await new DockerExecutor({ home: root, gpus: false }).hasImage(TOOLKIT_IMAGE);
const image = toolkit ? TOOLKIT_IMAGE : NODE_IMAGE;
const program = toolkit ? "train.py" : "train.mjs";
const firstLine = toolkit ? "first line" : "node ";
writeFileSync(join(code, "train.py"), 'print("first line", flush=True)\n');
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
        sagemaker_program: JSON.stringify(program),
        // The same local code for both: the container executor mounts it at /opt/ml/code.
        sagemaker_submit_directory: JSON.stringify(`file://${code}`),
      },
      AlgorithmSpecification: { TrainingImage: image, TrainingInputMode: "File" },
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
  const first = stream && store.logs.events(stream.id, { fromSeq: 0, toSeq: 1e9, limit: 1000 }).find((e) => e.message.startsWith(firstLine));
  if (!first) throw new Error(`${name}: the program printed nothing`);
  return first.timestamp - t0;
}

try {
  if (toolkit) {
    console.log(`image: ${TOOLKIT_IMAGE} (SageMaker's training toolkit), program train.py; processes: @optml/runner with python3`);
  } else {
    console.log(`NOTE: no ${TOOLKIT_IMAGE} (build it with scripts/build-toolkit-image.sh): measuring ${NODE_IMAGE}, built from the repo (train = @optml/runner), with train.mjs instead`);
    process.stdout.write(`building ${NODE_IMAGE} ... `);
    await buildNodeImage(engine);
    console.log("done");
  }
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
  const range = (xs: number[]) => `${Math.min(...xs)}..${Math.max(...xs)}`;
  console.log(
    `creation -> first line (${program}, local code): container job ${c} ms (${range(container)}), process job ${p} ms (${range(proc)}); ` +
      `ratio ${(c / p).toFixed(2)}, +${c - p} ms; median of ${runs}`,
  );
  const sdkPython = process.env.OPTML_SAGEMAKER_PYTHON;
  const compose = spawnSync("docker-compose", ["version"]).status === 0;
  if (toolkit && sdkPython && compose) {
    const sdk = spawnSync(sdkPython, [join(repo, "bench/sdk-local-mode.py"), "--image", TOOLKIT_IMAGE, "--runs", String(runs)], { encoding: "utf8", timeout: 600_000 });
    const m = /^sdk-local-mode (\d+) (\d+) (\d+) (\d+)$/m.exec(sdk.stdout);
    if (!m) throw new Error(`bench/sdk-local-mode.py: ${sdk.stderr.split("\n").slice(-5).join("\n")}`);
    const s = Number(m[1]);
    console.log(`SageMaker SDK local mode, fit() -> first line: ${s} ms (${m[2]}..${m[3]}); optml's container job / SDK local mode ${(c / s).toFixed(2)}`);
  } else {
    const missing = [!toolkit && "the toolkit image", !sdkPython && "OPTML_SAGEMAKER_PYTHON", !compose && "docker-compose"].filter(Boolean).join(", ");
    console.log(`SageMaker SDK local mode not measured (needs ${missing}); issue 22 measured 1.7 s from fit() to the first line`);
  }
  console.log(`docker ${execFileSync("docker", ["version", "--format", "{{.Server.Version}}"], { encoding: "utf8" }).trim()}, node ${process.version}`);
} finally {
  sm.destroy();
  await server.close();
  if (!toolkit) await removeTestImages(engine, [NODE_IMAGE]);
  rmSync(root, { recursive: true, force: true });
  if (!dockerWasRunning) spawnSync("pkill", ["-x", "dockerd"]);
}
