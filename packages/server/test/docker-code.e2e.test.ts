/**
 * What every container receives of a job's local code, through the API on a control plane whose
 * executor is the container executor, with images built from the repo for the three patterns: a
 * runner image (`train` = @optml/runner), a toolkit-like image (`train` takes the code as SageMaker's
 * training toolkit does: a directory where it is, an archive extracted into /opt/ml/code, and a
 * file:// URI not at all) and a BYOC image (a bare `train` running /opt/ml/code/run.sh). The same
 * request runs on each: the code directory is mounted read-only at /opt/ml/code on every host and
 * the hyperparameters there say "/opt/ml/code" (as SageMaker SDK local mode passes them), while
 * DescribeTrainingJob says what was sent; a .tar.gz is mounted and passed as a path. GPUs asked for
 * under enforce that the engine cannot give fail the job at start, naming what is missing.
 *
 * The same jobs against SageMaker's real toolkit: toolkit-image.e2e.test.ts (opt-in).
 */
import { CreateTrainingJobCommand, type CreateTrainingJobCommandInput } from "@aws-sdk/client-sagemaker";
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DockerExecutor } from "../src/executors/docker/index.js";
import { machineGpus } from "../src/executors/gpus.js";
import { BYOC_IMAGE, buildCodeImage, buildNodeImage, dockerUnavailableReason, imageRequest, removeTestImages, TOOLKIT_LIKE_IMAGE } from "./docker-images.js";
import { startHarness, type Harness } from "./harness.js";

const unavailable = dockerUnavailableReason();
const RUNNER_IMAGE = "optml-test/node-runner:code";
let h: Harness;
let executor: DockerExecutor;

/** The program of the busybox images: what the container received. */
const PROBE_SH = `
sleep 1
echo "host $(hostname) job $TRAINING_JOB_NAME"
echo "hyperparameters $(cat /opt/ml/input/config/hyperparameters.json)"
echo "code mount $(grep ' /opt/ml/code ' /proc/mounts | sed 's/^[^ ]* \\([^ ]*\\) [^ ]* \\([^,]*\\).*/\\1 \\2/')"
echo "code files $(ls /opt/ml/code | tr '\\n' ' ')"
if touch /opt/ml/code/probe 2>/dev/null; then echo "code writable"; else echo "code read-only"; fi
`;

/** The same for the runner image (a Node program). */
const PROBE_MJS = `
import { readFileSync, readdirSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
console.log(\`host \${hostname()} job \${process.env.TRAINING_JOB_NAME}\`);
console.log(\`hyperparameters \${readFileSync("/opt/ml/input/config/hyperparameters.json", "utf8")}\`);
const m = readFileSync("/proc/mounts", "utf8").split("\\n").map((l) => l.split(" ")).find((f) => f[1] === "/opt/ml/code");
console.log(\`code mount \${m ? \`\${m[1]} \${m[3].split(",")[0]}\` : ""}\`);
console.log(\`code files \${readdirSync("/opt/ml/code").join(" ")} \`);
try { writeFileSync("/opt/ml/code/probe", ""); console.log("code writable"); } catch { console.log("code read-only"); }
console.log(\`SM_MODULE_DIR \${process.env.SM_MODULE_DIR}\`);
// Each host's runner waits until its peers resolve: stay up a little, as a training program would.
await new Promise((r) => setTimeout(r, 4000));
`;

function logOf(name: string, host = "algo-1"): string {
  return h.hostLog(name, host).join("\n");
}

function job(name: string, image: string, o: { submit: string; program: string; hosts?: number; instanceType?: string; tags?: { Key: string; Value: string }[] }) {
  const req = imageRequest(name, image, {
    // The runner image names its own program (ENV SAGEMAKER_PROGRAM), which the job's environment overrides.
    environment: { SAGEMAKER_PROGRAM: o.program },
    hosts: o.hosts ?? 1,
    ...(o.instanceType ? { instanceType: o.instanceType } : {}),
    hyperparameters: { sagemaker_program: JSON.stringify(o.program), sagemaker_submit_directory: JSON.stringify(o.submit), epochs: "2" },
  });
  return new CreateTrainingJobCommand({ ...req, ...(o.tags ? { Tags: o.tags } : {}) } as CreateTrainingJobCommandInput);
}

