/**
 * Pipe mode end to end: a Python program reads FIFOs `input/data/<channel>_<epoch>` and hashes
 * what it reads; the bytes must be exactly the channel's objects in key order (Gzip objects
 * decompressed, RecordIO as is), from S3 and from a local directory, pass after pass.
 */
import { CreateTrainingJobCommand } from "@aws-sdk/client-sagemaker";
import { createHash, randomBytes } from "node:crypto";
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startHarness, type Harness } from "./harness.js";
import { scriptModeRequest } from "./requests.js";
import { startS3Server, type S3Server } from "../../../test-support/s3-server.js";
import { printed, programLines, s3Channel } from "./s3-jobs.js";

let h: Harness;
let s3: S3Server;

// Reads each channel's FIFOs for two passes; closes a third pass early; reports sizes, hashes
// and what input/data held.
const READER_PY = `
import hashlib, json, os, time
data = os.path.join(os.environ["SM_INPUT_DIR"], "data")
def read(path, limit=None):
    h = hashlib.sha256(); n = 0
    with open(path, "rb") as f:
        while True:
            c = f.read(1 << 16 if limit is None else limit - n)
            if not c: break
            h.update(c); n += len(c)
            if limit is not None and n >= limit: break
    return [n, h.hexdigest()]
def wait_for(path):
    for _ in range(500):
        if os.path.exists(path): return
        time.sleep(0.01)
out = {}
for ch in ["plain", "gz", "local"]:
    out[ch] = [read(os.path.join(data, f"{ch}_{epoch}")) for epoch in range(2)]
print("LISTING " + json.dumps(sorted(os.listdir(data))), flush=True)
print("EARLY " + json.dumps(read(os.path.join(data, "plain_2"), limit=1000)), flush=True)
wait_for(os.path.join(data, "plain_3"))
out["plain"].append(read(os.path.join(data, "plain_3")))
print("PASSES " + json.dumps(out), flush=True)
`;

const objects = [randomBytes(3 * 1024 * 1024 + 17), randomBytes(1024 * 1024), randomBytes(5)];
const digest = (parts: Buffer[]) => {
  const all = Buffer.concat(parts);
  return [all.length, createHash("sha256").update(all).digest("hex")];
};

beforeAll(async () => {
  s3 = await startS3Server(["pipes"]);
  h = await startHarness({ data: { awsEnv: s3.awsEnv } });
  // Keys chosen so that S3's order is not the order they were written in.
  await s3.put("pipes", { "plain/c": objects[2]!, "plain/a": objects[0]!, "plain/b/1": objects[1]! });
  await s3.put("pipes", { "gz/2.gz": gzipSync(objects[1]!), "gz/1.gz": gzipSync(objects[0]!) });
});
afterAll(async () => {
  await h?.close();
  s3?.stop();
});

describe("Pipe mode", () => {
  it("streams every pass byte-exact through a new FIFO per pass, from S3 (plain, RecordIO, Gzip) and file://", async () => {
    const local = h.data({ "z.bin": "last", "a.bin": "first", "m/x.bin": "middle" });
    const base = scriptModeRequest({ name: "pipe-1", codeDir: h.code({ "train.py": READER_PY }), program: "train.py", outputDir: h.output() });
    const req = {
      ...base,
      AlgorithmSpecification: { ...base.AlgorithmSpecification, TrainingInputMode: "Pipe" as const },
      InputDataConfig: [
        s3Channel("plain", "s3://pipes/plain/", { RecordWrapperType: "RecordIO" }),
        s3Channel("gz", "s3://pipes/gz/", { CompressionType: "Gzip" }),
        s3Channel("local", `file://${local}`),
      ],
    };
    await h.sagemaker.send(new CreateTrainingJobCommand(req as never));
    const d = await h.waitForEnd("pipe-1");
    expect(d.FailureReason).toBeUndefined();
    expect(d.TrainingJobStatus).toBe("Completed");
    const lines = await programLines(h, "pipe-1");
    const plain = digest([objects[0]!, objects[1]!, objects[2]!]);
    const gz = digest([objects[0]!, objects[1]!]);
    const localBytes = digest([Buffer.from("first"), Buffer.from("middle"), Buffer.from("last")]);
    expect(printed(lines, "PASSES")).toEqual({ plain: [plain, plain, plain], gz: [gz, gz], local: [localBytes, localBytes] });
    // After two passes over each: the next FIFOs wait, the finished ones are gone.
    expect(printed(lines, "LISTING")).toEqual(["gz_2", "local_2", "plain_2"]);
    expect(printed<number[]>(lines, "EARLY")[0]).toBe(1000);
  });

  it("fails the job with a ClientError when a Pipe mode source cannot be read", async () => {
    await s3.put("pipes", { "bad/not-gzip.gz": "this is not gzip" });
    const base = scriptModeRequest({ name: "pipe-bad", codeDir: h.code({ "train.py": "import os\nopen(os.path.join(os.environ['SM_INPUT_DIR'], 'data', 'bad_0'), 'rb').read()\nimport time\ntime.sleep(30)\n" }), program: "train.py", outputDir: h.output() });
    const req = { ...base, InputDataConfig: [s3Channel("bad", "s3://pipes/bad/", { InputMode: "Pipe", CompressionType: "Gzip" })] };
    await h.sagemaker.send(new CreateTrainingJobCommand(req as never));
    const d = await h.waitForEnd("pipe-bad");
    expect(d.TrainingJobStatus).toBe("Failed");
    expect(d.FailureReason).toMatch(/^ClientError: Pipe mode channel 'bad': streaming "s3:\/\/pipes\/bad\/not-gzip\.gz" failed: .*incorrect header check/);
  });
});
