/**
 * Test images for the container executor, built through the Engine API (`POST /build`, a tar
 * context made with node-tar) since no registry is reachable: a `FROM scratch` busybox image
 * (Debian's busybox-static) with a shell `train`, and a Node image (the machine's `node` plus the
 * libraries `ldd` lists) whose `train` is @optml/runner. Also: whether an engine runs (starting one
 * with scripts/start-dockerd.sh when it does not), and a small plan for driving the executor.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { writeJobLayout } from "@optml/contract";
import { create as tarCreate } from "tar";
import { jobIds } from "../src/executors/docker/container.js";
import { DockerEngine, followProgress } from "../src/executors/docker/engine.js";
import { DockerExecutor } from "../src/executors/docker/index.js";
import { planJob, type JobPlan } from "../src/jobs/plan.js";
import type { CreateTrainingJobRequest } from "../src/sagemaker/request.js";

const repo = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");
export const BUSYBOX_IMAGE = "optml-test/busybox-train:1";
export const NODE_IMAGE = "optml-test/node-runner:1";
export const TEST_IMAGE_LABEL = "optml.test-image";

/** Why Docker tests cannot run here, or undefined when an engine answers (started if need be). */
export function dockerUnavailableReason(): string | undefined {
  const r = spawnSync("sh", [join(repo, "scripts/start-dockerd.sh")], { encoding: "utf8", timeout: 90_000 });
  if (r.status === 0) {
    if (!existsSync("/bin/busybox")) return "no Docker tests: /bin/busybox is missing (apt-get install -y busybox-static)";
    return undefined;
  }
  return `no Docker engine: ${(r.stderr || r.stdout || "scripts/start-dockerd.sh failed").trim().split("\n")[0]}`;
}

async function build(engine: DockerEngine, dir: string, tag: string): Promise<void> {
  const entries = execFileSync("ls", ["-A", dir], { encoding: "utf8" }).split("\n").filter(Boolean);
  const parts: Buffer[] = [];
  for await (const part of tarCreate({ cwd: dir, portable: true }, entries) as unknown as AsyncIterable<Buffer>) parts.push(part);
  const res = await engine.stream("POST", "/build", {
    query: { t: tag, rm: 1, forcerm: 1, labels: JSON.stringify({ [TEST_IMAGE_LABEL]: "1" }) },
    body: Buffer.concat(parts),
    contentType: "application/x-tar",
    timeoutMs: 120_000,
  });
  await followProgress(res);
}

function busyboxRoot(root: string, applets: readonly string[]): void {
  mkdirSync(join(root, "bin"), { recursive: true });
  mkdirSync(join(root, "tmp"), { recursive: true });
  cpSync("/bin/busybox", join(root, "bin/busybox"));
  for (const a of applets) symlinkSync("busybox", join(root, "bin", a));
}

const APPLETS = ["sh", "hostname", "cat", "sleep", "nc", "wget", "httpd", "ls", "mkdir", "echo", "env", "sed", "grep", "tr"];

/**
 * The busybox image's `train`: prints what SageMaker gives it, then acts by $MODE:
 * ok (writes a model), fail (writes output/failure, exits 3), crash (exits 5, no failure file),
 * stop (traps SIGTERM and keeps running), peers (reaches every other host by name), net (lists interfaces),
 * s3 (GETs $AWS_ENDPOINT_URL_S3/$S3_OBJECT, then as peers).
 */