describe.skipIf(unavailable !== undefined)(`local code in containers${unavailable ? ` (skipped: ${unavailable})` : ""}`, () => {
  beforeAll(async () => {
    // The control plane's own executors, Docker forced (as `optml serve --executor docker`); its
    // Docker executor asks the engine (GET /info) how it gives GPUs.
    h = await startHarness({ executorMode: "docker", stopGraceSeconds: 2 });
    executor = new DockerExecutor({ home: join(h.root, "home") });
    await buildNodeImage(executor.engine, RUNNER_IMAGE);
    await buildCodeImage(executor.engine, "toolkit-like", TOOLKIT_LIKE_IMAGE);
    await buildCodeImage(executor.engine, "byoc", BYOC_IMAGE);
  }, 240_000);
  afterAll(async () => {
    await h?.close();
    if (executor) {
      await executor.reclaim([]);
      await removeTestImages(executor.engine, [RUNNER_IMAGE, TOOLKIT_LIKE_IMAGE, BYOC_IMAGE]);
    }
  }, 60_000);

  const patterns = [
    { pattern: "runner", image: RUNNER_IMAGE, program: "train.mjs", files: { "train.mjs": PROBE_MJS } },
    // A shell script the runner cannot make executable in the read-only dir: run through its #! line.
    { pattern: "runner-sh", image: RUNNER_IMAGE, program: "run.sh", files: { "run.sh": `#!/bin/sh\n${PROBE_SH}\nsleep 3\n` } },
    { pattern: "toolkit-like", image: TOOLKIT_LIKE_IMAGE, program: "run.sh", files: { "run.sh": PROBE_SH } },
    { pattern: "byoc", image: BYOC_IMAGE, program: "run.sh", files: { "run.sh": PROBE_SH } },
  ] as const;

  for (const p of patterns) {
    it(`${p.pattern}: a file:// code directory is at /opt/ml/code (read-only) on both hosts, and the hyperparameters there say "/opt/ml/code"`, async () => {
      const name = `code-${p.pattern}`;
      const dir = h.code(p.files);
      await h.sagemaker.send(job(name, p.image, { submit: `file://${dir}`, program: p.program, hosts: 2 }));
      const d = await h.waitForEnd(name, 120_000);
      expect(d.TrainingJobStatus, `${d.FailureReason}\n${logOf(name)}`).toBe("Completed");
      // What the API describes is what was sent.
      expect(d.HyperParameters?.sagemaker_submit_directory).toBe(JSON.stringify(`file://${dir}`));
      for (const host of ["algo-1", "algo-2"]) {
        const log = logOf(name, host);
        expect(log).toContain(`host ${host} job ${name}`);
        expect(log).toContain(`hyperparameters {"sagemaker_program":${JSON.stringify(JSON.stringify(p.program))},"sagemaker_submit_directory":"\\"/opt/ml/code\\"","epochs":"2"}`);
        expect(log).toContain("code mount /opt/ml/code ro");
        expect(log).toContain("code read-only");
        expect(log).toContain(`code files ${p.program} `);
      }
      if (p.pattern === "runner") expect(logOf(name)).toContain("SM_MODULE_DIR /opt/ml/code");
      if (p.pattern === "runner-sh") expect(logOf(name)).toContain("[optml-train] /bin/sh -c 'exec /bin/sh ./run.sh --epochs 2'");
      if (p.pattern === "toolkit-like") expect(logOf(name)).toContain(`toolkit-like: submit directory [/opt/ml/code] program [${p.program}]`);
      if (p.pattern === "byoc") expect(logOf(name)).toContain("byoc: running /opt/ml/code/run.sh");
    }, 150_000);
  }

  // (The runner's own archive support needs its dependencies, which the test image's copy of the runner lacks.)
  it("a .tar.gz is mounted and passed as a path: the toolkit-like image unpacks it into /opt/ml/code", async () => {
    for (const p of patterns.filter((x) => x.pattern === "toolkit-like")) {
      const dir = h.code(p.files);
      const archive = join(h.code({}), "sourcedir.tar.gz");
      execFileSync("tar", ["-czf", archive, "-C", dir, p.program]);
      const name = `code-tgz-${p.pattern}`;
      await h.sagemaker.send(job(name, p.image, { submit: archive, program: p.program }));
      const d = await h.waitForEnd(name, 120_000);
      expect(d.TrainingJobStatus, `${d.FailureReason}\n${logOf(name)}`).toBe("Completed");
      const log = logOf(name);
      expect(log).toContain('"sagemaker_submit_directory":"\\"/opt/optml/code/sourcedir.tar.gz\\""');
      // Unpacked into the host's own /opt/ml/code, which is not a mount and can be written.
      expect(log).toContain("code mount \n");
      expect(log).toContain("code writable");
      expect(log).toContain(`code files ${p.program} `);
    }
  }, 240_000);

  it("GPUs asked for under enforce that the engine cannot give: the job fails at start, naming what is missing", async (ctx) => {
    const gpus = await executor.engineGpus();
    if ("driver" in gpus && machineGpus().length > 0) ctx.skip(); // this engine gives GPUs: nothing to refuse
    const dir = h.code({ "run.sh": PROBE_SH });
    const name = "code-gpu-enforce";
    await h.sagemaker.send(
      job(name, BYOC_IMAGE, { submit: dir, program: "run.sh", instanceType: "ml.g4dn.xlarge", tags: [{ Key: "optml:instance-resources", Value: "enforce" }] }),
    );
    const d = await h.waitForEnd(name, 60_000);
    expect(d.TrainingJobStatus).toBe("Failed");
    expect(d.FailureReason).toMatch(/^CapacityError: Unable to provision requested ML compute capacity\. /);
    expect(d.FailureReason).toContain("ml.g4dn.xlarge has 1 GPU, and algo-1's container cannot get them: ");
    if ("missing" in gpus) expect(d.FailureReason).toContain(`the Docker engine at ${executor.socketPath} has no nvidia runtime`);
    else expect(d.FailureReason).toContain("this machine lists no GPUs");
    // Nothing ran, and nothing is left.
    expect(logOf(name)).toBe("");
    const left = (await executor.engine.call("GET", "/containers/json", { query: { all: 1, filters: JSON.stringify({ label: ["optml.job-name=code-gpu-enforce"] }) } })) as unknown[];
    expect(left).toEqual([]);
  }, 90_000);
});

