/**
 * The distributed example end to end (as root: hosts in network namespaces): data-parallel
 * training over TCP on 2 and 4 hosts with ShardedByS3Key input matches the single-host model.
 */
import { CreateTrainingJobCommand, DescribeTrainingJobCommand, SageMakerClient } from "@aws-sdk/client-sagemaker";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { readFileSync } from "node:fs";
import { startServer, type RunningServer } from "@optml/server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

/** Weights of the distributed runs must equal the single-host run's to this relative tolerance. */
const TOLERANCE = 1e-9;
const root = process.getuid?.() === 0;
const here = import.meta.dirname;
const dir = mkdtempSync(join(tmpdir(), "optml-distributed-"));
let server: RunningServer;
let sm: SageMakerClient;

beforeAll(async () => {
  if (!root) return;
  server = await startServer({ port: 0, home: join(dir, "home"), log: () => undefined, capacity: 4 });
  sm = new SageMakerClient({ endpoint: server.endpoint, region: "us-east-1", credentials: { accessKeyId: "a", secretAccessKey: "b" }, maxAttempts: 1 });
});
afterAll(async () => {
  sm?.destroy();
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function train(name: string, hosts: number): Promise<{ weights: number[]; bias: number; rows: number; hosts: number }> {
  await sm.send(
    new CreateTrainingJobCommand({
      TrainingJobName: name,
      HyperParameters: { sagemaker_program: '"train.py"', sagemaker_submit_directory: JSON.stringify(here), epochs: "100", "learning-rate": "0.5" },
      AlgorithmSpecification: { TrainingImage: "python:3", TrainingInputMode: "File" },
      RoleArn: "arn:aws:iam::123456789012:role/Example",
      InputDataConfig: [
        {
          ChannelName: "train",
          DataSource: { S3DataSource: { S3DataType: "S3Prefix", S3Uri: `file://${join(here, "data", "train")}`, S3DataDistributionType: "ShardedByS3Key" } },
        },
      ],
      OutputDataConfig: { S3OutputPath: `file://${join(dir, "out")}` },
      ResourceConfig: { InstanceType: "ml.m5.large", InstanceCount: hosts, VolumeSizeInGB: 1 },
      StoppingCondition: { MaxRuntimeInSeconds: 600 },
    }),
  );
  for (;;) {
    const d = await sm.send(new DescribeTrainingJobCommand({ TrainingJobName: name }));
    if (d.TrainingJobStatus === "Completed") break;
    if (d.TrainingJobStatus !== "InProgress") throw new Error(`${name}: ${d.TrainingJobStatus}: ${d.FailureReason}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  const tar = gunzipSync(readFileSync(join(dir, "out", name, "output", "model.tar.gz")));
  const size = parseInt(tar.subarray(124, 136).toString("utf8").trim(), 8);
  expect(tar.subarray(0, 100).toString("utf8").replace(/\0.*$/s, "")).toBe("model.json");
  return JSON.parse(tar.subarray(512, 512 + size).toString("utf8"));
}

describe.skipIf(!root)("examples/distributed-python (root: multi-host jobs)", () => {
  it("trains the same model on 1, 2 and 4 hosts", async () => {
    const [one, two, four] = await Promise.all([train("dist-1", 1), train("dist-2", 2), train("dist-4", 4)]);
    expect([one.hosts, two.hosts, four.hosts]).toEqual([1, 2, 4]);
    expect([two.rows, four.rows]).toEqual([one.rows, one.rows]); // the shards cover the data once
    for (const other of [two, four]) {
      [...other.weights, other.bias].forEach((w, i) => {
        const ref = [...one.weights, one.bias][i]!;
        expect(Math.abs(w - ref)).toBeLessThanOrEqual(TOLERANCE * Math.max(1, Math.abs(ref)));
      });
    }
  }, 240_000);
});
