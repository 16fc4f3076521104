/**
 * Where Pipe mode's bytes come from, against an S3-compatible server on loopback (moto): the
 * content cache for objects it holds (written into it on the way by an earlier pass or job), and
 * read-ahead for the rest (while an object streams into the FIFO, the next one is already asked
 * for). The bytes a program reads stay exactly the objects in order, whatever the source.
 */
import { DeleteObjectCommand } from "@aws-sdk/client-s3";
import { spawn } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DataContext } from "../src/data/context.js";
import { parseLocation } from "../src/data/location.js";
import { makeFifo, pipePath, PipeChannel } from "../src/data/pipe.js";
import type { ChannelPlacement } from "../src/jobs/plan.js";
import { startS3Server, type S3Server } from "../../../test-support/s3-server.js";

let server: S3Server;
let root: string;
/** Without the content cache (read-ahead alone), and with it. */
let data: DataContext;
let cached: DataContext;
const objects = [randomBytes(2 * 1024 * 1024 + 3), randomBytes(700 * 1024), randomBytes(9)];
const expected = createHash("sha256").update(Buffer.concat(objects)).digest("hex");

beforeAll(async () => {
  server = await startS3Server(["ahead"]);
  await server.put("ahead", { "p/a": objects[0]!, "p/b": objects[1]!, "p/c": objects[2]! });
  root = mkdtempSync(join(tmpdir(), "optml-pipe-ahead-"));
  data = new DataContext(join(root, "home"), "us-east-1", { awsEnv: server.awsEnv, cacheLimitBytes: 0 }, {});
  cached = new DataContext(join(root, "home-cached"), "us-east-1", { awsEnv: server.awsEnv }, {});
});
afterAll(() => {
  data?.close();
  cached?.close();
  server?.stop();
  if (root) rmSync(root, { recursive: true, force: true });
});

let n = 0;
async function channel(prefix = "p", over: Partial<ChannelPlacement> = {}): Promise<ChannelPlacement> {
  const dir = join(root, `host-${n++}`, "input", "data");
  mkdirSync(dir, { recursive: true });
  const placement: ChannelPlacement = {
    channel: "train",
    source: parseLocation(`s3://ahead/${prefix}/`),
    sourceUri: `s3://ahead/${prefix}/`,
    inputMode: "Pipe",
    distribution: "FullyReplicated",
    dataType: "S3Prefix",
    compression: "None",
    recordWrapper: "None",
    target: join(dir, "train"),
    ...over,
  };
  await makeFifo(pipePath(placement, 0));
  return placement;
}

/** One pass as a program sees it: `cat` reads the FIFO to EOF; the SHA-256 of what it read. */
function readPass(fifo: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const cat = spawn("cat", [fifo], { stdio: ["ignore", "pipe", "inherit"] });
    const hash = createHash("sha256");
    cat.stdout.on("data", (d: Buffer) => hash.update(d));
    cat.once("error", reject);
    cat.once("exit", (code) => (code === 0 ? resolve(hash.digest("hex")) : reject(new Error(`cat exited with ${code}`))));
  });
}

/**
 * Read passes 0..n-1 of a new PipeChannel, each byte-exact (`hash`) and without a failure; where
 * its objects came from, and the GetObject requests it made.
 */
async function passes(ctx: DataContext, placement: ChannelPlacement, n: number, { hash = expected, aheadMaxAgeMs }: { hash?: string; aheadMaxAgeMs?: number } = {}) {
  const failures: unknown[] = [];
  const before = ctx.s3Requests.GetObjectCommand ?? 0;
  const pipe = new PipeChannel(ctx, placement, (e) => failures.push(e), aheadMaxAgeMs);
  pipe.start();
  try {
    for (let epoch = 0; epoch < n; epoch++) expect(await readPass(pipePath(placement, epoch))).toBe(hash);
  } finally {
    await pipe.stop();
  }
  expect(failures).toEqual([]);
  return { sources: pipe.sources, gets: (ctx.s3Requests.GetObjectCommand ?? 0) - before };
}

