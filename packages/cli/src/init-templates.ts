/**
 * The files of `optml init`: a training project with SageMaker's contract, for one of three image
 * patterns (`--image`):
 * - `runner` (default): TypeScript; the code (src/) reads its job through @optml/contract's typed
 *   reader, and the Dockerfile makes an image whose `train` is @optml/runner;
 * - `toolkit`: Python in script mode; the Dockerfile extends a Python image with SageMaker's own
 *   training toolkit (`pip install sagemaker-training`), whose `train` runs the program;
 * - `byoc`: Python; the Dockerfile's `train` is a bare executable of the project's (no toolkit).
 * job.json runs it with optml in each case, as processes or (`--executor docker`) in the image,
 * where optml mounts src/ at /opt/ml/code as SageMaker SDK local mode does.
 */

export type ImagePattern = "runner" | "toolkit" | "byoc";
export const IMAGE_PATTERNS: readonly ImagePattern[] = ["runner", "toolkit", "byoc"];

export interface ScaffoldInput {
  /** The project's name (directory name), as npm and image names allow. */
  readonly name: string;
  /** The file name of the @optml/contract tarball in src/vendor/ (the code's dependency). */
  readonly contractTarball: string;
  /** The file name of the @optml/runner tarball in vendor/ (the Dockerfile installs it). */
  readonly runnerTarball: string;
}

/** Where `optml init` puts the tarballs it copies (scaffoldFiles writes the text files only). */
export function vendoredPaths(input: ScaffoldInput): { contract: string; runner: string } {
  return { contract: `src/vendor/${input.contractTarball}`, runner: `vendor/${input.runnerTarball}` };
}

const TRAIN_TS = `/**
 * A training program with SageMaker's contract: its channels, hyperparameters and model dir come
 * from @optml/contract's typed reader, which reads the SM_* environment SageMaker (or optml) gives
 * the job. It fits y = w * x + b to the CSV files of the train channel and saves the model.
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { readTrainingEnvironment } from "@optml/contract";

const env = readTrainingEnvironment();
const epochs = env.hyperparameters.integer("epochs", 100);
const learningRate = env.hyperparameters.number("learning-rate", 0.1);

const trainDir = env.channels.train;
if (!trainDir) throw new Error("this job needs a 'train' channel");
const rows = readdirSync(trainDir)
  .filter((file) => file.endsWith(".csv"))
  .flatMap((file) => readFileSync(join(trainDir, file), "utf8").trim().split("\\n").slice(1))
  .map((line) => line.split(",").map(Number) as [number, number]);
console.log(\`job \${env.jobName} on \${env.currentHost}: \${rows.length} rows, \${epochs} epochs, learning rate \${learningRate}\`);

let w = 0;
let b = 0;
for (let epoch = 1; epoch <= epochs; epoch++) {
  let gradW = 0;
  let gradB = 0;
  let loss = 0;
  for (const [x, y] of rows) {
    const error = w * x + b - y;
    gradW += 2 * error * x;
    gradB += 2 * error;
    loss += error * error;
  }
  w -= (learningRate * gradW) / rows.length;
  b -= (learningRate * gradB) / rows.length;
  console.log(\`epoch=\${epoch} loss=\${(loss / rows.length).toFixed(6)}\`);
}

mkdirSync(env.modelDir, { recursive: true });
writeFileSync(join(env.modelDir, "model.json"), JSON.stringify({ w, b }));
console.log(\`model y = \${w.toFixed(3)} * x + \${b.toFixed(3)} saved to \${env.modelDir}/model.json\`);
`;

function trainCsv(): string {
  // y = 3x + 2 with a little deterministic noise.
  const rows = ["x,y"];
  for (let i = 0; i < 40; i++) {
    const x = i / 20;
    const noise = ((i * 37) % 11) / 50 - 0.1;
    rows.push(`${x},${(3 * x + 2 + noise).toFixed(4)}`);
  }
  return `${rows.join("\n")}\n`;
}

/**
 * The Python program of the toolkit and BYOC projects: it reads its job from the files SageMaker
 * lays out under /opt/ml (hyperparameters.json, the train channel), so it runs the same under
 * SageMaker's toolkit, optml's runner and a bare BYOC \`train\`. The SM_* variables, where given
 * (toolkit, runner), only say where those directories are.
 */
