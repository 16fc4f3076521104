#!/usr/bin/env node
/**
 * The cost of reaching a loopback service from a host's own network namespace through the job's
 * relay and the host's forwarder (packages/server/src/executors/loopback), each against the same
 * client connecting directly on this machine's loopback, in one run:
 *  - throughput: one connection downloads N MiB from a TCP source on 127.0.0.1;
 *  - connections: M connections one after another, each sending a byte and reading it back
 *    (the shape of an SDK's first request on a fresh connection);
 *  - start: relay + forwarder until both listen, against starting `node -e ''` in the namespace.
 * The client is the same Node script in both cases, run in the namespace (forwarded) or here
 * (direct). Needs root (a network namespace).
 * Run: npm run build && node bench/loopback.mjs [--mib 512] [--connections 500] [--reps 3]
 */
import { execFile, execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs, promisify } from "node:util";
import { LoopbackServices, loopbackEndpoints } from "../packages/server/dist/executors/loopback/index.js";

if (process.getuid?.() !== 0) {
  console.log("the forwarder runs in a network namespace: run this benchmark as root");
  process.exit(0);
}
const { values } = parseArgs({ options: { mib: { type: "string", default: "512" }, connections: { type: "string", default: "500" }, reps: { type: "string", default: "3" } } });
const mib = Number(values.mib);
const connections = Number(values.connections);
const reps = Number(values.reps);
const run = promisify(execFile);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const ns = `optml-bench-lb-${process.pid}`;
const root = mkdtempSync(join(tmpdir(), "optml-bench-lb-"));
execFileSync("ip", ["netns", "add", ns]);
execFileSync("ip", ["-n", ns, "link", "set", "lo", "up"]);

// A source that writes `mib` MiB to each connection whose first byte is "d", and echoes otherwise.
const chunk = Buffer.alloc(1 << 20, 7);
const server = createServer((s) => {
  s.once("data", (first) => {
    if (first[0] !== 0x64) return s.end(first);
    let left = mib;
    const pump = () => {
      while (left > 0) {
        left--;
        if (!s.write(chunk)) return s.once("drain", pump);
      }
      s.end();
    };
    pump();
  });
  s.on("error", () => undefined);
});
await new Promise((r) => server.listen(0, "127.0.0.1", r));
const port = server.address().port;

const CLIENT = `
const { connect } = require("node:net");
const [mode, port, n] = process.argv.slice(1);
const one = (first) => new Promise((resolve, reject) => {
  let got = 0;
  const s = connect({ host: "127.0.0.1", port: Number(port) }, () => s.write(first));
  s.on("data", (d) => (got += d.length)); s.on("end", () => resolve(got)); s.on("error", reject);
});
(async () => {
  const t0 = process.hrtime.bigint();
  let bytes = 0;
  if (mode === "download") bytes = await one("d");
  else for (let i = 0; i < Number(n); i++) bytes += await one("e");
  console.log(JSON.stringify({ seconds: Number(process.hrtime.bigint() - t0) / 1e9, bytes }));
})();
`;
// Not spawnSync: the source runs in this process's event loop.
const client = async (inNamespace, mode, n = 0) => {
  const cmd = [process.execPath, "-e", CLIENT, mode, String(port), String(n)];
  const { stdout } = await run(inNamespace ? "ip" : cmd[0], inNamespace ? ["netns", "exec", ns, ...cmd] : cmd.slice(1), { encoding: "utf8" });
  return JSON.parse(stdout);
};

const services = new LoopbackServices({ stateDir: join(root, "state") });
const jobs = [];
const endpoints = loopbackEndpoints({ AWS_ENDPOINT_URL_S3: `http://127.0.0.1:${port}` });
try {
  const starts = [];
  const bare = [];
  for (let i = 0; i < reps; i++) {
    const job = { workDir: join(root, `job-${i}`) };
    jobs.push(job);
    const t0 = performance.now();
    await services.startRelay(job, endpoints);
    await services.startForwarder(job, "algo-1", endpoints, ["ip", "netns", "exec", ns], join(job.workDir, "forwarder.log"));
    starts.push(performance.now() - t0);
    if (i < reps - 1) {
      await services.stop(job);
      await new Promise((r) => setTimeout(r, 1000)); // its processes see their dir gone within 0.5 s, and free the port
    }
    const t1 = performance.now();
    spawnSync("ip", ["netns", "exec", ns, process.execPath, "-e", ""]);
    bare.push(performance.now() - t1);
  }
  const download = { direct: [], forwarded: [] };
  const conns = { direct: [], forwarded: [] };
  for (let i = 0; i < reps; i++) {
    for (const [name, inNs] of [["direct", false], ["forwarded", true]]) {
      const d = await client(inNs, "download");
      if (d.bytes !== mib << 20) throw new Error(`${name}: got ${d.bytes} bytes, not ${mib << 20}`);
      download[name].push(d.seconds);
      const c = await client(inNs, "connections", connections);
      if (c.bytes !== connections) throw new Error(`${name}: ${c.bytes} echoes, not ${connections}`);
      conns[name].push(c.seconds);
    }
  }
  const rate = (s) => (mib / s).toFixed(0);
  console.log(`throughput, ${mib} MiB on one connection (median of ${reps}):`);
  console.log(`  direct    ${rate(median(download.direct))} MiB/s`);
  console.log(`  forwarded ${rate(median(download.forwarded))} MiB/s   forwarded takes ${(median(download.forwarded) / median(download.direct)).toFixed(2)}x the time`);
  const per = (s) => ((s / connections) * 1000).toFixed(3);
  console.log(`connections, ${connections} in a row, 1 byte each way (median of ${reps}):`);
  console.log(`  direct    ${per(median(conns.direct))} ms each`);
  console.log(`  forwarded ${per(median(conns.forwarded))} ms each   forwarded takes ${(median(conns.forwarded) / median(conns.direct)).toFixed(2)}x the time`);
  console.log(`start (median of ${reps}): relay + forwarder listening ${median(starts).toFixed(0)} ms, against \`node -e ''\` in the namespace ${median(bare).toFixed(0)} ms (ratio ${(median(starts) / median(bare)).toFixed(2)}x)`);
} finally {
  for (const job of jobs) await services.stop(job);
  server.close();
  execFileSync("ip", ["netns", "delete", ns]);
  rmSync(root, { recursive: true, force: true });
}
