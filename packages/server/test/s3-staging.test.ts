/**
 * Staging channels and uploading artifacts against an S3-compatible server on loopback (moto),
 * through the real SDK: the functions the lifecycle calls, without running jobs.
 */
import { ListMultipartUploadsCommand } from "@aws-sdk/client-s3";
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { uploadArtifacts } from "../src/data/artifacts.js";
import { clearCache } from "../src/data/cache.js";
import { stageChannel } from "../src/data/channels.js";
import { DataContext } from "../src/data/context.js";
import { DataError, describeS3Error } from "../src/data/errors.js";
import { parseLocation } from "../src/data/location.js";
import { uploadStream } from "../src/data/s3-objects.js";
import type { ChannelPlacement } from "../src/jobs/plan.js";
import { freePort, startS3Server, type S3Server } from "../../../test-support/s3-server.js";
import { tarNames } from "./tar-names.js";

let server: S3Server;
let root: string;
let data: DataContext;
let n = 0;

beforeAll(async () => {
  server = await startS3Server(["data", "out"]);
  root = mkdtempSync(join(tmpdir(), "optml-s3-staging-"));
  data = new DataContext(join(root, "home"), "us-east-1", { awsEnv: server.awsEnv }, {});
  await server.put("data", {
    "train/a.csv": "a\n",
    "train/sub/b.csv": "bb\n",
    "train/sub/deeper/c.csv": "ccc\n",
    "train/folder/": "",
    "train-extra.csv": "extra\n",
    "empty-sibling/x": "x",
    "manifests/good.json": JSON.stringify([{ prefix: "s3://data/train/" }, "sub/b.csv", "a.csv"]),
    "manifests/missing.json": JSON.stringify([{ prefix: "s3://data/train/" }, "a.csv", "nope.csv"]),
    "manifests/escape.json": JSON.stringify([{ prefix: "s3://data/train/" }, "../train-extra.csv"]),
  });
  await server.put("data", Object.fromEntries(Array.from({ length: 7 }, (_, i) => [`shards/part-${i}`, `${i}`])));
});

afterAll(() => {
  data?.close();
  server?.stop();
  if (root) rmSync(root, { recursive: true, force: true });
});

function placement(uri: string, over: Partial<ChannelPlacement> = {}): ChannelPlacement {
  return {
    channel: "train",
    source: parseLocation(uri),
    sourceUri: uri,
    inputMode: "File",
    distribution: "FullyReplicated",
    dataType: "S3Prefix",
    compression: "None",
    recordWrapper: "None",
    target: join(root, `host-${n++}`, "input", "data", "train"),
    ...over,
  };
}

/** Every file under dir, relative, with its content. */
function tree(dir: string, base = ""): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of readdirSync(join(dir, base)).sort()) {
    const rel = base ? `${base}/${name}` : name;
    if (statSync(join(dir, rel)).isDirectory()) Object.assign(out, tree(dir, rel));
    else out[rel] = readFileSync(join(dir, rel), "utf8");
  }
  return out;
}

async function failure(promise: Promise<unknown>): Promise<DataError> {
  const e = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(e).toBeInstanceOf(DataError);
  return e as DataError;
}

