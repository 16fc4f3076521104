/**
 * The relay and a forwarder for real (as root: the forwarder runs in a network namespace made
 * here, and a client inside it connects to the endpoint's own address): bytes both ways, a refused
 * service, `localhost`, an address the forwarder cannot take, the relay outliving the process that
 * started it, and the processes ending with the dir.
 */
import { execFile, execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { connect, createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort } from "../../../../../test-support/s3-server.js";
import { socketName } from "./endpoints.js";
import { loopbackEndpoints, LoopbackServices, proxyScript } from "./index.js";
import { processesIn } from "../../../../../test-support/processes.js";

const run = promisify(execFile);
const root = process.getuid?.() === 0;
const ns = `optml-lbtest-${process.pid}`;
const base = mkdtempSync(join(tmpdir(), "optml-loopback-"));
const services = new LoopbackServices({ stateDir: join(base, "state") });

/** Connects inside the namespace to argv[1]:argv[2], sends argv[3] random bytes, half-closes; prints the sha256 and size of what came back, or the error code. */
const CLIENT = `
const { connect } = require("node:net"); const { createHash, randomBytes } = require("node:crypto");
const [host, port, size] = process.argv.slice(1);
const out = randomBytes(Number(size)); const back = [];
const s = connect({ host, port: Number(port) }, () => s.end(out));
s.on("data", (d) => back.push(d));
s.on("end", () => { const b = Buffer.concat(back); console.log(JSON.stringify({ sent: createHash("sha256").update(out).digest("hex"), got: createHash("sha256").update(b).digest("hex"), size: b.length })); });
s.on("error", (e) => console.log(JSON.stringify({ error: e.code })));
`;

async function client(host: string, port: number, size: number): Promise<{ sent?: string; got?: string; size?: number; error?: string }> {
  const { stdout } = await run("ip", ["netns", "exec", ns, process.execPath, "-e", CLIENT, host, String(port), String(size)]);
  return JSON.parse(stdout) as never;
}

/** A TCP echo service on this machine's loopback. */
async function echoServer(host: string): Promise<{ server: Server; port: number }> {
  const port = await freePort();
  const server = createServer({ allowHalfOpen: true }, (s) => s.pipe(s));
  await new Promise<void>((resolve) => server.listen(port, host, resolve));
  return { server, port };
}


async function until(test: () => boolean, timeoutMs = 5000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!test()) {
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 50));
  }
  return true;
}

