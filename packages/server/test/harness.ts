/**
 * One factory for the tests: a control plane on a free loopback port with its own OPTML_HOME,
 * real AWS SDK v3 clients pointed at it, and a teardown that waits for every job.
 */
import { CloudWatchLogsClient } from "@aws-sdk/client-cloudwatch-logs";
import { DescribeTrainingJobCommand, SageMakerClient, type DescribeTrainingJobCommandOutput } from "@aws-sdk/client-sagemaker";
import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startServer, type OptmlServerOptions, type RunningServer } from "../src/index.js";

export const credentials = { accessKeyId: "AKIDOPTMLTEST", secretAccessKey: "optml-test-secret" };

export interface Harness {
  readonly root: string;
  readonly server: RunningServer;
  readonly sagemaker: SageMakerClient;
  readonly logs: CloudWatchLogsClient;
  /** A code dir holding these files. */
  code(files: Record<string, string>): string;
  /** A data dir holding these files. */
  data(files: Record<string, string>): string;
  /** A fresh output dir. */
  output(): string;
  waitForEnd(name: string, timeoutMs?: number): Promise<DescribeTrainingJobCommandOutput>;
  /**
   * Run a client program (the AWS CLI, a Python script) without blocking this process, which serves
   * its requests: in a bare environment with the test credentials, us-east-1, no pager, HOME in the
   * harness's root, plus `env`.
   */
  runClient(command: string, args: string[], env?: Record<string, string | undefined>): Promise<{ code: number; stdout: string; stderr: string }>;
  /** Every line a training job's host logged so far, from the store (none before its stream exists). */
  hostLog(name: string, host?: string): string[];
  /**
   * DescribeTrainingJob's JSON as the control plane sends it (unsigned: for a harness without
   * auth), with the Optml* extension members that the SDK leaves out of its output.
   */
  describedOnTheWire(name: string): Promise<Record<string, unknown>>;
  close(): Promise<void>;
}

export async function startHarness(options: OptmlServerOptions = {}): Promise<Harness> {
  const root = mkdtempSync(join(tmpdir(), "optml-server-test-"));
  const server = await startServer({ port: 0, home: join(root, "home"), stopGraceSeconds: 5, log: () => undefined, ...options });
  const clientConfig = { endpoint: server.endpoint, region: "us-east-1", credentials, maxAttempts: 1 };
  const sagemaker = new SageMakerClient(clientConfig);
  const logs = new CloudWatchLogsClient(clientConfig);
  let n = 0;
  const dir = (kind: string, files: Record<string, string>) => {
    const d = join(root, `${kind}-${n++}`);
    mkdirSync(d, { recursive: true });
    for (const [name, text] of Object.entries(files)) {
      mkdirSync(join(d, name, ".."), { recursive: true });
      writeFileSync(join(d, name), text);
    }
    return d;
  };
  return {
    root,
    server,
    sagemaker,
    logs,
    code: (files) => dir("code", files),
    data: (files) => dir("data", files),
    output: () => dir("out", {}),
    runClient(command, args, env = {}) {
      const clientEnv = {
        PATH: process.env.PATH,
        HOME: root,
        AWS_ACCESS_KEY_ID: credentials.accessKeyId,
        AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
        AWS_DEFAULT_REGION: "us-east-1",
        AWS_PAGER: "",
        ...env,
      };
      return new Promise((resolve) => {
        execFile(command, args, { encoding: "utf8", env: clientEnv, timeout: 120_000 }, (error, stdout, stderr) => {
          resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
        });
      });
    },
    hostLog(name, host = "algo-1") {
      const logStore = server.controlPlane.store.logs;
      const stream = logStore.streamsOfJob(name).find((x) => x.host === host);
      return stream === undefined ? [] : logStore.events(stream.id, { fromSeq: 0, toSeq: 1e9, limit: 1_000_000 }).map((e) => e.message);
    },
    async describedOnTheWire(name) {
      const response = await fetch(server.endpoint, {
        method: "POST",
        headers: { "Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": "SageMaker.DescribeTrainingJob" },
        body: JSON.stringify({ TrainingJobName: name }),
      });
      if (response.status !== 200) throw new Error(`DescribeTrainingJob ${name}: HTTP ${response.status}: ${await response.text()}`);
      return (await response.json()) as Record<string, unknown>;
    },
    async waitForEnd(name, timeoutMs = 60_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const d = await sagemaker.send(new DescribeTrainingJobCommand({ TrainingJobName: name }));
        if (d.TrainingJobStatus !== "InProgress" && d.TrainingJobStatus !== "Stopping") return d;
        if (Date.now() > deadline) throw new Error(`job ${name} still ${d.TrainingJobStatus}/${d.SecondaryStatus} after ${timeoutMs} ms`);
        await new Promise((r) => setTimeout(r, 100));
      }
    },
    async close() {
      sagemaker.destroy();
      logs.destroy();
      await server.close();
      rmSync(root, { recursive: true, force: true });
    },
  };
}
