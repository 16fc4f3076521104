/**
 * Jobs whose S3 is on this machine's loopback (moto on 127.0.0.1:PORT), run where each host has a
 * network namespace of its own, reach it at the endpoint URL they were given, unchanged: the
 * containers of a Docker job (busybox's wget GETs an object; the hosts still reach each other by
 * name), and the hosts of a multi-host netns job (`train` downloads sourcedir.tar.gz from it, as the
 * SageMaker toolkit does, and the program reads an object with boto3). The jobs complete, and once
 * they are over no relay, forwarder, holder container or loopback dir is left.
 */
import { PutObjectCommand } from "@aws-sdk/client-s3";
import { CreateTrainingJobCommand, type CreateTrainingJobCommandInput } from "@aws-sdk/client-sagemaker";
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { processesIn } from "../../../test-support/processes.js";
import { startS3Server, type S3Server } from "../../../test-support/s3-server.js";
import { DockerExecutor } from "../src/executors/docker/index.js";
import { LoopbackServices } from "../src/executors/loopback/index.js";
import { buildBusyboxImage, dockerUnavailableReason, leftovers, removeTestImages } from "./docker-images.js";
import { startHarness, type Harness } from "./harness.js";
import { scriptModeRequest } from "./requests.js";
import { sourceArchive } from "./s3-jobs.js";

const root = process.getuid?.() === 0;
const unavailable = dockerUnavailableReason();
const BUSYBOX_IMAGE = "optml-test/busybox-train:loopback";

/** Wait for a condition that becomes true shortly after a job ends (its release, processes exiting). */
async function eventually(test: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!(await test())) {
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 100));
  }
  return true;
}

function hostLines(h: Harness, job: string, host: string): string[] {
  const store = h.server.controlPlane.store.logs;
  const stream = store.streamsOfJob(job).find((s) => s.host === host);
  return stream ? store.events(stream.id, { fromSeq: 0, toSeq: 1e9, limit: 1000 }).map((e) => e.message) : [];
}

function request(name: string, program: string, hosts: number): CreateTrainingJobCommandInput {
  const base = scriptModeRequest({ name, codeDir: "/unused", program, outputDir: "/unused" });
  return {
    ...base,
    HyperParameters: { ...base.HyperParameters, sagemaker_submit_directory: JSON.stringify(`s3://code/${name}/sourcedir.tar.gz`) },
    OutputDataConfig: { S3OutputPath: "s3://out/jobs" },
    ResourceConfig: { InstanceType: "ml.m5.large", InstanceCount: hosts, VolumeSizeInGB: 1 },
  } as CreateTrainingJobCommandInput;
}

let s3: S3Server;
beforeAll(async () => {
  if (!root && unavailable) return;
  s3 = await startS3Server(["code", "data", "out"]);
  // Public, so that a program without an SDK (busybox wget) can GET it; boto3 signs.
  await s3.s3.send(new PutObjectCommand({ Bucket: "data", Key: "hello.txt", Body: "hello from the machine's loopback", ACL: "public-read" }));
}, 60_000);
afterAll(() => s3?.stop());

