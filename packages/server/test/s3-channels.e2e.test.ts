/**
 * Jobs whose data is in S3, end to end through the real SDKs: an S3-compatible server on loopback
 * (moto), the control plane given its configuration, and real Python programs run by the runner,
 * with code from S3 (sourcedir.tar.gz), every channel type and mode in File form, artifacts
 * uploaded to S3, a rerun served from the content cache, and the bad-input failures.
 */
import { CreateTrainingJobCommand } from "@aws-sdk/client-sagemaker";
import { gunzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CreateTrainingJobRequest } from "../src/sagemaker/request.js";
import { startHarness, type Harness } from "./harness.js";
import { scriptModeRequest } from "./requests.js";
import { freePort, startS3Server, type S3Server } from "../../../test-support/s3-server.js";
import { logLines, printed, programLines, s3Channel, sourceArchive } from "./s3-jobs.js";

let h: Harness;
let s3: S3Server;

const TRAIN_PY = `
import json, os
import helper
out = {}
for ch in json.loads(os.environ["SM_CHANNELS"]):
    d = os.environ["SM_CHANNEL_" + ch.upper()]
    files = {}
    for root, _, names in os.walk(d):
        for n in names:
            p = os.path.join(root, n)
            files[os.path.relpath(p, d)] = open(p).read()
    out[ch] = files
print("CHANNELS " + json.dumps(out, sort_keys=True), flush=True)
open(os.path.join(os.environ["SM_MODEL_DIR"], "model.txt"), "w").write(helper.NAME)
open(os.path.join(os.environ["SM_OUTPUT_DATA_DIR"], "report.txt"), "w").write("ok")
`;

beforeAll(async () => {
  s3 = await startS3Server(["code", "data", "out"]);
  h = await startHarness({ data: { awsEnv: s3.awsEnv, syncIntervalMs: 200 } });
  await s3.put("code", { "job/source/sourcedir.tar.gz": await sourceArchive({ "train.py": TRAIN_PY, "helper.py": "NAME = 'code from s3'\n" }) });
  await s3.put("data", {
    "train/a.csv": "1,2\n",
    "train/part/b.csv": "3,4\n",
    "val/v.csv": "5,6\n",
    "lists/m.json": JSON.stringify([{ prefix: "s3://data/train/" }, "part/b.csv"]),
  });
});
afterAll(async () => {
  await h?.close();
  s3?.stop();
});

function request(name: string, channels: CreateTrainingJobRequest["InputDataConfig"]): CreateTrainingJobRequest {
  const base = scriptModeRequest({ name, codeDir: "/unused", program: "train.py", outputDir: "/unused" });
  return {
    ...base,
    HyperParameters: { ...base.HyperParameters, sagemaker_submit_directory: JSON.stringify("s3://code/job/source/sourcedir.tar.gz") },
    InputDataConfig: channels,
    OutputDataConfig: { S3OutputPath: "s3://out/jobs" },
  };
}

const CHANNELS = [
  s3Channel("prefix", "s3://data/train/"),
  s3Channel("fast", "s3://data/val", { InputMode: "FastFile" }),
  s3Channel("manifest", "s3://data/lists/m.json", { dataType: "ManifestFile" }),
  s3Channel("sharded", "s3://data/train/", { distribution: "ShardedByS3Key" }),
];

const EXPECTED = {
  fast: { "v.csv": "5,6\n" },
  manifest: { "part/b.csv": "3,4\n" },
  prefix: { "a.csv": "1,2\n", "part/b.csv": "3,4\n" },
  sharded: { "a.csv": "1,2\n", "part/b.csv": "3,4\n" },
};

