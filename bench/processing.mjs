#!/usr/bin/env node
/**
 * Processing job overhead (issue 16): CreateProcessingJob -> Completed for a no-op Python script
 * with one small local input and one output (JS SDK, process executor), against the same script
 * run directly with python3, and against CreateTrainingJob -> Completed of the same no-op program
 * (script mode, under `train`). Medians over several repetitions, the three ways interleaved.
 *
 *   npm run build && node bench/processing.mjs [repetitions]
 */
import { CreateProcessingJobCommand, CreateTrainingJobCommand, DescribeProcessingJobCommand, DescribeTrainingJobCommand, SageMakerClient } from "@aws-sdk/client-sagemaker";
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { startServer } from "../packages/server/dist/index.js";

const REPETITIONS = Number(process.argv[2] ?? 11);
const root = mkdtempSync(join(tmpdir(), "optml-bench-processing-"));
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const dir = (name, files) => {
  const d = join(root, name);
  mkdirSync(d, { recursive: true });
  for (const [f, text] of Object.entries(files)) writeFileSync(join(d, f), text);
  return d;
};
const code = dir("code", { "noop.py": 'print("ready")\n' });
const data = dir("data", { "rows.csv": "1,2\n" });

const server = await startServer({ port: 0, home: join(root, "home"), executorMode: "process", log: () => undefined });
const sm = new SageMakerClient({ endpoint: server.endpoint, region: "us-east-1", credentials: { accessKeyId: "a", secretAccessKey: "b" }, maxAttempts: 1 });

async function until(describe, status) {
  for (;;) {
    const s = status(await describe());
    if (s === "Completed") return;
    if (s !== "InProgress" && s !== "Stopping") throw new Error(`ended ${s}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

async function processing(i) {
  const name = `bench-proc-${i}`;
  const start = performance.now();
  await sm.send(
    new CreateProcessingJobCommand({
      ProcessingJobName: name,
      RoleArn: "arn:aws:iam::123456789012:role/Bench",
      AppSpecification: { ImageUri: "bench:latest", ContainerEntrypoint: ["python3", "/opt/ml/processing/input/code/noop.py"] },
      ProcessingResources: { ClusterConfig: { InstanceCount: 1, InstanceType: "ml.m5.large", VolumeSizeInGB: 1 } },
      ProcessingInputs: [
        { InputName: "code", S3Input: { S3Uri: `file://${code}`, LocalPath: "/opt/ml/processing/input/code", S3DataType: "S3Prefix" } },
        { InputName: "data", S3Input: { S3Uri: `file://${data}`, LocalPath: "/opt/ml/processing/input/data", S3DataType: "S3Prefix" } },
      ],
      ProcessingOutputConfig: { Outputs: [{ OutputName: "out", S3Output: { S3Uri: `file://${root}/out/${name}`, LocalPath: "/opt/ml/processing/output", S3UploadMode: "EndOfJob" } }] },
    }),
  );
  await until(() => sm.send(new DescribeProcessingJobCommand({ ProcessingJobName: name })), (d) => d.ProcessingJobStatus);
  return performance.now() - start;
}

async function training(i) {
  const name = `bench-train-${i}`;
  const start = performance.now();
  await sm.send(
    new CreateTrainingJobCommand({
      TrainingJobName: name,
      HyperParameters: { sagemaker_program: '"noop.py"', sagemaker_submit_directory: JSON.stringify(`file://${code}`) },
      AlgorithmSpecification: { TrainingImage: "bench:latest", TrainingInputMode: "File" },
      RoleArn: "arn:aws:iam::123456789012:role/Bench",
      InputDataConfig: [{ ChannelName: "data", DataSource: { S3DataSource: { S3DataType: "S3Prefix", S3Uri: `file://${data}` } } }],
      OutputDataConfig: { S3OutputPath: `file://${root}/out` },
      ResourceConfig: { InstanceType: "ml.m5.large", InstanceCount: 1, VolumeSizeInGB: 1 },
      StoppingCondition: { MaxRuntimeInSeconds: 3600 },
    }),
  );
  await until(() => sm.send(new DescribeTrainingJobCommand({ TrainingJobName: name })), (d) => d.TrainingJobStatus);
  return performance.now() - start;
}

function direct() {
  const start = performance.now();
  const r = spawnSync("python3", [join(code, "noop.py")]);
  if (r.status !== 0) throw new Error("python3 failed");
  return performance.now() - start;
}

const times = { direct: [], processing: [], training: [] };
for (let i = 0; i < REPETITIONS + 1; i++) {
  const d = direct();
  const p = await processing(i);
  const t = await training(i);
  if (i === 0) continue; // warm-up
  times.direct.push(d);
  times.processing.push(p);
  times.training.push(t);
}
const line = (label, xs) => console.log(`${label.padEnd(44)} median ${median(xs).toFixed(1)} ms (min ${Math.min(...xs).toFixed(1)}, max ${Math.max(...xs).toFixed(1)})`);
console.log(`no-op Python, ${REPETITIONS} repetitions (after one warm-up), process executor`);
line("python3 noop.py, directly", times.direct);
line("CreateProcessingJob -> Completed", times.processing);
line("CreateTrainingJob -> Completed (script mode)", times.training);
sm.destroy();
await server.close();
rmSync(root, { recursive: true, force: true });