describe.skipIf(unavailable !== undefined)(`loopback S3 from containers${unavailable ? ` (skipped: ${unavailable})` : ""}`, () => {
  let h: Harness;
  /** Of the harness's control plane's home: to look at what its Docker executor left. */
  let executor: DockerExecutor;
  let home: string;

  beforeAll(async () => {
    h = await startHarness({ executorMode: "docker", data: { awsEnv: s3.awsEnv } });
    home = join(h.root, "home");
    executor = new DockerExecutor({ home, gpus: false });
    await buildBusyboxImage(executor.engine, BUSYBOX_IMAGE);
  }, 180_000);
  afterAll(async () => {
    await h?.close();
    if (executor) {
      await executor.reclaim([]);
      await removeTestImages(executor.engine, [BUSYBOX_IMAGE]);
    }
  }, 60_000);

  it("the containers of a 2-host job fetch an object from S3 at 127.0.0.1, and still reach each other by name", async () => {
    // The image's `train` ignores the script-mode hyperparameters that today's validation asks for.
    const req = request("docker-s3", "unused.sh", 2);
    await h.sagemaker.send(
      new CreateTrainingJobCommand({
        ...req,
        AlgorithmSpecification: { TrainingImage: BUSYBOX_IMAGE, TrainingInputMode: "File" },
        Environment: { MODE: "s3", S3_OBJECT: "data/hello.txt" },
      }),
    );
    const d = await h.waitForEnd("docker-s3", 120_000);
    const lines = ["algo-1", "algo-2"].map((host) => hostLines(h, "docker-s3", host));
    expect(d.FailureReason, lines.flat().join("\n")).toBeUndefined();
    expect(d.TrainingJobStatus).toBe("Completed");
    expect(lines[0]).toContain(`fetched ${s3.endpoint}/data/hello.txt: hello from the machine's loopback`);
    expect(lines[1]).toContain(`fetched ${s3.endpoint}/data/hello.txt: hello from the machine's loopback`);
    expect(lines[0]).toContain("algo-1 reached algo-2: hello from algo-2");
    expect(lines[1]).toContain("algo-2 reached algo-1: hello from algo-1");
    expect(lines[0]).toContain("hostname algo-1");
    expect(await s3.keys("out", "jobs/docker-s3/output/")).toContain("jobs/docker-s3/output/model.tar.gz");
    // Nothing of the job is left: containers (holders too), network, loopback dir, processes.
    const record = h.server.controlPlane.view("docker-s3").record;
    const plan = { workDir: record.workDir } as never;
    await eventually(async () => (await leftovers(executor, plan, home)).containers === 0);
    expect(await leftovers(executor, plan, home)).toEqual({ containers: 0, networks: 0 });
    const dir = new LoopbackServices({ stateDir: join(home, "loopback") }).dirOf(record);
    expect(existsSync(dir)).toBe(false);
    expect(await eventually(() => processesIn(dir).length === 0)).toBe(true);
  }, 150_000);
});

describe.skipIf(!root)("loopback S3 from multi-host netns jobs (root)", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ capacity: 4, data: { awsEnv: s3.awsEnv } });
  });
  afterAll(async () => h?.close());

  it("every host gets its code and a channel from S3 on 127.0.0.1 and fetches an object at the same URL", async () => {
    const program = `
import os, socket, boto3
url = os.environ["AWS_ENDPOINT_URL_S3"] + "/data/hello.txt"
body = boto3.client("s3").get_object(Bucket="data", Key="hello.txt")["Body"].read().decode()
print("fetched %s: 200 %s on %s" % (url, body, socket.gethostname()), flush=True)
print("channel train", sorted(os.listdir(os.environ["SM_CHANNEL_TRAIN"])), flush=True)
open(os.path.join(os.environ["SM_MODEL_DIR"], os.environ["SM_CURRENT_HOST"] + ".txt"), "w").write("ok")
`;
    await s3.put("code", { "netns-s3/sourcedir.tar.gz": await sourceArchive({ "train.py": program }) });
    // A channel from the same S3 (the control plane stages it), beside the code the runner fetches.
    const job = request("netns-s3", "train.py", 2);
    job.InputDataConfig = [
      { ChannelName: "train", DataSource: { S3DataSource: { S3DataType: "S3Prefix", S3Uri: "s3://data/", S3DataDistributionType: "FullyReplicated" } } },
    ];
    await h.sagemaker.send(new CreateTrainingJobCommand(job));
    const d = await h.waitForEnd("netns-s3", 120_000);
    const lines = ["algo-1", "algo-2"].map((host) => hostLines(h, "netns-s3", host));
    expect(d.FailureReason, lines.flat().join("\n")).toBeUndefined();
    expect(d.TrainingJobStatus).toBe("Completed");
    for (const [i, host] of ["algo-1", "algo-2"].entries()) {
      expect(lines[i]).toContain(`fetched ${s3.endpoint}/data/hello.txt: 200 hello from the machine's loopback on ${host}`);
      expect(lines[i]).toContain("channel train ['hello.txt']");
    }
    const record = h.server.controlPlane.view("netns-s3").record;
    const dir = new LoopbackServices({ stateDir: join(h.root, "home", "loopback") }).dirOf(record);
    expect(await eventually(() => !existsSync(dir))).toBe(true);
    expect(await eventually(() => processesIn(dir).length === 0)).toBe(true);
  }, 150_000);
});