describe.skipIf(!root)("loopback relay and forwarder (root: a network namespace)", () => {
  beforeAll(() => {
    execFileSync("ip", ["netns", "add", ns]);
    execFileSync("ip", ["-n", ns, "link", "set", "lo", "up"]);
  });
  afterAll(() => {
    execFileSync("ip", ["netns", "delete", ns]);
    rmSync(base, { recursive: true, force: true });
  });

  it("carries bytes both ways between a client in the namespace and the service here, at the endpoint's own address", async () => {
    const echo = await echoServer("127.0.0.1");
    const refusedPort = await freePort();
    const job = { workDir: join(base, "job-1") };
    const endpoints = loopbackEndpoints({ AWS_ENDPOINT_URL_S3: `http://127.0.0.1:${echo.port}`, AWS_ENDPOINT_URL_STS: `http://127.0.0.1:${refusedPort}` });
    try {
      await services.startRelay(job, endpoints);
      await services.startForwarder(job, "algo-1", endpoints, ["ip", "netns", "exec", ns], join(job.workDir, "algo-1.loopback.log"));
      for (const size of [0, 1, 3 * 1024 * 1024 + 7]) {
        const r = await client("127.0.0.1", echo.port, size);
        expect(r.got).toBe(r.sent);
        expect(r.size).toBe(size);
      }
      // Several at once.
      const many = await Promise.all(Array.from({ length: 8 }, () => client("127.0.0.1", echo.port, 100_000)));
      expect(many.every((r) => r.got === r.sent && r.size === 100_000)).toBe(true);
      // A service that refuses: the client's connection fails, it does not get an empty answer.
      expect(await client("127.0.0.1", refusedPort, 10)).toEqual({ error: "ECONNRESET" });
    } finally {
      echo.server.close();
    }
    const dir = services.dirOf(job);
    expect(processesIn(dir)).toHaveLength(2);
    await services.stop(job);
    expect(existsSync(dir)).toBe(false);
    expect(await until(() => processesIn(dir).length === 0)).toBe(true);
  });

  it("localhost: reached on 127.0.0.1 (and ::1) in the namespace, connected to as this machine resolves it", async () => {
    const echo = await echoServer("127.0.0.1");
    const job = { workDir: join(base, "job-2") };
    const endpoints = loopbackEndpoints({ AWS_ENDPOINT_URL: `http://localhost:${echo.port}` });
    try {
      await services.startRelay(job, endpoints);
      await services.startForwarder(job, "algo-1", endpoints, ["ip", "netns", "exec", ns], join(job.workDir, "algo-1.loopback.log"));
      const r = await client("localhost", echo.port, 5000);
      expect(r.size).toBe(5000);
      expect(r.got).toBe(r.sent);
      expect((await client("127.0.0.1", echo.port, 10)).size).toBe(10);
    } finally {
      echo.server.close();
      await services.stop(job);
    }
  });

  it("a forwarder that cannot take its address says which and why", async () => {
    const job = { workDir: join(base, "job-3") };
    const port = await freePort();
    const endpoints = loopbackEndpoints({ AWS_ENDPOINT_URL_S3: `http://127.0.0.1:${port}` });
    // Something of the job's own already listens there in the namespace.
    const squatter = execFile("ip", ["netns", "exec", ns, process.execPath, "-e", `require("net").createServer().listen(${port}, "127.0.0.1", () => console.log("up"))`]);
    await new Promise((resolve) => squatter.stdout!.once("data", resolve));
    try {
      await services.startRelay(job, endpoints);
      await expect(services.startForwarder(job, "algo-1", endpoints, ["ip", "netns", "exec", ns], join(job.workDir, "algo-1.loopback.log"))).rejects.toThrow(
        `the loopback forwarder of algo-1 could not start: cannot listen on 127.0.0.1:${port} in the host's network namespace: EADDRINUSE`,
      );
    } finally {
      squatter.kill();
      await services.stop(job);
    }
  });

  it("the relay outlives the control plane that started it (as hosts do), and serves on", async () => {
    const echo = await echoServer("127.0.0.1");
    const job = { workDir: join(base, "job-restart") };
    const endpoints = loopbackEndpoints({ AWS_ENDPOINT_URL_S3: `http://127.0.0.1:${echo.port}` });
    const module = join(dirname(proxyScript()), "index.js");
    const start = `import { LoopbackServices } from ${JSON.stringify(module)};
await new LoopbackServices({ stateDir: ${JSON.stringify(join(base, "state"))} }).startRelay(${JSON.stringify(job)}, ${JSON.stringify(endpoints)});
process.exit(0);`;
    try {
      await run(process.execPath, ["--input-type=module", "-e", start]);
      const answer = await new Promise<Buffer>((resolve, reject) => {
        const parts: Buffer[] = [];
        const s = connect({ path: join(services.dirOf(job), socketName(endpoints[0]!)) }, () => s.end("still here"));
        s.on("data", (d) => parts.push(d));
        s.on("end", () => resolve(Buffer.concat(parts)));
        s.on("error", reject);
      });
      // The relay's one byte once the service accepted, then the service's answer.
      expect(answer).toEqual(Buffer.concat([Buffer.from([0]), Buffer.from("still here")]));
    } finally {
      echo.server.close();
      await services.stop(job);
    }
  });

  it("reclaim after a restart removes the dirs of jobs that are over, so their processes end; an active job's stay, and new ones", async () => {
    const echo = await echoServer("127.0.0.1");
    const over = { workDir: join(base, "job-over") };
    const active = { workDir: join(base, "job-active") };
    const started = { workDir: join(base, "job-started-since") };
    const endpoints = loopbackEndpoints({ AWS_ENDPOINT_URL_S3: `http://127.0.0.1:${echo.port}` });
    try {
      await services.startRelay(over, endpoints);
      await services.startRelay(active, endpoints);
      mkdirSync(join(base, "state", "stray"), { recursive: true });
      // A restarted control plane, which starts a job of its own before its reclaim runs.
      const restarted = new LoopbackServices({ stateDir: join(base, "state") });
      await restarted.startRelay(started, endpoints);
      await restarted.reclaim([active]);
      const hash = (job: { workDir: string }) => createHash("sha256").update(job.workDir).digest("hex").slice(0, 16);
      expect(readdirSync(join(base, "state")).sort()).toEqual([hash(active), hash(started)].sort());
      expect(await until(() => processesIn(services.dirOf(over)).length === 0)).toBe(true);
      expect(processesIn(services.dirOf(active))).toHaveLength(1);
      expect(processesIn(services.dirOf(started))).toHaveLength(1);
    } finally {
      echo.server.close();
      await services.stop(active);
      await services.stop(started);
    }
  });
});