const TRAIN_SH = `#!/bin/sh
echo "hostname $(hostname)"
echo "program $0 args $*"
echo "job $TRAINING_JOB_NAME region $AWS_REGION"
echo "optml python [\${OPTML_PYTHON:-}] venvs [\${OPTML_VENVS:-}]"
echo "resourceconfig $(cat /opt/ml/input/config/resourceconfig.json)"
echo "hyperparameters $(cat /opt/ml/input/config/hyperparameters.json)"
echo "to stderr" >&2
hosts=$(sed -e 's/.*"hosts": *\\[\\([^]]*\\)\\].*/\\1/' -e 's/[",]/ /g' /opt/ml/input/config/resourceconfig.json | sed 's/instance_groups.*//')
peers() {
  mkdir -p /tmp/www && echo "hello from $(hostname)" > /tmp/www/hello
  httpd -p 8080 -h /tmp/www
  for h in $hosts; do
    [ "$h" = "$(hostname)" ] && continue
    i=0; got=""
    while [ $i -lt 100 ]; do got=$(wget -q -O - "http://$h:8080/hello" 2>/dev/null) && break; i=$((i+1)); sleep 0.2; done
    echo "$(hostname) reached $h: $got"
  done
  sleep 3
}
case "$MODE" in
  fail) echo "custom failure from $(hostname)" > /opt/ml/output/failure; exit 3 ;;
  crash) exit 5 ;;
  stop)
    trap 'echo "got SIGTERM, not stopping"' TERM
    echo "waiting to be stopped"
    while true; do sleep 1; done ;;
  peers) peers ;;
  s3) echo "fetched $AWS_ENDPOINT_URL_S3/$S3_OBJECT: $(wget -q -O - "$AWS_ENDPOINT_URL_S3/$S3_OBJECT" 2>&1)"; peers ;;
  net) echo "interfaces $(ls /sys/class/net | tr '\\n' ' ')"
    if wget -q -O - http://192.0.2.1/ >/dev/null 2>&1; then echo "network reachable"; else echo "no network"; fi ;;
esac
mkdir -p /opt/ml/model && echo "model of $(hostname)" > /opt/ml/model/model.txt
i=0; while [ $i -lt \${LINES_OUT:-0} ]; do echo "line $i"; i=$((i+1)); done
echo "done on $(hostname)"
`;

