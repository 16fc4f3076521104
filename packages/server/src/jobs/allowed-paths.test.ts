import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { CreateTrainingJobRequest } from "../sagemaker/request.js";
import { allowedPathProblems, isWithin, localPaths, resolveAllowedPaths } from "./allowed-paths.js";

const root = realpathSync(mkdtempSync(join(tmpdir(), "optml-allow-")));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const data = join(root, "data");
const out = join(root, "out");
const elsewhere = join(root, "elsewhere");
for (const d of [data, out, elsewhere]) mkdirSync(d);
symlinkSync(elsewhere, join(data, "escape"));

function request(o: { output?: string; channels?: Record<string, string>; code?: string; checkpoint?: string }): CreateTrainingJobRequest {
  return {
    TrainingJobName: "j",
    AlgorithmSpecification: { TrainingImage: "img", TrainingInputMode: "File" },
    RoleArn: "arn:aws:iam::123456789012:role/R",
    HyperParameters: o.code === undefined ? {} : { sagemaker_submit_directory: JSON.stringify(o.code) },
    InputDataConfig: Object.entries(o.channels ?? {}).map(([name, uri]) => ({
      ChannelName: name,
      DataSource: { S3DataSource: { S3DataType: "S3Prefix", S3Uri: uri } },
    })),
    OutputDataConfig: { S3OutputPath: o.output ?? `file://${out}` },
    ResourceConfig: { InstanceType: "ml.m5.large", InstanceCount: 1, VolumeSizeInGB: 30 },
    StoppingCondition: { MaxRuntimeInSeconds: 60 },
    ...(o.checkpoint ? { CheckpointConfig: { S3Uri: o.checkpoint } } : {}),
  } as CreateTrainingJobRequest;
}

const allowed = () => resolveAllowedPaths([data, out]);

describe("allowedPathProblems", () => {
  it("has no limit when no directory is allowed (the default)", async () => {
    expect(await allowedPathProblems(request({ output: "file:///etc", channels: { train: "file:///" } }), [])).toEqual([]);
  });

  it("accepts local paths inside an allowed directory, the directories themselves, paths not yet made, and S3", async () => {
    const req = request({
      output: `file://${out}/new/deeper`,
      channels: { train: `file://${data}`, test: `file://${data}/test/`, remote: "s3://bucket/prefix" },
      code: `file://${data}/code`,
      checkpoint: `file://${out}/ckpt`,
    });
    expect(await allowedPathProblems(req, await allowed())).toEqual([]);
    expect(await allowedPathProblems(request({ code: `${data}/code.tar.gz` }), await allowed())).toEqual([]);
    expect(await allowedPathProblems(request({ code: "s3://b/sourcedir.tar.gz" }), await allowed())).toEqual([]);
  });

  it("refuses each member outside, naming it and the allowed directories", async () => {
    const req = request({
      output: `file://${out}/../elsewhere`,
      channels: { train: `file://${data}`, secrets: "file:///etc" },
      code: `file://${elsewhere}/code`,
      checkpoint: `file://${data}-sibling/ckpt`,
    });
    const problems = await allowedPathProblems(req, await allowed());
    expect(problems).toHaveLength(4);
    expect(problems[0]).toContain(`OutputDataConfig.S3OutputPath "file://${out}/../elsewhere": ${elsewhere} is outside the directories`);
    expect(problems[1]).toContain(`InputDataConfig.2.member (channel 'secrets').DataSource.S3DataSource.S3Uri "file:///etc": /etc is outside`);
    expect(problems[2]).toContain("CheckpointConfig.S3Uri");
    expect(problems[3]).toContain("HyperParameters.sagemaker_submit_directory");
    for (const p of problems) expect(p).toContain(`(optml serve --allow-path): ${data}, ${out}`);
  });

  it("follows symbolic links: one inside an allowed directory that points out is outside", async () => {
    const problems = await allowedPathProblems(request({ channels: { train: `file://${data}/escape/x` } }), await allowed());
    expect(problems).toEqual([expect.stringContaining(`${data}/escape/x (${elsewhere}/x) is outside`)]);
  });

  it("refuses a relative code path while paths are limited", async () => {
    const problems = await allowedPathProblems(request({ code: "src" }), await allowed());
    expect(problems).toEqual([expect.stringContaining('HyperParameters.sagemaker_submit_directory "\\"src\\"": a local path must be absolute')]);
  });
});

describe("localPaths and isWithin", () => {
  it("lists the members with local paths", () => {
    expect(localPaths(request({ channels: { a: "s3://b/k" }, code: "file:///c" })).map((p) => [p.member, p.path])).toEqual([
      ["OutputDataConfig.S3OutputPath", out],
      ["HyperParameters.sagemaker_submit_directory", "/c"],
    ]);
  });

  it("is within a directory, not beside it", () => {
    expect(isWithin("/a/b", "/a/b")).toBe(true);
    expect(isWithin("/a/b", "/a/b/c")).toBe(true);
    expect(isWithin("/a/b", "/a/bc")).toBe(false);
    expect(isWithin("/a/b", "/a")).toBe(false);
    expect(isWithin("/", "/anything")).toBe(true);
  });
});