describe("S3Prefix in File mode", () => {
  it("downloads every object under the prefix at its path after the prefix, folder markers skipped", async () => {
    const p = placement("s3://data/train");
    const staged = await stageChannel(data, p);
    expect(tree(p.target)).toEqual({ "-extra.csv": "extra\n", "a.csv": "a\n", "sub/b.csv": "bb\n", "sub/deeper/c.csv": "ccc\n" });
    expect(staged).toMatchObject({ objects: 4, bytes: 15 });
    const slash = placement("s3://data/train/");
    await stageChannel(data, slash);
    expect(Object.keys(tree(slash.target))).toEqual(["a.csv", "sub/b.csv", "sub/deeper/c.csv"]);
  });

  it("refuses object keys that would land outside the channel directory, writing nothing", async () => {
    await server.put("data", { "escape/ok.txt": "ok", "escape/../../evil.txt": "evil" });
    const p = placement("s3://data/escape/");
    const e = await failure(stageChannel(data, p));
    expect(e.message).toBe(`Refusing "s3://data/escape/../../evil.txt": it would be written outside the channel directory (its path has a '..' component)`);
    expect(existsSync(p.target)).toBe(false);
    await server.put("data", { "absolute//etc/passwd": "root" });
    const abs = await failure(stageChannel(data, placement("s3://data/absolute/")));
    expect(abs.message).toBe(`Refusing "s3://data/absolute//etc/passwd": it would be written outside the channel directory (its path is absolute)`);
  });

  it("names a single object by its last segment", async () => {
    const p = placement("s3://data/train-extra.csv");
    await stageChannel(data, p);
    expect(tree(p.target)).toEqual({ "train-extra.csv": "extra\n" });
  });

  it("serves a rerun from the content cache: nothing is downloaded again", async () => {
    const before = data.s3Requests.GetObjectCommand ?? 0;
    const p = placement("s3://data/train/");
    const staged = await stageChannel(data, p);
    expect(staged.fromCache).toBe(3);
    expect(data.s3Requests.GetObjectCommand ?? 0).toBe(before);
    expect(tree(p.target)).toEqual({ "a.csv": "a\n", "sub/b.csv": "bb\n", "sub/deeper/c.csv": "ccc\n" });
    expect(statSync(join(p.target, "a.csv")).nlink).toBeGreaterThanOrEqual(2);
    // A changed object is downloaded again.
    await server.put("data", { "train/a.csv": "A!\n" });
    const again = placement("s3://data/train/");
    expect((await stageChannel(data, again)).fromCache).toBe(2);
    expect(readFileSync(join(again.target, "a.csv"), "utf8")).toBe("A!\n");
    await server.put("data", { "train/a.csv": "a\n" });
  });

  it("downloads again into a cache that another process cleared while this one ran", async () => {
    await stageChannel(data, placement("s3://data/train/"));
    const before = data.s3Requests.GetObjectCommand ?? 0;
    // `optml cache clear` in another process removes the cache's folders under this one.
    await clearCache(join(root, "home"), {});
    const p = placement("s3://data/train/");
    expect((await stageChannel(data, p)).fromCache).toBe(0);
    expect(data.s3Requests.GetObjectCommand).toBe(before + 3);
    expect(tree(p.target)).toEqual({ "a.csv": "a\n", "sub/b.csv": "bb\n", "sub/deeper/c.csv": "ccc\n" });
    expect((await stageChannel(data, placement("s3://data/train/"))).fromCache).toBe(3);
  });

  it("fails with SageMaker's message when the prefix holds no object", async () => {
    const e = await failure(stageChannel(data, placement("s3://data/nothing/here/")));
    expect(e.message).toBe('No S3 objects found under S3 URL "s3://data/nothing/here/"');
  });

  it("names the URI and the cause when the bucket does not exist", async () => {
    const e = await failure(stageChannel(data, placement("s3://no-such-bucket/train/")));
    expect(e.message).toBe('Cannot list S3 URL "s3://no-such-bucket/train/": NoSuchBucket: The specified bucket does not exist (HTTP 404)');
  });

  it("names the URI and the cause when the endpoint cannot be reached, after bounded retries", async () => {
    const port = await freePort();
    const unreachable = new DataContext(join(root, "home-unreachable"), "us-east-1", { awsEnv: { ...server.awsEnv, AWS_ENDPOINT_URL_S3: `http://127.0.0.1:${port}` } }, {});
    try {
      const e = await failure(stageChannel(unreachable, placement("s3://data/train/")));
      expect(e.message).toBe(`Cannot list S3 URL "s3://data/train/": connect ECONNREFUSED 127.0.0.1:${port} after 3 attempts`);
    } finally {
      unreachable.close();
    }
  });

  it("describes denied access by its code, message and status", () => {
    const denied = Object.assign(new Error("Access Denied"), { name: "AccessDenied", $metadata: { httpStatusCode: 403, attempts: 1 } });
    expect(describeS3Error(denied)).toBe("AccessDenied: Access Denied (HTTP 403)");
    const head = Object.assign(new Error("UnknownError"), { name: "Forbidden", $metadata: { httpStatusCode: 403 } });
    expect(describeS3Error(head)).toBe("Forbidden (HTTP 403)");
  });
});

describe("ShardedByS3Key", () => {
  it("gives each host a disjoint share, every object to one host, by the documented rule", async () => {
    const shares: string[][] = [];
    for (const index of [0, 1, 2]) {
      const p = placement("s3://data/shards/", { distribution: "ShardedByS3Key", shard: { index, count: 3 } });
      await stageChannel(data, p);
      shares.push(Object.keys(tree(p.target)));
    }
    expect(shares).toEqual([
      ["part-0", "part-3", "part-6"],
      ["part-1", "part-4"],
      ["part-2", "part-5"],
    ]);
  });

  it("shards a file:// channel by relative path, linking the host's files", async () => {
    const local = join(root, "local-shards");
    for (let i = 0; i < 5; i++) {
      mkdirSync(join(local, `d${i % 2}`), { recursive: true });
      writeFileSync(join(local, `d${i % 2}`, `f${i}`), `${i}`);
    }
    const p = placement(`file://${local}`, { distribution: "ShardedByS3Key", shard: { index: 1, count: 2 } });
    await stageChannel(data, p);
    // Sorted: d0/f0 d0/f2 d0/f4 d1/f1 d1/f3 -> host 1 of 2 takes positions 1 and 3.
    expect(tree(p.target)).toEqual({ "d0/f2": "2", "d1/f1": "1" });
    expect(lstatSync(join(p.target, "d0/f2")).isSymbolicLink()).toBe(true);
    expect(readlinkSync(join(p.target, "d0/f2"))).toBe(join(local, "d0/f2"));
  });
});