describe("Pipe mode from the content cache", () => {
  it("writes the objects into the cache during the first pass and reads later passes, and a rerun, from it", async () => {
    await server.put("ahead", { "c/a": objects[0]!, "c/b": objects[1]!, "c/c": objects[2]! });
    const first = await passes(cached, await channel("c"), 3);
    // Pass 0 from S3 (its first object in turn, the others ahead); then every object from the cache.
    expect(first.sources).toEqual({ cache: 6, ahead: 2, inTurn: 1 });
    expect(first.gets).toBe(3);
    const rerun = await passes(cached, await channel("c"), 2);
    expect(rerun).toEqual({ sources: { cache: 6, ahead: 0, inTurn: 0 }, gets: 0 });
  });

  it("caches a one-object channel without asking S3 for it twice, and Gzip objects as they are", async () => {
    const { gzipSync } = await import("node:zlib");
    await server.put("ahead", { "g/only.gz": gzipSync(objects[0]!) });
    const hash = createHash("sha256").update(objects[0]!).digest("hex");
    const run = await passes(cached, await channel("g", { compression: "Gzip" }), 3, { hash });
    expect(run).toEqual({ sources: { cache: 2, ahead: 0, inTurn: 1 }, gets: 1 });
  });

  it("does not cache an object a pass did not read to its end", async () => {
    await server.put("ahead", { "e/a": objects[0]! });
    const placement = await channel("e");
    const before = cached.s3Requests.GetObjectCommand ?? 0;
    const pipe = new PipeChannel(cached, placement, () => undefined);
    pipe.start();
    try {
      // The program reads 1000 bytes of pass 0 and closes the FIFO.
      await new Promise<void>((resolve, reject) => {
        const head = spawn("head", ["-c", "1000", pipePath(placement, 0)], { stdio: ["ignore", "ignore", "inherit"] });
        head.once("error", reject);
        head.once("exit", () => resolve());
      });
      for (let i = 0; i < 250 && !existsSync(pipePath(placement, 1)); i++) await new Promise((r) => setTimeout(r, 20));
      expect(await readPass(pipePath(placement, 1))).toBe(createHash("sha256").update(objects[0]!).digest("hex"));
    } finally {
      await pipe.stop();
    }
    // Pass 1 could not read it from the cache: S3 again (and then into the cache).
    expect(pipe.sources.cache).toBe(0);
    expect((cached.s3Requests.GetObjectCommand ?? 0) - before).toBe(2);
    expect((await passes(cached, await channel("e"), 1, { hash: createHash("sha256").update(objects[0]!).digest("hex") })).gets).toBe(0);
  });
});

describe("Pipe mode read-ahead", () => {
  it("serves every object after the first from a response asked for ahead, pass after pass, byte-exact", async () => {
    const { sources } = await passes(data, await channel(), 3);
    // 9 objects over 3 passes: the first asked for when the program opened pass 0, the rest ahead.
    expect(sources).toEqual({ cache: 0, ahead: 8, inTurn: 1 });
  });

  it("asks again in turn when the request ahead failed, and fails the channel naming the object that cannot be read", async () => {
    await server.put("ahead", { "q/a": objects[0]!, "q/b": objects[1]! });
    const placement = await channel("q");
    const failures: Error[] = [];
    const before = data.s3Requests.GetObjectCommand ?? 0;
    const pipe = new PipeChannel(data, placement, (e) => failures.push(e));
    pipe.start();
    try {
      await readPass(pipePath(placement, 0));
      // Gone after the listing: asked for ahead while q/a streams in pass 1, and again in its turn.
      await server.s3.send(new DeleteObjectCommand({ Bucket: "ahead", Key: "q/b" }));
      const partial = await readPass(pipePath(placement, 1));
      expect(partial).toBe(createHash("sha256").update(objects[0]!).digest("hex"));
      for (let i = 0; i < 100 && failures.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
    } finally {
      await pipe.stop();
    }
    expect(failures.map((e) => e.message)).toEqual([expect.stringMatching(/^Pipe mode channel 'train': streaming "s3:\/\/ahead\/q\/b" failed: Cannot read S3 URL "s3:\/\/ahead\/q\/b": NoSuchKey/)]);
    // Pass 0: a in turn, b ahead, a (pass 1's first) ahead; pass 1: b ahead (failed), b in turn (failed).
    expect((data.s3Requests.GetObjectCommand ?? 0) - before).toBe(5);
  });

  it("asks again, in turn, instead of using a response that waited longer than allowed", async () => {
    const { sources, gets } = await passes(data, await channel(), 2, { aheadMaxAgeMs: 0 });
    expect(sources).toEqual({ cache: 0, ahead: 0, inTurn: 6 });
    // Each object was asked for twice (ahead, then in turn), but the last one ahead (the third
    // pass's first), which nobody came for.
    expect(gets).toBe(6 + 6);
  });
});
