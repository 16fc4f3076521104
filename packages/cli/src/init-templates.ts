/**
 * The files of `optml init`: a TypeScript training project with SageMaker's contract. The code
 * (src/) reads its job through @optml/contract's typed reader; job.json runs it with optml; the
 * Dockerfile makes a SageMaker training image of it whose `train` is @optml/runner.
 */

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
  const job = {
    AlgorithmSpecification: {
      TrainingImage: `${input.name}:latest`,
      TrainingInputMode: "File",
      MetricDefinitions: [{ Name: "train:loss", Regex: "loss=([0-9.]+)" }],
    },
    RoleArn: "arn:aws:iam::000000000000:role/SageMakerRole",
    HyperParameters: {
      epochs: "100",
      "learning-rate": "0.1",
      sagemaker_program: JSON.stringify("train.ts"),
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
