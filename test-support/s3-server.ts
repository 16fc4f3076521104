/**
 * An S3-compatible server on loopback for the tests of every package: moto's
 * (`python3 -m moto.server`), started on a free port, polled until it answers, stopped by its pid.
 * Real SDK clients talk to it.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createServer } from "node:net";
import { CreateBucketCommand, GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";

export interface S3Server {
  readonly endpoint: string;
  /** What the control plane is given (ControlPlaneOptions.data.awsEnv) to use this server. */
  readonly awsEnv: Record<string, string>;
  readonly s3: S3Client;
  put(bucket: string, objects: Record<string, string | Buffer>): Promise<void>;
  get(bucket: string, key: string): Promise<Buffer>;
  keys(bucket: string, prefix?: string): Promise<string[]>;
  stop(): void;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

async function waitUntilAnswering(url: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`moto.server exited with ${child.exitCode}`);
    try {
      await fetch(url);
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  throw new Error(`moto.server did not answer at ${url} within ${timeoutMs} ms`);
}

export async function startS3Server(buckets: readonly string[] = []): Promise<S3Server> {
  const port = await freePort();
  const endpoint = `http://127.0.0.1:${port}`;
  const child = spawn("python3", ["-m", "moto.server", "-H", "127.0.0.1", "-p", String(port)], { stdio: "ignore" });
  try {
    await waitUntilAnswering(endpoint, child, 30_000);
  } catch (e) {
    if (child.exitCode === null) child.kill("SIGKILL");
    throw e;
  }
  const s3 = new S3Client({ endpoint, forcePathStyle: true, region: "us-east-1", credentials: { accessKeyId: "testing", secretAccessKey: "testing" } });
  for (const bucket of buckets) await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  return {
    endpoint,
    awsEnv: { AWS_ENDPOINT_URL_S3: endpoint, AWS_ACCESS_KEY_ID: "testing", AWS_SECRET_ACCESS_KEY: "testing", AWS_REGION: "us-east-1" },
    s3,
    async put(bucket, objects) {
      for (const [key, body] of Object.entries(objects)) await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentLength: Buffer.byteLength(body) }));
    },
    async get(bucket, key) {
      const r = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      return Buffer.from(await r.Body!.transformToByteArray());
    },
    async keys(bucket, prefix = "") {
      const keys: string[] = [];
      let token: string | undefined;
      do {
        const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ...(token ? { ContinuationToken: token } : {}) }));
        keys.push(...(page.Contents ?? []).map((o) => o.Key!));
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (token);
      return keys;
    },
    stop() {
      s3.destroy();
      if (child.pid !== undefined && child.exitCode === null) process.kill(child.pid, "SIGTERM");
    },
  };
}
