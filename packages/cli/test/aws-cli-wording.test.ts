/**
 * optml's check of job.json against the real thing: the AWS CLI (/usr/bin/aws, which fails
 * client-side before sending anything) on a few bad files, and botocore's own ParamValidator on
 * hundreds of requests with one member changed. optml's lines must start with AWS's, word for word;
 * what follows "; " is optml's hint.
 *
 * The machine's AWS CLI may carry an older SageMaker model than the one optml generated, so the
 * lists after "must be one of:" are compared as sets: every name AWS lists, optml lists too.
 */
import { spawnSync } from "node:child_process";
import { existsSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { loads } from "@optml/contract";
import { SAGEMAKER_MODEL } from "@optml/server";
import { afterAll, describe, expect, it } from "vitest";
import { pythonView, validateParameters } from "../src/param-validation.js";
import { optml, tempDir } from "./run-optml.js";

const root = tempDir("optml-cli-aws-wording-");
afterAll(() => rmSync(root, { recursive: true, force: true }));

const AWS = "/usr/bin/aws";

/** The AWS CLI's report lines for a request, or a failure saying how to get the AWS CLI. */
function awsReport(file: string): string[] {
  if (!existsSync(AWS)) throw new Error(`${AWS} is missing: install the AWS CLI (apt-get install awscli)`);
  const r = spawnSync(AWS, ["sagemaker", "create-training-job", "--cli-input-json", `file://${file}`, "--endpoint-url", "http://127.0.0.1:1"], {
    encoding: "utf8",
    env: {
      PATH: process.env.PATH,
      HOME: root,
      AWS_ACCESS_KEY_ID: "testing",
      AWS_SECRET_ACCESS_KEY: "testing",
      AWS_DEFAULT_REGION: "us-east-1",
      AWS_CONFIG_FILE: "/dev/null",
      AWS_SHARED_CREDENTIALS_FILE: "/dev/null",
      AWS_EC2_METADATA_DISABLED: "true",
      AWS_PAGER: "",
    },
  });
  expect(r.stderr).toMatch(/^\s*Parameter validation failed:\n/);
  return r.stderr.trim().split("\n").slice(1);
}

const ONE_OF = /, must be one of: (.*)$/;

/** `ours` says what `aws` says, word for word up to optml's "; " hint; member lists as sets. */
function sameWording(aws: readonly string[], ours: readonly string[]): void {
  expect(ours.length, `AWS:\n${aws.join("\n")}\noptml:\n${ours.join("\n")}`).toBe(aws.length);
  aws.forEach((awsLine, i) => {
    const ourLine = ours[i]!;
    const awsNames = ONE_OF.exec(awsLine)?.[1];
    if (awsNames === undefined) {
      expect(ourLine === awsLine || ourLine.startsWith(`${awsLine}; `), `${ourLine}\nis not\n${awsLine}`).toBe(true);
      return;
    }
    const ourNames = ONE_OF.exec(ourLine.split("; ")[0]!)?.[1];
    expect(ourLine.replace(ONE_OF, "").split(", must be one of:")[0]).toBe(awsLine.replace(ONE_OF, ""));
    expect(ourNames?.split(", ")).toEqual(expect.arrayContaining(awsNames.split(", ")));
  });
}

const BASE = {
  TrainingJobName: "wording-1",
  AlgorithmSpecification: {
    TrainingImage: "763104351884.dkr.ecr.us-east-1.amazonaws.com/pytorch-training:2.1-cpu-py310",
    TrainingInputMode: "File",
    MetricDefinitions: [{ Name: "train:loss", Regex: "loss=([0-9.]+)" }],
    ContainerArguments: ["--fast"],
  },
  RoleArn: "arn:aws:iam::123456789012:role/SageMakerRole",
  HyperParameters: { epochs: "2" },
  InputDataConfig: [
    {
      ChannelName: "train",
      DataSource: { S3DataSource: { S3DataType: "S3Prefix", S3Uri: "s3://bucket/train", S3DataDistributionType: "FullyReplicated" } },
      ShuffleConfig: { Seed: 7 },
    },
    { ChannelName: "fs", DataSource: { FileSystemDataSource: { FileSystemId: "fs-12345678", FileSystemAccessMode: "ro", FileSystemType: "EFS", DirectoryPath: "/d" } } },
  ],
  OutputDataConfig: { S3OutputPath: "s3://bucket/out" },
  ResourceConfig: { InstanceType: "ml.m5.large", InstanceCount: 1, VolumeSizeInGB: 10 },
  VpcConfig: { SecurityGroupIds: ["sg-1"], Subnets: ["subnet-1"] },
  StoppingCondition: { MaxRuntimeInSeconds: 600 },
  Tags: [{ Key: "team", Value: "ml" }],
  EnableNetworkIsolation: false,
  CheckpointConfig: { S3Uri: "s3://bucket/ckpt" },
  DebugHookConfig: { S3OutputPath: "s3://bucket/debug", CollectionConfigurations: [{ CollectionName: "losses", CollectionParameters: { save_interval: "10" } }] },
  DebugRuleConfigurations: [{ RuleConfigurationName: "r", RuleEvaluatorImage: "img", RuleParameters: { a: "b" }, VolumeSizeInGB: 1 }],
  ExperimentConfig: { ExperimentName: "e" },
  ProfilerConfig: { S3OutputPath: "s3://bucket/prof", ProfilingIntervalInMilliseconds: 500, DisableProfiler: false },
  Environment: { MODE: "fast" },
  RetryStrategy: { MaximumRetryAttempts: 1 },
};

describe("the AWS CLI's words: /usr/bin/aws on bad job.json files", () => {
  const files: [string, Record<string, unknown>][] = [
    [
      "unknown members at depth 1, 2 and in a list element",
      { ...BASE, Enviroment: { A: "b" }, StoppingCondition: { MaxRuntimeInSecond: 60 }, AlgorithmSpecification: { ...BASE.AlgorithmSpecification, MetricDefinitions: [{ Name: "a", Regexp: "b" }] } },
    ],
    [
      "wrong types of each kind",
      {
        ...BASE,
        HyperParameters: { epochs: 2, lr: "__FLOAT__", on: true, off: null, shape: { a: [1, "b"] } },
        ResourceConfig: { InstanceType: "ml.m5.large", InstanceCount: "2", VolumeSizeInGB: "__FLOAT__" },
        EnableNetworkIsolation: "true",
        InputDataConfig: { ChannelName: "train" },
        OutputDataConfig: [{ S3OutputPath: "s3://b/" }],
        ExperimentConfig: null,
      },
    ],
    [
      "missing required members and lengths below the minimum",
      {
        TrainingJobName: "wording-2",
        AlgorithmSpecification: { TrainingInputMode: "File" },
        ResourceConfig: BASE.ResourceConfig,
        StoppingCondition: BASE.StoppingCondition,
        OutputDataConfig: {},
        Tags: [{ Key: "" }],
        InputDataConfig: [],
      },
    ],
  ];
  it.each(files)("%s", (name, request) => {
    const file = join(root, `${name.replace(/\W+/g, "-")}.json`);
    writeFileSync(file, JSON.stringify(request, null, 2).replaceAll('"__FLOAT__"', "2.0"));
    const aws = awsReport(file);
    const r = optml(["train", file], { OPTML_HOME: join(root, "home") });
    expect(r.code).toBe(2);
    const lines = r.stderr.trimEnd().split("\n");
    expect(lines[0]).toBe(`optml: ${file}: Parameter validation failed:`);
    sameWording(aws, lines.slice(1));
  });
});

/** botocore's ParamValidator's report lines for each request text, by the machine's python3, and botocore's version. */
function botocoreReports(texts: readonly string[]): { version: string; reports: string[][] } {
  const script = `
import json, sys
try:
    import botocore
    import botocore.session as session
    from botocore.validate import ParamValidator
except ImportError:
    import awscli.botocore as botocore
    import awscli.botocore.session as session
    from awscli.botocore.validate import ParamValidator
shape = session.get_session().get_service_model("sagemaker").operation_model("CreateTrainingJob").input_shape
out = []
for text in json.load(sys.stdin):
    report = ParamValidator().validate(json.loads(text), shape)
    out.append(report.generate_report().split("\\n") if report.has_errors() else [])
print(json.dumps({"version": botocore.__version__, "reports": out}))
`;
  const r = spawnSync("python3", ["-c", script], { input: JSON.stringify(texts), encoding: "utf8", maxBuffer: 64 << 20 });
  if (r.error || r.status !== 0) {
    throw new Error(`python3 with botocore is needed (apt-get install awscli, or python3-botocore): ${r.error?.message ?? r.stderr}`);
  }
  return JSON.parse(r.stdout) as { version: string; reports: string[][] };
}

const WRONG_VALUES = ["2", "2.0", '"x"', '""', "true", "null", "[]", "{}"];

/** The base request with one change at every place: an unknown member beside each member, each wrong value for each member. */
function mutations(): string[] {
  const texts: string[] = [];
  const base = JSON.stringify(BASE);
  const visit = (value: unknown, replace: (text: string) => string) => {
    for (const wrong of WRONG_VALUES) texts.push(replace(wrong));
    if (Array.isArray(value)) {
      value.forEach((item, i) => visit(item, (t) => replace(JSON.stringify(value.map((v, j) => (j === i ? "__HOLE__" : v))).replace('"__HOLE__"', t))));
    } else if (typeof value === "object" && value !== null) {
      const object = value as Record<string, unknown>;
      texts.push(replace(JSON.stringify({ ...object, Extra: 1 })));
      for (const key of Object.keys(object)) {
        visit(object[key], (t) => replace(JSON.stringify({ ...object, [key]: "__HOLE__" }).replace('"__HOLE__"', t)));
      }
    }
  };
  visit(BASE, (t) => t);
  return texts.filter((t) => t !== base);
}

describe("the AWS CLI's words: botocore's ParamValidator on every one-member change of a request", () => {
  it("gives the same lines, in the same order (optml also refuses true for an integer)", (context) => {
    const texts = mutations().filter((t) => t.startsWith("{"));
    expect(texts.length).toBeGreaterThan(300);
    const { version, reports } = botocoreReports(texts);
    if (version !== SAGEMAKER_MODEL.botocoreVersion) {
      // Another model states other required members and minimums: only the same one compares line for line.
      context.skip(`this machine's python3 has botocore ${version}, optml's model is from botocore ${SAGEMAKER_MODEL.botocoreVersion}: run where that botocore is installed`);
    }
    let boolForInt = 0;
    texts.forEach((text, i) => {
      const ours = validateParameters(SAGEMAKER_MODEL, "CreateTrainingJob", pythonView(JSON.parse(text), loads(text))).map((p) => p.message);
      // Python's bool is an int, so botocore lets true through where an integer is due; optml does not.
      const departures = ours.filter((l) => /, value: True, type: <class 'bool'>, valid types: <class 'int'>$/.test(l));
      boolForInt += departures.length;
      sameWording(reports[i]!, ours.filter((l) => !departures.includes(l)));
    });
    expect(boolForInt).toBeGreaterThan(0);
  });
});
