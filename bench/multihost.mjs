#!/usr/bin/env node
/**
 * Creation-to-training latency of a 4-host job against a 1-host job (issue 7), in one run: the time
 * from CreateTrainingJob to the first line the program prints on every host (read from the log
 * store). Needs root (network namespaces). Run: npm run build && node bench/multihost.mjs [runs]
 */
import { CreateTrainingJobCommand, DescribeTrainingJobCommand, SageMakerClient } from "@aws-sdk/client-sagemaker";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startServer } from "../packages/server/dist/index.js";

if (process.getuid?.() !== 0) {
  console.log("multi-host jobs need root (network namespaces): run this benchmark as root");
  process.exit(0);
}
const runs = Number(process.argv[2] ?? 5);
const root = mkdtempSync(join(tmpdir(), "optml-bench-mh-"));
const code = join(root, "code");
mkdirSync(code);
writeFileSync(join(code, "train.py"), "import os\nprint('first line from', os.environ['SM_CURRENT_HOST'], flush=True)\n");
const server = await startServer({ port: 0, home: join(root, "home"), log: () => undefined, capacity: 1 });
const sm = new SageMakerClient({ endpoint: server.endpoint, region: "us-east-1", credentials: { accessKeyId: "a", secretAccessKey: "b" }, maxAttempts: 1 });
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function latency(name, hosts) {
  const t0 = Date.now();
  await sm.send(new CreateTrainingJobCommand({
    TrainingJobName: name,
    HyperParameters: { sagemaker_program: '"train.py"', sagemaker_submit_directory: JSON.stringify(code) },
    AlgorithmSpecification: { TrainingImage: "bench:latest", TrainingInputMode: "File" },
    RoleArn: "arn:aws:iam::123456789012:role/Bench",
    OutputDataConfig: { S3OutputPath: `file://${join(root, "out")}` },
    ResourceConfig: { InstanceType: "ml.m5.large", InstanceCount: hosts, VolumeSizeInGB: 1 },
    StoppingCondition: { MaxRuntimeInSeconds: 600 },
  }));
  for (;;) {
    const d = await sm.send(new DescribeTrainingJobCommand({ TrainingJobName: name }));
    if (d.TrainingJobStatus !== "InProgress") break;
    await new Promise((r) => setTimeout(r, 20));
  }
  const store = server.controlPlane.store;
  const firsts = store.logs.streamsOfJob(name).map((s) =>
    store.logs.events(s.id, { fromSeq: 0, toSeq: 1e9, limit: 1000 }).find((e) => e.message.startsWith("first line from"))?.timestamp,
  );
  if (firsts.length !== hosts || firsts.some((t) => t === undefined)) throw new Error(`${name}: not every host printed`);
  return Math.max(...firsts) - t0;
}

try {
  const one = [];
  const four = [];
  for (let i = 0; i < runs; i++) {
    one.push(await latency(`one-${i}`, 1));
    four.push(await latency(`four-${i}`, 4));
  }
  const a = median(one);
  const b = median(four);
  console.log(`creation -> first line on every host: 1 host ${a} ms, 4 hosts ${b} ms (ratio ${(b / a).toFixed(2)}; target < 2), median of ${runs}`);
} finally {
  sm.destroy();
  await server.close();
  rmSync(root, { recursive: true, force: true });
}
