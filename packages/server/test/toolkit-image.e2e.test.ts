/**
 * Opt-in: script-mode jobs in an image with SageMaker's own training toolkit (sagemaker-training,
 * built from its sources with scripts/build-toolkit-image.sh; not in this machine's package index,
 * so CI cannot build it), run by the container executor through the API: local code (a file://
 * directory, which the toolkit finds at /opt/ml/code), file:// and S3 channels with the code on S3
 * (moto on 127.0.0.1, which the toolkit's boto3 reaches from the container), 2 hosts, a failing
 * script, and a stop. CI checks what every container receives with images built from the repo
 * (docker-code.e2e.test.ts).
 *
 * Run: sh scripts/build-toolkit-image.sh TOOLKIT_SRC INOTIFY_SIMPLE_SRC, then
 *   OPTML_TEST_TOOLKIT_IMAGE=1 npx vitest run packages/server/test/toolkit-image.e2e.test.ts
 * (or OPTML_TEST_TOOLKIT_IMAGE=<tag> for an image of another tag).
 */
import { CreateTrainingJobCommand, StopTrainingJobCommand, type CreateTrainingJobCommandInput } from "@aws-sdk/client-sagemaker";
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { pythonScaffoldFiles } from "../../cli/src/init-templates.js";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startS3Server, type S3Server } from "../../../test-support/s3-server.js";
import { DockerExecutor } from "../src/executors/docker/index.js";
import { dockerUnavailableReason, imageRequest } from "./docker-images.js";
import { startHarness, type Harness } from "./harness.js";
import { sourceArchive } from "./s3-jobs.js";

const wanted = process.env.OPTML_TEST_TOOLKIT_IMAGE;
const TOOLKIT_IMAGE = !wanted || wanted === "1" ? "optml-test/sagemaker-toolkit:local" : wanted;
const HOW =
  `OPTML_TEST_TOOLKIT_IMAGE needs the image ${TOOLKIT_IMAGE}: fetch github.com/aws/sagemaker-training-toolkit and ` +
  "github.com/chrisjbillington/inotify_simple (tag 1.2.1), then run `sh scripts/build-toolkit-image.sh TOOLKIT_SRC INOTIFY_SIMPLE_SRC` as root (see README, Development)";

// A script-mode program as the SDK's users write them: argparse of the hyperparameters, SM_* variables.
const TRAIN_PY = `
import argparse, json, os, socket, sys, time
print("first line from", socket.gethostname(), flush=True)
p = argparse.ArgumentParser()
p.add_argument("--epochs", type=int)
p.add_argument("--mode", default="ok")
args, _ = p.parse_known_args()
print("epochs", args.epochs, "mode", args.mode)
for k in ["SM_CURRENT_HOST", "SM_HOSTS", "SM_MODULE_DIR", "SM_CHANNELS", "SM_NUM_GPUS"]:
    print(k, os.environ.get(k))
for ch in json.loads(os.environ["SM_CHANNELS"]):
    d = os.environ["SM_CHANNEL_" + ch.upper()]
    print("channel", ch, sorted(os.listdir(d)), [open(os.path.join(d, f)).read().strip() for f in sorted(os.listdir(d))])
if args.mode == "fail":
    raise ValueError("the script failed on purpose")
if args.mode == "stop":
    print("waiting to be stopped", flush=True)
    time.sleep(600)
with open(os.path.join(os.environ["SM_MODEL_DIR"], "model-%s.txt" % os.environ["SM_CURRENT_HOST"]), "w") as f:
    f.write("trained")
print("done", flush=True)
`;

let s3: S3Server | undefined;
let h: Harness;
let home: string;

function logOf(name: string, host = "algo-1"): string {
  return h.hostLog(name, host).join("\n");
}

function job(name: string, o: { submit: string; program?: string; hosts?: number; mode?: string; channels?: { name: string; uri: string }[]; output?: string }) {
  const req = imageRequest(name, TOOLKIT_IMAGE, {
    hosts: o.hosts ?? 1,
    hyperparameters: { sagemaker_program: JSON.stringify(o.program ?? "train.py"), sagemaker_submit_directory: JSON.stringify(o.submit), epochs: "3", mode: JSON.stringify(o.mode ?? "ok") },
  });
  return new CreateTrainingJobCommand({
    ...req,
    OutputDataConfig: { S3OutputPath: o.output ?? `file://${h.output()}` },
    ...(o.channels ? { InputDataConfig: o.channels.map((c) => ({ ChannelName: c.name, DataSource: { S3DataSource: { S3DataType: "S3Prefix", S3Uri: c.uri, S3DataDistributionType: "FullyReplicated" } } })) } : {}),
  } as CreateTrainingJobCommandInput);
}