/** Each test file builds its own tag, so that one file removing its images leaves the other's alone. */
export async function buildBusyboxImage(engine: DockerEngine, tag: string = BUSYBOX_IMAGE): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "optml-bb-image-"));
  try {
    busyboxRoot(join(dir, "rootfs"), APPLETS);
    mkdirSync(join(dir, "rootfs/usr/local/bin"), { recursive: true });
    writeFileSync(join(dir, "rootfs/usr/local/bin/train"), TRAIN_SH, { mode: 0o755 });
    writeFileSync(join(dir, "Dockerfile"), "FROM scratch\nCOPY rootfs/ /\nENV PATH=/usr/local/bin:/bin\n");
    await build(engine, dir, tag);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * `train` of the toolkit-like test image: what SageMaker's training toolkit does with the code
 * (sagemaker_training/files.py download_and_extract, entry_point.py): reads
 * sagemaker_submit_directory from hyperparameters.json; a directory is used where it is, an archive
 * is extracted into /opt/ml/code, anything else (a file:// URI) is not found, as in the toolkit;
 * then runs the program (sagemaker_program) with `sh` from the code dir.
 */
const TOOLKIT_LIKE_TRAIN = `#!/bin/sh
hp=/opt/ml/input/config/hyperparameters.json
value() { tr -d '\\\\' < $hp | sed -n "s/.*\\"$1\\": *\\"*\\([^\\"]*\\)\\".*/\\1/p"; }
submit=$(value sagemaker_submit_directory)
program=$(value sagemaker_program)
echo "toolkit-like: submit directory [$submit] program [$program]"
if [ -d "$submit" ]; then code="$submit"
elif [ -f "$submit" ]; then mkdir -p /opt/ml/code && tar -xzf "$submit" -C /opt/ml/code && code=/opt/ml/code
else echo "FileNotFoundError: [Errno 2] No such file or directory: '$submit'" > /opt/ml/output/failure; exit 1
fi
cd "$code" && exec sh "./$program"
`;

/** `train` of the BYOC test image: a bare program that knows where its code is (/opt/ml/code) and reads no hyperparameter. */
const BYOC_TRAIN = `#!/bin/sh
echo "byoc: running /opt/ml/code/run.sh"
cd /opt/ml/code && exec sh ./run.sh
`;

export const TOOLKIT_LIKE_IMAGE = "optml-test/toolkit-like:1";
export const BYOC_IMAGE = "optml-test/byoc:1";

/**
 * A busybox image whose `train` is `pattern`'s: "toolkit-like" (the code as SageMaker's toolkit
 * takes it) or "byoc" (a bare `train` running /opt/ml/code/run.sh).
 */
export async function buildCodeImage(engine: DockerEngine, pattern: "toolkit-like" | "byoc", tag: string): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "optml-code-image-"));
  try {
    busyboxRoot(join(dir, "rootfs"), [...APPLETS, "tar", "gzip", "touch", "head", "rm"]);
    mkdirSync(join(dir, "rootfs/usr/local/bin"), { recursive: true });
    writeFileSync(join(dir, "rootfs/usr/local/bin/train"), pattern === "byoc" ? BYOC_TRAIN : TOOLKIT_LIKE_TRAIN, { mode: 0o755 });
    writeFileSync(join(dir, "Dockerfile"), "FROM scratch\nCOPY rootfs/ /\nENV PATH=/usr/local/bin:/bin\n");
    await build(engine, dir, tag);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * A processing image: `/usr/local/bin/process` (ENTRYPOINT, with CMD `--default`) reads its input
 * at /opt/ml/processing/input/data, writes /opt/ml/processing/output/result.csv and
 * /opt/ml/output/message, and says what it was given.
 */
const PROCESS_SH = `#!/bin/sh
echo "args $*"
echo "hostname $(hostname)"
echo "resourceconfig $(cat /opt/ml/config/resourceconfig.json)"
echo "input $(cat /opt/ml/processing/input/data/rows.csv | tr '\\n' ' ')"
mkdir -p /opt/ml/processing/output
sed 's/$/,done/' /opt/ml/processing/input/data/rows.csv > /opt/ml/processing/output/result.csv
echo "processed on $(hostname)" > /opt/ml/output/message
`;

export async function buildProcessingImage(engine: DockerEngine, tag: string): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "optml-proc-image-"));
  try {
    busyboxRoot(join(dir, "rootfs"), APPLETS);
    mkdirSync(join(dir, "rootfs/usr/local/bin"), { recursive: true });
    writeFileSync(join(dir, "rootfs/usr/local/bin/process"), PROCESS_SH, { mode: 0o755 });
    writeFileSync(join(dir, "Dockerfile"), 'FROM scratch\nCOPY rootfs/ /\nENV PATH=/usr/local/bin:/bin\nENTRYPOINT ["/usr/local/bin/process"]\nCMD ["--default"]\n');
    await build(engine, dir, tag);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The libraries `ldd` lists for a binary (the loader included). */
function sharedLibraries(binary: string): string[] {
  return execFileSync("ldd", [binary], { encoding: "utf8" })
    .split("\n")
    .map((line) => line.match(/(?:=>\s*)?(\/\S+)\s+\(0x/)?.[1])
    .filter((p): p is string => p !== undefined);
}

/** The Node image's program (`/opt/program/train.mjs`): says where it runs, writes a model. */
export const NODE_IMAGE_PROGRAM = [
  'import { writeFileSync, mkdirSync } from "node:fs";',
  'import { hostname } from "node:os";',
  'console.log(`node ${process.version} on ${hostname()} as ${process.env.SM_CURRENT_HOST}, hosts ${process.env.SM_HOSTS}`);',
  'console.log(`epochs=${process.env.SM_HP_EPOCHS} model_dir=${process.env.SM_MODEL_DIR}`);',
  "mkdirSync(process.env.SM_MODEL_DIR, { recursive: true });",
  "writeFileSync(`${process.env.SM_MODEL_DIR}/model.json`, JSON.stringify({ trainedOn: hostname() }));",
].join("\n");

/**
 * A Node-based training image whose `train` is @optml/runner, from what this machine has: the
 * same layout as the Dockerfile in packages/server/README.md, without a registry.
 */
export async function buildNodeImage(engine: DockerEngine, tag: string = NODE_IMAGE): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "optml-node-image-"));
  try {
    const root = join(dir, "rootfs");
    busyboxRoot(root, ["sh", "env", "cat", "ls", "grep", "sed", "tr", "touch", "hostname", "sleep", "echo"]);
    const node = realpathSync(process.execPath);
    mkdirSync(join(root, "usr/bin"), { recursive: true });
    cpSync(node, join(root, "usr/bin/node"));
    for (const lib of sharedLibraries(node)) {
      mkdirSync(join(root, dirname(lib)), { recursive: true });
      cpSync(realpathSync(lib), join(root, lib));
    }
    const modules = join(root, "opt/optml/node_modules/@optml");
    for (const pkg of ["runner", "contract"]) {
      for (const part of ["package.json", "dist", "bin"]) {
        const from = join(repo, "packages", pkg, part);
        if (existsSync(from)) cpSync(from, join(modules, pkg, part), { recursive: true, filter: (f) => !f.endsWith(".map") && !f.endsWith(".d.ts") });
      }
    }
    mkdirSync(join(root, "usr/local/bin"), { recursive: true });
    symlinkSync("/bin/busybox", join(root, "usr/bin/env")); // for train.cjs's `#!/usr/bin/env node`
    symlinkSync("/opt/optml/node_modules/@optml/runner/bin/train.cjs", join(root, "usr/local/bin/train"));
    mkdirSync(join(root, "opt/program"), { recursive: true });
    writeFileSync(join(root, "opt/program/train.mjs"), NODE_IMAGE_PROGRAM);
    writeFileSync(
      join(dir, "Dockerfile"),
      "FROM scratch\nCOPY rootfs/ /\nENV PATH=/usr/local/bin:/usr/bin:/bin SAGEMAKER_PROGRAM=train.mjs\nWORKDIR /opt/ml/code\n",
    );
    await build(engine, dir, tag);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function removeTestImages(engine: DockerEngine, images: readonly string[] = [BUSYBOX_IMAGE, NODE_IMAGE]): Promise<void> {
  for (const image of images) {
    await engine.call("DELETE", `/images/${image}`, { query: { force: 1 } }).catch(() => undefined);
  }
  // Intermediate images of the builds, left untagged.
  const dangling = (await engine.call("GET", "/images/json", { query: { filters: JSON.stringify({ dangling: ["true"], label: [TEST_IMAGE_LABEL] }) } })) as { Id: string }[];
  for (const image of dangling) await engine.call("DELETE", `/images/${image.Id}`, { query: { force: 1 } }).catch(() => undefined);
}

/** A CreateTrainingJob request for an image job. */
export function imageRequest(name: string, image: string, o: { hosts?: number; environment?: Record<string, string>; hyperparameters?: Record<string, string>; isolated?: boolean; instanceType?: string; entrypoint?: string[]; args?: string[] } = {}): CreateTrainingJobRequest {
  return {
    TrainingJobName: name,
    HyperParameters: o.hyperparameters ?? {},
    AlgorithmSpecification: {
      TrainingImage: image,
      TrainingInputMode: "File",
      ...(o.entrypoint ? { ContainerEntrypoint: o.entrypoint } : {}),
      ...(o.args ? { ContainerArguments: o.args } : {}),
    },
    RoleArn: "arn:aws:iam::123456789012:role/SageMakerRole",
    OutputDataConfig: { S3OutputPath: "file:///tmp/optml-unused-output" },
    ResourceConfig: { InstanceType: o.instanceType ?? "ml.m5.large", InstanceCount: o.hosts ?? 1, VolumeSizeInGB: 1 },
    StoppingCondition: { MaxRuntimeInSeconds: 600 },
    ...(o.environment ? { Environment: o.environment } : {}),
    ...(o.isolated ? { EnableNetworkIsolation: true } : {}),
  };
}

/** Plan a job under `root` and lay out every host's /opt/ml tree, as the lifecycle does before launch. */
export function planImageJob(root: string, req: CreateTrainingJobRequest): JobPlan {
  const plan = planJob(req, { region: "us-east-1", accountId: "123456789012", jobsDir: join(root, "jobs"), stopGraceSeconds: 2 }, Date.now() / 1000);
  for (const host of plan.hosts) writeJobLayout(host.baseDir, host.configFiles);
  return plan;
}

/** The job's containers and networks still on the engine. */
export async function leftovers(executor: DockerExecutor, job: JobPlan, home: string): Promise<{ containers: number; networks: number }> {
  const ids = jobIds(job, home);
  const filters = JSON.stringify({ label: [`optml.job=${ids.job}`] });
  const containers = (await executor.engine.call("GET", "/containers/json", { query: { all: 1, filters } })) as unknown[];
  const networks = (await executor.engine.call("GET", "/networks", { query: { filters } })) as unknown[];
  return { containers: containers.length, networks: networks.length };
}