const TRAIN_PY = `"""Fits y = w * x + b to the CSV files of the train channel and saves the model.

Reads its job as SageMaker lays it out under /opt/ml, so SageMaker's training toolkit, optml's
runner and a bare BYOC \`train\` all run it the same.
"""
import glob
import json
import os

input_dir = os.environ.get("SM_INPUT_DIR", "/opt/ml/input")
model_dir = os.environ.get("SM_MODEL_DIR", "/opt/ml/model")
with open(os.path.join(input_dir, "config", "hyperparameters.json")) as f:
    raw = json.load(f)


def hyperparameter(name, default):
    """SageMaker's SDKs JSON-encode hyperparameter values; a bare string is taken as it is."""
    if name not in raw:
        return default
    try:
        return json.loads(raw[name])
    except ValueError:
        return raw[name]


epochs = int(hyperparameter("epochs", 100))
learning_rate = float(hyperparameter("learning-rate", 0.1))
train_dir = os.environ.get("SM_CHANNEL_TRAIN", os.path.join(input_dir, "data", "train"))
rows = []
for path in sorted(glob.glob(os.path.join(train_dir, "*.csv"))):
    with open(path) as f:
        rows += [tuple(map(float, line.split(","))) for line in f.read().strip().split("\\n")[1:]]
print("job %s: %d rows, %d epochs, learning rate %s" % (os.environ.get("TRAINING_JOB_NAME"), len(rows), epochs, learning_rate), flush=True)

w = b = 0.0
for epoch in range(1, epochs + 1):
    grad_w = grad_b = loss = 0.0
    for x, y in rows:
        error = w * x + b - y
        grad_w += 2 * error * x
        grad_b += 2 * error
        loss += error * error
    w -= learning_rate * grad_w / len(rows)
    b -= learning_rate * grad_b / len(rows)
    print("epoch=%d loss=%.6f" % (epoch, loss / len(rows)))

os.makedirs(model_dir, exist_ok=True)
with open(os.path.join(model_dir, "model.json"), "w") as f:
    json.dump({"w": w, "b": b}, f)
print("model y = %.3f * x + %.3f saved to %s/model.json" % (w, b, model_dir))
`;

/** The BYOC image's \`train\`: SageMaker runs \`docker run IMAGE train\`; this is that \`train\`. */
const BYOC_TRAIN = `#!/bin/sh
# SageMaker starts a training container as \`docker run IMAGE train\`: this is that \`train\` (no
# toolkit, no runner). The code is in /opt/ml/code: copied in by the Dockerfile for SageMaker, and
# mounted there by optml from job.json's sagemaker_submit_directory.
exec python3 /opt/ml/code/train.py
`;

/** The job of every pattern: the program in src/, the train channel in data/train, the model in optml-out/. */
function jobJson(input: Pick<ScaffoldInput, "name">, program: string): Record<string, unknown> {
  return {
    AlgorithmSpecification: {
      TrainingImage: `${input.name}:latest`,
      TrainingInputMode: "File",
      MetricDefinitions: [{ Name: "train:loss", Regex: "loss=([0-9.]+)" }],
    },
    RoleArn: "arn:aws:iam::000000000000:role/SageMakerRole",
    HyperParameters: {
      epochs: "100",
      "learning-rate": "0.1",
      sagemaker_program: JSON.stringify(program),
      sagemaker_submit_directory: JSON.stringify("file://./src"),
    },
    InputDataConfig: [
      {
        ChannelName: "train",
        DataSource: { S3DataSource: { S3DataType: "S3Prefix", S3Uri: "file://./data/train", S3DataDistributionType: "FullyReplicated" } },
        ContentType: "text/csv",
      },
    ],
    OutputDataConfig: { S3OutputPath: "file://./optml-out" },
    ResourceConfig: { InstanceType: "ml.m5.large", InstanceCount: 1, VolumeSizeInGB: 10 },
    StoppingCondition: { MaxRuntimeInSeconds: 3600 },
  };
}