const unavailable = wanted ? dockerUnavailableReason() : "set OPTML_TEST_TOOLKIT_IMAGE=1 to run them";

describe.skipIf(unavailable !== undefined)(`SageMaker's training toolkit in a container${unavailable ? ` (skipped: ${unavailable})` : ""}`, () => {
  beforeAll(async () => {
    s3 = await startS3Server(["code", "data", "out"]);
    h = await startHarness({ executorMode: "docker", stopGraceSeconds: 3, data: { awsEnv: s3.awsEnv } });
    home = join(h.root, "home");
    if (!(await new DockerExecutor({ home, gpus: false }).hasImage(TOOLKIT_IMAGE))) throw new Error(HOW);
  }, 120_000);
  afterAll(async () => {
    await h?.close();
    await new DockerExecutor({ home, gpus: false }).reclaim([]);
    s3?.stop();
  }, 60_000);

  it("local code: the toolkit runs train.py from /opt/ml/code, with the hyperparameters as arguments; the model is uploaded", async () => {
    const out = h.output();
    await h.sagemaker.send(job("tk-local", { submit: `file://${h.code({ "train.py": TRAIN_PY })}`, output: `file://${out}` }));
    const d = await h.waitForEnd("tk-local", 180_000);
    const log = logOf("tk-local");
    expect(d.TrainingJobStatus, `${d.FailureReason}\n${log}`).toBe("Completed");
    expect(log).toContain("first line from algo-1");
    expect(log).toContain("epochs 3 mode ok");
    expect(log).toContain("SM_MODULE_DIR /opt/ml/code");
    expect(log).toContain('SM_HOSTS ["algo-1"]');
    expect(log).toContain("done");
    expect(existsSync(join(out, "tk-local/output/model.tar.gz"))).toBe(true);
  }, 240_000);

  it("code and a channel on S3 at 127.0.0.1 (the toolkit downloads the code itself), and a file:// channel", async () => {
    await s3!.put("code", { "tk-s3/sourcedir.tar.gz": await sourceArchive({ "train.py": TRAIN_PY }) });
    await s3!.put("data", { "tk/a.txt": "from s3" });
    const files = h.data({ "b.txt": "from file" });
    await h.sagemaker.send(
      job("tk-s3", {
        submit: "s3://code/tk-s3/sourcedir.tar.gz",
        output: "s3://out/jobs",
        channels: [
          { name: "s3data", uri: "s3://data/tk/" },
          { name: "local", uri: `file://${files}` },
        ],
      }),
    );
    const d = await h.waitForEnd("tk-s3", 180_000);
    const log = logOf("tk-s3");
    expect(d.TrainingJobStatus, `${d.FailureReason}\n${log}`).toBe("Completed");
    expect(log).toContain("channel s3data ['a.txt'] ['from s3']");
    expect(log).toContain("channel local ['b.txt'] ['from file']");
    expect(await s3!.keys("out", "jobs/tk-s3/output/")).toContain("jobs/tk-s3/output/model.tar.gz");
  }, 240_000);

  it("a shell-script entry point: the toolkit chmods it, which a read-only /opt/ml/code refuses; sent as a .tar.gz it runs", async () => {
    const dir = h.code({ "run.sh": "#!/bin/sh\necho shell entry point ran with $*\n" });
    await h.sagemaker.send(job("tk-sh-dir", { submit: `file://${dir}`, program: "run.sh" }));
    const refused = await h.waitForEnd("tk-sh-dir", 180_000);
    expect(refused.TrainingJobStatus).toBe("Failed");
    expect(refused.FailureReason).toContain("Read-only file system: '/opt/ml/code/run.sh'");
    const archive = join(h.code({}), "sourcedir.tar.gz");
    execFileSync("tar", ["-czf", archive, "-C", dir, "run.sh"]);
    await h.sagemaker.send(job("tk-sh-tgz", { submit: `file://${archive}`, program: "run.sh" }));
    const d = await h.waitForEnd("tk-sh-tgz", 180_000);
    expect(d.TrainingJobStatus, `${d.FailureReason}\n${logOf("tk-sh-tgz")}`).toBe("Completed");
    expect(logOf("tk-sh-tgz")).toContain("shell entry point ran with --epochs 3 --mode ok");
  }, 300_000);

  it("2 hosts: each runs the script with its own SM_CURRENT_HOST, the toolkit having resolved its peer", async () => {
    await h.sagemaker.send(job("tk-two", { submit: h.code({ "train.py": TRAIN_PY }), hosts: 2 }));
    const d = await h.waitForEnd("tk-two", 240_000);
    expect(d.TrainingJobStatus, `${d.FailureReason}\n${logOf("tk-two")}\n${logOf("tk-two", "algo-2")}`).toBe("Completed");
    for (const host of ["algo-1", "algo-2"]) {
      const log = logOf("tk-two", host);
      expect(log).toContain(`first line from ${host}`);
      expect(log).toContain(`SM_CURRENT_HOST ${host}`);
      expect(log).toContain('SM_HOSTS ["algo-1","algo-2"]');
    }
  }, 300_000);

  it("a failing script fails the job with the toolkit's failure file (AlgorithmError: ExecuteUserScriptError)", async () => {
    await h.sagemaker.send(job("tk-fail", { submit: h.code({ "train.py": TRAIN_PY }), mode: "fail" }));
    const d = await h.waitForEnd("tk-fail", 180_000);
    expect(d.TrainingJobStatus).toBe("Failed");
    // The toolkit's words (it captures no stderr into them unless its caller asks); the traceback is in the log.
    expect(d.FailureReason).toMatch(/^AlgorithmError: ExecuteUserScriptError:\n/);
    expect(d.FailureReason).toContain('Command "/usr/bin/python3 train.py --epochs 3 --mode fail"');
    expect(logOf("tk-fail")).toContain("ValueError: the script failed on purpose");
  }, 240_000);

  it("StopTrainingJob stops a running toolkit job: Stopped", async () => {
    await h.sagemaker.send(job("tk-stop", { submit: h.code({ "train.py": TRAIN_PY }), mode: "stop" }));
    const deadline = Date.now() + 120_000;
    while (!logOf("tk-stop").includes("waiting to be stopped")) {
      if (Date.now() > deadline) throw new Error(`tk-stop never started:\n${logOf("tk-stop")}`);
      await new Promise((r) => setTimeout(r, 200));
    }
    await h.sagemaker.send(new StopTrainingJobCommand({ TrainingJobName: "tk-stop" }));
    const d = await h.waitForEnd("tk-stop", 60_000);
    expect(d.TrainingJobStatus).toBe("Stopped");
  }, 240_000);

  it("the program `optml init --image toolkit|byoc` writes trains under the toolkit's train and as a bare BYOC entry point", async () => {
    const dir = h.code({});
    for (const [file, text] of Object.entries(pythonScaffoldFiles({ name: "tk-init" }, "toolkit"))) {
      mkdirSync(dirname(join(dir, file)), { recursive: true });
      writeFileSync(join(dir, file), text);
    }
    const request = (name: string, entrypoint?: string[]) => {
      const req = imageRequest(name, TOOLKIT_IMAGE, {
        hyperparameters: { epochs: "100", "learning-rate": "0.1", sagemaker_program: '"train.py"', sagemaker_submit_directory: JSON.stringify(`file://${dir}/src`) },
        ...(entrypoint ? { entrypoint } : {}),
      });
      const train = { ChannelName: "train", DataSource: { S3DataSource: { S3DataType: "S3Prefix", S3Uri: `file://${dir}/data/train`, S3DataDistributionType: "FullyReplicated" } } };
      return new CreateTrainingJobCommand({ ...req, OutputDataConfig: { S3OutputPath: `file://${h.output()}` }, InputDataConfig: [train] } as CreateTrainingJobCommandInput);
    };
    // The toolkit's `train`; then the BYOC `train` (`exec python3 /opt/ml/code/train.py`) in its place.
    for (const [name, entrypoint] of [["tk-init", undefined], ["tk-init-byoc", ["python3", "/opt/ml/code/train.py"]]] as const) {
      await h.sagemaker.send(request(name, entrypoint ? [...entrypoint] : undefined));
      const d = await h.waitForEnd(name, 180_000);
      const log = logOf(name);
      expect(d.TrainingJobStatus, `${d.FailureReason}\n${log}`).toBe("Completed");
      expect(log).toContain(`job ${name}: 40 rows, 100 epochs, learning rate 0.1`);
      const fitted = /model y = ([\d.]+) \* x \+ ([\d.]+) saved to \/opt\/ml\/model\/model.json/.exec(log)!;
      expect(Number(fitted[1])).toBeCloseTo(3, 0);
      expect(Number(fitted[2])).toBeCloseTo(2, 0);
    }
  }, 300_000);
});
