/** A training project for the end-to-end tests: a Python script-mode program and its job.json. */
import { join } from "node:path";
import { tree } from "./run-optml.js";

/** Echoes what it got (arguments, channels), prints metric lines, saves a model; fails or sleeps on request. */
export const TRAIN_PY = `
import argparse, os, sys, time
p = argparse.ArgumentParser()
p.add_argument("--epochs", type=int, default=1)
p.add_argument("--fail", type=int, default=0)
p.add_argument("--sleep", type=float, default=0)
args, _ = p.parse_known_args()
print("args", " ".join(sys.argv[1:]), flush=True)
for name in sorted(os.environ.get("SM_CHANNELS", "[]").strip("[]").replace('"', "").split(",")):
    if name:
        print("channel", name, sorted(os.listdir(os.environ["SM_CHANNEL_" + name.upper()])), flush=True)
print("cwd", sorted(os.listdir(".")), flush=True)
if args.sleep:
    print("sleeping", flush=True)
    time.sleep(args.sleep)
if args.fail:
    print("about to fail", file=sys.stderr, flush=True)
    sys.exit(3)
for e in range(1, args.epochs + 1):
    print(f"epoch={e} loss={1 / (e + 1):.4f}", flush=True)
open(os.path.join(os.environ["SM_MODEL_DIR"], "model.txt"), "w").write("trained")
`;

export function jobJson(overrides: Record<string, unknown> = {}): string {
  const job = {
    AlgorithmSpecification: {
      TrainingImage: "763104351884.dkr.ecr.us-east-1.amazonaws.com/pytorch-training:2.1-cpu-py310",
      TrainingInputMode: "File",
      MetricDefinitions: [{ Name: "train:loss", Regex: "loss=([0-9.]+)" }],
    },
    RoleArn: "arn:aws:iam::123456789012:role/SageMakerRole",
    HyperParameters: { epochs: "2", sagemaker_program: '"train.py"', sagemaker_submit_directory: '"file://./src"' },
    InputDataConfig: [
      {
        ChannelName: "train",
        DataSource: { S3DataSource: { S3DataType: "S3Prefix", S3Uri: "file://./data/train", S3DataDistributionType: "FullyReplicated" } },
      },
    ],
    OutputDataConfig: { S3OutputPath: "file://./out" },
    ResourceConfig: { InstanceType: "ml.m5.large", InstanceCount: 1, VolumeSizeInGB: 10 },
    StoppingCondition: { MaxRuntimeInSeconds: 600 },
    ...overrides,
  };
  return JSON.stringify(job, null, 2);
}

/** `<root>/<name>/`: job.json, src/train.py, data/train/a.csv, data/other/b.csv. */
export function project(root: string, name: string, job = jobJson()): string {
  return tree(join(root, name), {
    "job.json": job,
    "src/train.py": TRAIN_PY,
    "data/train/a.csv": "1,2\n",
    "data/other/b.csv": "3,4\n",
  });
}

/** The transitions a followed job printed, in order. */
export function transitions(stdout: string): string[] {
  return [...stdout.matchAll(/^\d\d:\d\d:\d\d (\w+) /gm)].map((m) => m[1]!);
}