/** The files of a Python project (\`--image toolkit\` or \`--image byoc\`). */
export function pythonScaffoldFiles(input: Pick<ScaffoldInput, "name">, pattern: "toolkit" | "byoc"): Record<string, string> {
  const dockerfile =
    pattern === "toolkit"
      ? `# A SageMaker training image with SageMaker's own training toolkit (sagemaker-training), as
# SageMaker's framework images have it: its \`train\` installs src/requirements.txt if there is one
# and runs the program named by sagemaker_program (train.py) from /opt/ml/code with the SM_*
# environment and the hyperparameters as arguments. (Or start FROM a framework image, which has it.)
#   docker build -t ${input.name} . && optml train job.json --executor docker
FROM python:3.11-slim
# gcc: the toolkit builds a small C library when it is installed.
RUN apt-get update && apt-get install -y --no-install-recommends gcc libc6-dev \\
 && pip install --no-cache-dir sagemaker-training \\
 && apt-get purge -y gcc libc6-dev && apt-get autoremove -y && rm -rf /var/lib/apt/lists/*
# For SageMaker, which runs the image as it is; optml mounts src/ here from job.json.
COPY src/ /opt/ml/code/
ENV SAGEMAKER_PROGRAM=train.py
`
      : `# A bring-your-own-container SageMaker training image: \`train\` is this project's own executable
# (./train), which reads the job from /opt/ml itself; no toolkit, no runner.
#   docker build -t ${input.name} . && optml train job.json --executor docker
FROM python:3.11-slim
COPY train /usr/local/bin/train
# For SageMaker, which runs the image as it is; optml mounts src/ here from job.json.
COPY src/ /opt/ml/code/
`;
  const what =
    pattern === "toolkit"
      ? "- `Dockerfile`: a SageMaker training image with SageMaker's training toolkit (`pip install sagemaker-training`)."
      : "- `Dockerfile`, `train`: a bring-your-own-container image whose `train` is `./train` (no toolkit).";
  const readme = `# ${input.name}

A Python training job with SageMaker's contract, made by \`optml init --image ${pattern}\`.

- \`src/train.py\`: the program; it reads its job from /opt/ml as SageMaker lays it out.
- \`job.json\`: the CreateTrainingJob request; \`file://./...\` URIs are relative to this directory
  (an optml convenience: \`aws sagemaker create-training-job\` needs \`s3://\` URIs).
- \`data/train/\`: the train channel.
${what}

\`\`\`sh
optml train job.json                                   # run it here, as processes, with this machine's Python
docker build -t ${input.name} . && optml train job.json --executor docker   # run it in the image
\`\`\`

In the image, optml mounts \`src/\` read-only at /opt/ml/code and passes \`"/opt/ml/code"\` as
sagemaker_submit_directory, as SageMaker SDK local mode does, so edits to src/ need no rebuild.
The model lands in \`optml-out/<job>/output/model.tar.gz\`.
`;
  return {
    "src/train.py": TRAIN_PY,
    "data/train/data.csv": trainCsv(),
    "job.json": `${JSON.stringify(jobJson(input, "train.py"), null, 2)}\n`,
    Dockerfile: dockerfile,
    ...(pattern === "byoc" ? { train: BYOC_TRAIN } : {}),
    ".gitignore": "optml-out/\n",
    "README.md": readme,
  };
}

export function scaffoldFiles(input: ScaffoldInput): Record<string, string> {
  const packageJson = {
    name: input.name,
    version: "0.1.0",
    private: true,
    type: "module",
    description: "Training code: the job's code directory (sagemaker_submit_directory).",
    // None of the @optml packages is on the npm registry: the project carries the tarball.
    dependencies: { "@optml/contract": `file:vendor/${input.contractTarball}` },
  };
  const job = jobJson(input, "train.ts");
  const dockerfile = `# A SageMaker training image of this project. SageMaker starts a training container with the
# argument \`train\`; here \`train\` is @optml/runner, which gives src/train.ts the exact SageMaker
# contract (/opt/ml, SM_* variables, hyperparameters as arguments, failure file, signals).
#   docker build -t ${input.name} .      then push it and give its URI as TrainingImage
# @optml/runner and @optml/contract come from the tarballs optml init copied in (vendor/ and
# src/vendor/); they are not on the npm registry.
FROM node:20-slim
COPY vendor/${input.runnerTarball} /tmp/
RUN npm install --global --no-audit --no-fund /tmp/${input.runnerTarball} && rm /tmp/${input.runnerTarball}
COPY src/ /opt/ml/code/
WORKDIR /opt/ml/code
RUN npm install --omit=dev --no-audit --no-fund
ENV SAGEMAKER_PROGRAM=train.ts
`;
  const readme = `# ${input.name}

A TypeScript training job with SageMaker's contract, made by \`optml init\`.

- \`src/train.ts\`: the program; it reads its job with \`readTrainingEnvironment()\` from @optml/contract.
- \`job.json\`: the CreateTrainingJob request; \`file://./...\` URIs are relative to this directory
  (an optml convenience: \`aws sagemaker create-training-job\` needs \`s3://\` URIs).
- \`data/train/\`: the train channel.
- \`Dockerfile\`: a SageMaker training image whose \`train\` is @optml/runner.
- \`src/vendor/\`, \`vendor/\`: the @optml/contract and @optml/runner tarballs (they are not on
  the npm registry); \`cd src && npm install\` gives an editor the types.

\`\`\`sh
optml train job.json                                   # run it, follow it, print metrics and the model
optml train job.json --hp epochs=200                   # override a hyperparameter
optml run --channel train=data/train -- src/train.ts --epochs 50
(cd src && npm install) && docker build -t ${input.name} . && optml train job.json --executor docker   # in the image
\`\`\`

The model lands in \`optml-out/<job>/output/model.tar.gz\`.
`;
  return {
    "src/train.ts": TRAIN_TS,
    "src/package.json": `${JSON.stringify(packageJson, null, 2)}\n`,
    "data/train/data.csv": trainCsv(),
    "job.json": `${JSON.stringify(job, null, 2)}\n`,
    Dockerfile: dockerfile,
    ".gitignore": "node_modules/\noptml-out/\n",
    "README.md": readme,
  };
}