describe("a job whose code, data and output are in S3", () => {
  let firstGets = 0;

  it("runs code from sourcedir.tar.gz with every channel type and mode staged as files, and uploads its artifacts to S3", async () => {
    await h.sagemaker.send(new CreateTrainingJobCommand(request("s3-job-1", CHANNELS) as never));
    const d = await h.waitForEnd("s3-job-1");
    expect(d.FailureReason).toBeUndefined();
    expect(d.TrainingJobStatus).toBe("Completed");
    expect(printed(await programLines(h, "s3-job-1"), "CHANNELS")).toEqual(EXPECTED);
    // The runner fetched the code with the AWS SDK, whose Node warnings stay out of the job's log.
    const log = await logLines(h, "s3-job-1");
    expect(log).toContain("[optml-train] downloading s3://code/job/source/sourcedir.tar.gz");
    expect(log.filter((l) => /Warning|^\(node:\d+\)/.test(l))).toEqual([]);
    expect(d.ModelArtifacts?.S3ModelArtifacts).toBe("s3://out/jobs/s3-job-1/output/model.tar.gz");
    expect(gunzipSync(await s3.get("out", "jobs/s3-job-1/output/model.tar.gz")).toString("latin1")).toContain("code from s3");
    expect(gunzipSync(await s3.get("out", "jobs/s3-job-1/output/output.tar.gz")).toString("latin1")).toContain("report.txt");
    firstGets = h.server.controlPlane.data.s3Requests.GetObjectCommand ?? 0;
    expect(firstGets).toBeGreaterThanOrEqual(4);
  });

  it("downloads nothing when it runs again with the same objects: the content cache serves them", async () => {
    expect(firstGets).toBeGreaterThan(0);
    const hits = h.server.controlPlane.data.cache.stats.hits;
    await h.sagemaker.send(new CreateTrainingJobCommand(request("s3-job-2", CHANNELS) as never));
    const d = await h.waitForEnd("s3-job-2");
    expect(d.TrainingJobStatus).toBe("Completed");
    expect(printed(await programLines(h, "s3-job-2"), "CHANNELS")).toEqual(EXPECTED);
    // Only the manifest itself is read again (it says which objects the channel has).
    expect(h.server.controlPlane.data.s3Requests.GetObjectCommand).toBe(firstGets + 1);
    expect(h.server.controlPlane.data.cache.stats.hits - hits).toBe(6);
  });
});

describe("bad input", () => {
  async function failed(name: string, channels: CreateTrainingJobRequest["InputDataConfig"], harness = h) {
    await harness.sagemaker.send(new CreateTrainingJobCommand(request(name, channels) as never));
    const d = await harness.waitForEnd(name);
    expect(d.TrainingJobStatus).toBe("Failed");
    expect(d.SecondaryStatusTransitions!.map((t) => t.Status)).toEqual(["Starting", "Downloading", "Failed"]);
    return d.FailureReason;
  }

  it("fails in Downloading with SageMaker's message for a prefix without objects", async () => {
    expect(await failed("s3-empty", [s3Channel("train", "s3://data/nothing/")])).toBe('ClientError: No S3 objects found under S3 URL "s3://data/nothing/"');
  });

  it("names the URI and the cause for a bucket that does not exist", async () => {
    expect(await failed("s3-no-bucket", [s3Channel("train", "s3://missing-bucket/train/")])).toBe(
      'ClientError: Cannot list S3 URL "s3://missing-bucket/train/": NoSuchBucket: The specified bucket does not exist (HTTP 404)',
    );
  });

  it("refuses an object key that would land outside the channel directory", async () => {
    await s3.put("data", { "evil/../../../etc/x": "x" });
    expect(await failed("s3-escape", [s3Channel("train", "s3://data/evil/")])).toBe(
      `ClientError: Refusing "s3://data/evil/../../../etc/x": it would be written outside the channel directory (its path has a '..' component)`,
    );
  });

  it("names the URI and the cause when the S3 endpoint cannot be reached, after bounded retries", async () => {
    const port = await freePort();
    const unreachable = await startHarness({ data: { awsEnv: { ...s3.awsEnv, AWS_ENDPOINT_URL_S3: `http://127.0.0.1:${port}` } } });
    try {
      expect(await failed("s3-unreachable", [s3Channel("train", "s3://data/train/")], unreachable)).toBe(
        `ClientError: Cannot list S3 URL "s3://data/train/": connect ECONNREFUSED 127.0.0.1:${port} after 3 attempts`,
      );
    } finally {
      await unreachable.close();
    }
  });
});