describe.skipIf(unavailable !== undefined)(`GPUs a container is given${unavailable ? ` (skipped: ${unavailable})` : ""}`, () => {
  let g: Harness;
  let engineGives = false;
  beforeAll(async () => {
    // A machine with two GPUs as the control plane sees them (nvidia-smi's indexes): the scheduler assigns them.
    g = await startHarness({ executorMode: "docker", stopGraceSeconds: 2, gpus: ["0", "1"] });
    const own = new DockerExecutor({ home: join(g.root, "home") });
    engineGives = "driver" in (await own.engineGpus());
    await buildNodeImage(own.engine, RUNNER_IMAGE);
  }, 240_000);
  afterAll(async () => {
    await g?.close();
    const own = new DockerExecutor({ home: join(g.root, "home") });
    await own.reclaim([]);
    await removeTestImages(own.engine, [RUNNER_IMAGE]);
  }, 60_000);

  it("SM_NUM_GPUS and CUDA_VISIBLE_DEVICES inside say what the container was given; under enforce an engine that gives none fails the job naming it", async (ctx) => {
    if (engineGives) ctx.skip(); // an engine with the nvidia runtime or CDI: the GPUs would be real
    const program = 'console.log(`SM_NUM_GPUS ${process.env.SM_NUM_GPUS} CUDA_VISIBLE_DEVICES [${process.env.CUDA_VISIBLE_DEVICES}]`);';
    const dir = g.code({ "train.mjs": program });
    const request = (name: string, tags?: { Key: string; Value: string }[]) => {
      const req = imageRequest(name, RUNNER_IMAGE, {
        instanceType: "ml.g4dn.xlarge",
        environment: { SAGEMAKER_PROGRAM: "train.mjs" },
        hyperparameters: { sagemaker_program: '"train.mjs"', sagemaker_submit_directory: JSON.stringify(`file://${dir}`) },
      });
      return new CreateTrainingJobCommand({ ...req, ...(tags ? { Tags: tags } : {}) } as CreateTrainingJobCommandInput);
    };
    // Assigned a GPU by the scheduler, given none by this engine: the container says 0.
    await g.sagemaker.send(request("gpu-none-given"));
    const d = await g.waitForEnd("gpu-none-given", 120_000);
    const s = g.server.controlPlane.store.logs.streamsOfJob("gpu-none-given")[0]!;
    const log = g.server.controlPlane.store.logs.events(s.id, { fromSeq: 0, toSeq: 1e9, limit: 1000 }).map((e) => e.message);
    expect(d.TrainingJobStatus, log.join("\n")).toBe("Completed");
    expect(log).toContain("SM_NUM_GPUS 0 CUDA_VISIBLE_DEVICES []");
    const wire = await g.describedOnTheWire("gpu-none-given");
    expect(wire.OptmlWarnings).toContainEqual(expect.stringMatching(/^the job's containers get none of this machine's GPUs \(SM_NUM_GPUS 0\): the Docker engine at \S+ has no nvidia runtime/));
    // Under enforce: a CapacityError naming the engine (this machine lists GPUs, so only the engine is missing).
    await g.sagemaker.send(request("gpu-enforce-engine", [{ Key: "optml:instance-resources", Value: "enforce" }]));
    const refused = await g.waitForEnd("gpu-enforce-engine", 60_000);
    expect(refused.TrainingJobStatus).toBe("Failed");
    expect(refused.FailureReason).toMatch(/^CapacityError: .*ml\.g4dn\.xlarge has 1 GPU, and algo-1's container cannot get them: the Docker engine at \S+ has no nvidia runtime/s);
    expect(refused.FailureReason).not.toContain("this machine lists no GPUs");
  }, 240_000);
});