describe("ManifestFile", () => {
  it("downloads the listed objects at their relative keys", async () => {
    const p = placement("s3://data/manifests/good.json", { dataType: "ManifestFile" });
    expect(await stageChannel(data, p)).toMatchObject({ objects: 2 });
    expect(tree(p.target)).toEqual({ "a.csv": "a\n", "sub/b.csv": "bb\n" });
  });

  it("names a listed object that cannot be read", async () => {
    const e = await failure(stageChannel(data, placement("s3://data/manifests/missing.json", { dataType: "ManifestFile" })));
    expect(e.message).toBe('The manifest file "s3://data/manifests/missing.json" lists "s3://data/train/nope.csv", which cannot be read: NotFound (HTTP 404)');
  });

  it("refuses a key that would land outside the channel directory", async () => {
    const p = placement("s3://data/manifests/escape.json", { dataType: "ManifestFile" });
    const e = await failure(stageChannel(data, p));
    expect(e.message).toBe(`Refusing "s3://data/train/../train-extra.csv": it would be written outside the channel directory (its path has a '..' component)`);
    expect(existsSync(join(p.target, "..", "train-extra.csv"))).toBe(false);
  });

  it("takes a local manifest listing local files", async () => {
    const dir = join(root, "local-manifest");
    mkdirSync(join(dir, "files", "x"), { recursive: true });
    writeFileSync(join(dir, "files", "x", "one"), "1");
    writeFileSync(join(dir, "m.json"), JSON.stringify([{ prefix: `file://${dir}/files/` }, "x/one"]));
    const p = placement(`file://${dir}/m.json`, { dataType: "ManifestFile" });
    await stageChannel(data, p);
    expect(tree(p.target)).toEqual({ "x/one": "1" });
  });
});

describe("artifacts to S3", () => {

  it("streams model.tar.gz (multipart above one part) and output.tar.gz into S3", async () => {
    const model = join(root, "art-model");
    const outputData = join(root, "art-output");
    mkdirSync(model, { recursive: true });
    mkdirSync(outputData, { recursive: true });
    writeFileSync(join(model, "weights.bin"), Buffer.alloc(12 * 1024 * 1024, 1).map((_, i) => (i * 7919) % 251));
    writeFileSync(join(model, "config.json"), "{}");
    await uploadArtifacts(
      { modelDir: model, outputDataDir: outputData, modelUri: "s3://out/job/output/model.tar.gz", outputUri: "s3://out/job/output/output.tar.gz", compression: "GZIP" },
      data,
    );
    expect(tarNames(await server.get("out", "job/output/model.tar.gz"))).toEqual(["config.json", "weights.bin"]);
    expect(tarNames(await server.get("out", "job/output/output.tar.gz"))).toEqual([]);
  });

  it("uploads the model dir's files as they are with CompressionType NONE", async () => {
    const model = join(root, "art-none");
    mkdirSync(join(model, "sub"), { recursive: true });
    writeFileSync(join(model, "sub", "w.txt"), "w");
    await uploadArtifacts({ modelDir: model, outputDataDir: join(root, "none-out"), modelUri: "s3://out/none/output/model", outputUri: "s3://out/none/output/output.tar.gz", compression: "NONE" }, data);
    expect((await server.get("out", "none/output/model/sub/w.txt")).toString()).toBe("w");
  });

  it("aborts a multipart upload whose source fails: nothing is visible, no parts are left", async () => {
    async function* failing() {
      for (let i = 0; i < 3; i++) yield Buffer.alloc(4 * 1024 * 1024, i);
      throw new Error("the tar writer broke");
    }
    const e = await failure(uploadStream(data.s3, "out", "broken/model.tar.gz", Readable.from(failing())));
    expect(e.message).toMatch(/^Cannot upload to S3 URL "s3:\/\/out\/broken\/model\.tar\.gz": .*the tar writer broke/);
    expect(await server.keys("out", "broken/")).toEqual([]);
    const uploads = await server.s3.send(new ListMultipartUploadsCommand({ Bucket: "out" }));
    expect(uploads.Uploads ?? []).toEqual([]);
  });
});
