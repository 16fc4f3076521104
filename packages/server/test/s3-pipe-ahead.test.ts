/**
 * Pipe mode's read-ahead against an S3-compatible server on loopback (moto): while an object
 * streams into the FIFO, the next one (after the last, the next pass's first) is already asked
 * for; the bytes stay exactly the objects in order, and a response held too long is not used.
 */
import { DeleteObjectCommand } from "@aws-sdk/client-s3";
import { spawn } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DataContext } from "../src/data/context.js";
import { parseLocation } from "../src/data/location.js";
import { makeFifo, pipePath, PipeChannel } from "../src/data/pipe.js";
import type { ChannelPlacement } from "../src/jobs/plan.js";
import { startS3Server, type S3Server } from "./s3-server.js";

let server: S3Server;
let root: string;
let data: DataContext;
const objects = [randomBytes(2 * 1024 * 1024 + 3), randomBytes(700 * 1024), randomBytes(9)];
const expected = createHash("sha256").update(Buffer.concat(objects)).digest("hex");

beforeAll(async () => {
  server = await startS3Server(["ahead"]);
  await server.put("ahead", { "p/a": objects[0]!, "p/b": objects[1]!, "p/c": objects[2]! });
  root = mkdtempSync(join(tmpdir(), "optml-pipe-ahead-"));
  data = new DataContext(join(root, "home"), "us-east-1", { awsEnv: server.awsEnv, cacheLimitBytes: 0 }, {});
});
afterAll(() => {
  data?.close();
  server?.stop();
  if (root) rmSync(root, { recursive: true, force: true });
});

let n = 0;
async function channel(prefix = "p"): Promise<ChannelPlacement> {
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

describe("Pipe mode read-ahead", () => {
  it("serves every object after the first from a response asked for ahead, pass after pass, byte-exact", async () => {
    const placement = await channel();
    const failures: unknown[] = [];
    const pipe = new PipeChannel(data, placement, (e) => failures.push(e));
    pipe.start();
    try {
      for (let epoch = 0; epoch < 3; epoch++) expect(await readPass(pipePath(placement, epoch))).toBe(expected);
    } finally {
      await pipe.stop();
    }
    expect(failures).toEqual([]);
    // 9 objects over 3 passes: the first asked for when the program opened pass 0, the rest ahead.
    expect(pipe.sources).toEqual({ ahead: 8, inTurn: 1 });
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
    const placement = await channel();
    const failures: unknown[] = [];
    const before = data.s3Requests.GetObjectCommand ?? 0;
    const pipe = new PipeChannel(data, placement, (e) => failures.push(e), 0);
    pipe.start();
    try {
      for (let epoch = 0; epoch < 2; epoch++) expect(await readPass(pipePath(placement, epoch))).toBe(expected);
    } finally {
      await pipe.stop();
    }
    expect(failures).toEqual([]);
    expect(pipe.sources).toEqual({ ahead: 0, inTurn: 6 });
    // Each object was asked for twice (ahead, then in turn), but the last one ahead (the third
    // pass's first), which nobody came for.
    expect((data.s3Requests.GetObjectCommand ?? 0) - before).toBe(6 + 6);
  });
});
