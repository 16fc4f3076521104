import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { ControlPlane } from "../../control-plane.js";
import { sagemakerService } from "../handlers.js";
import { tuningHandlers, type TuningApi } from "../tuning-handlers.js";
import {
  CREATE_TUNING_JOB_REQUEST,
  LIST_TRAINING_JOBS_FOR_TUNING_JOB_REQUEST,
  LIST_TUNING_JOBS_REQUEST,
  TUNING_JOB_NAME_REQUEST,
} from "../tuning-shapes.js";
import type { Shape, StructureShape } from "../validate-model.js";
import { CREATE_TRAINING_JOB_REQUEST, LIST_TRAINING_JOBS_REQUEST, TRAINING_JOB_NAME_REQUEST } from "../validate-shapes.js";
import { CREATE_PROCESSING_JOB_REQUEST, LIST_PROCESSING_JOBS_REQUEST, PROCESSING_JOB_NAME_REQUEST } from "../processing-shapes.js";
import { modelShape, operationInput, SAGEMAKER_MODEL, type ModelShape } from "./service-model.js";

const ROOT = join(import.meta.dirname, "..", "..", "..", "..", "..");
const GENERATED = join(import.meta.dirname, "sagemaker-model.generated.ts");

function python(args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync("python3", args, { cwd: ROOT, encoding: "utf8" });
  if (r.error) throw new Error(`python3 is needed to regenerate the SageMaker model: ${r.error.message} (apt-get install python3 python3-botocore)`);
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function machineBotocore(): string {
  // The AWS CLI's Debian package carries its own botocore (awscli.botocore), of another release.
  const probe = "try:\n import botocore\nexcept ImportError:\n import awscli.botocore as botocore\nprint(botocore.__version__)";
  const r = python(["-c", probe]);
  if (r.code !== 0) throw new Error(`this machine's python3 has no botocore (apt-get install python3-botocore, or pip install botocore in a venv): ${r.stderr.trim()}`);
  return r.stdout.trim();
}

describe("the generated SageMaker model", () => {
  it("is what scripts/gen-sagemaker-model.py writes from this machine's botocore, when it is the same release", (context) => {
    const committed = readFileSync(GENERATED, "utf8");
    const version = machineBotocore();
    expect(committed.split("\n")[0]).toContain(`from botocore ${SAGEMAKER_MODEL.botocoreVersion} `);
    if (version !== SAGEMAKER_MODEL.botocoreVersion) {
      context.skip(
        `this machine has botocore ${version}, the committed model is from botocore ${SAGEMAKER_MODEL.botocoreVersion}: ` +
          "regenerate with python3 scripts/gen-sagemaker-model.py and review the difference, or run this test where botocore " +
          `${SAGEMAKER_MODEL.botocoreVersion} is installed`,
      );
    }
    const r = python(["scripts/gen-sagemaker-model.py", "--stdout"]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(committed);
  });

  it("holds the input of every operation the SageMaker handlers serve, and every shape they reach", () => {
    // The tuning operations are served through tuningHandlers (handlers.ts adds them).
    const served = [...new Set([...Object.keys(sagemakerService({} as ControlPlane).handlers), ...Object.keys(tuningHandlers({} as TuningApi))])].sort();
    expect(Object.keys(SAGEMAKER_MODEL.operations).sort()).toEqual(served);
    const missing: string[] = [];
    for (const [name, shape] of Object.entries(SAGEMAKER_MODEL.shapes)) {
      for (const ref of references(shape)) if (SAGEMAKER_MODEL.shapes[ref] === undefined) missing.push(`${name} -> ${ref}`);
    }
    expect(missing).toEqual([]);
  });

  it("states what AWS states: CreateTrainingJob's members, required members and enums", () => {
    const request = operationInput(SAGEMAKER_MODEL, "CreateTrainingJob");
    expect(request.required).toEqual(["TrainingJobName", "RoleArn", "OutputDataConfig"]);
    expect(Object.keys(request.members)).toContain("RetryStrategy");
    expect(modelShape(SAGEMAKER_MODEL, request.members.HyperParameters!)).toMatchObject({ type: "map", min: 0, max: 100 });
    expect(modelShape(SAGEMAKER_MODEL, "TrainingInputMode")).toEqual({ type: "string", enum: ["Pipe", "File", "FastFile"] });
  });
});

function references(shape: ModelShape): string[] {
  switch (shape.type) {
    case "structure":
      return Object.values(shape.members);
    case "list":
      return [shape.member];
    case "map":
      return [shape.key, shape.value];
    default:
      return [];
  }
}

/**
 * Where the server's hand-written shape disagrees with the model: a member the model lacks, or a
 * different type. Enums are compared too, as sets.
 */
function disagreements(hand: Shape, modelName: string, path: string, out: string[]): void {
  const model = modelShape(SAGEMAKER_MODEL, modelName);
  if (hand.kind !== model.type) {
    out.push(`${path}: validate-shapes.ts says ${hand.kind}, botocore says ${model.type} (${modelName})`);
    return;
  }
  if (hand.kind === "string" && model.type === "string" && hand.enum !== undefined) {
    const extra = hand.enum.filter((v) => !(model.enum ?? []).includes(v));
    if (extra.length > 0) out.push(`${path}: enum values botocore lacks: ${extra.join(", ")}`);
  }
  if (hand.kind === "list" && model.type === "list") disagreements(hand.member, model.member, `${path}[]`, out);
  if (hand.kind === "map" && model.type === "map") {
    disagreements(hand.key, model.key, `${path} (key)`, out);
    disagreements(hand.value, model.value, `${path}.<value>`, out);
  }
  if (hand.kind === "structure" && model.type === "structure") {
    for (const [name, member] of Object.entries(hand.members)) {
      const memberPath = path === "" ? name : `${path}.${name}`;
      const modelMember = model.members[name];
      if (modelMember === undefined) out.push(`${memberPath}: not a member of ${modelName} in botocore's model`);
      else disagreements(member, modelMember, memberPath, out);
    }
  }
}

describe("the server's hand-written request shapes (validate-shapes.ts)", () => {
  const cases: [string, StructureShape, string][] = [
    ["CreateTrainingJob", CREATE_TRAINING_JOB_REQUEST, "CreateTrainingJobRequest"],
    ["ListTrainingJobs", LIST_TRAINING_JOBS_REQUEST, "ListTrainingJobsRequest"],
    ["DescribeTrainingJob", TRAINING_JOB_NAME_REQUEST, "DescribeTrainingJobRequest"],
    ["StopTrainingJob", TRAINING_JOB_NAME_REQUEST, "StopTrainingJobRequest"],
    ["DeleteTrainingJob", TRAINING_JOB_NAME_REQUEST, "DeleteTrainingJobRequest"],
    ["CreateHyperParameterTuningJob", CREATE_TUNING_JOB_REQUEST, "CreateHyperParameterTuningJobRequest"],
    ["DescribeHyperParameterTuningJob", TUNING_JOB_NAME_REQUEST, "DescribeHyperParameterTuningJobRequest"],
    ["StopHyperParameterTuningJob", TUNING_JOB_NAME_REQUEST, "StopHyperParameterTuningJobRequest"],
    ["DeleteHyperParameterTuningJob", TUNING_JOB_NAME_REQUEST, "DeleteHyperParameterTuningJobRequest"],
    ["ListHyperParameterTuningJobs", LIST_TUNING_JOBS_REQUEST, "ListHyperParameterTuningJobsRequest"],
    ["ListTrainingJobsForHyperParameterTuningJob", LIST_TRAINING_JOBS_FOR_TUNING_JOB_REQUEST, "ListTrainingJobsForHyperParameterTuningJobRequest"],
    ["CreateProcessingJob", CREATE_PROCESSING_JOB_REQUEST, "CreateProcessingJobRequest"],
    ["DescribeProcessingJob", PROCESSING_JOB_NAME_REQUEST, "DescribeProcessingJobRequest"],
    ["StopProcessingJob", PROCESSING_JOB_NAME_REQUEST, "StopProcessingJobRequest"],
    ["DeleteProcessingJob", PROCESSING_JOB_NAME_REQUEST, "DeleteProcessingJobRequest"],
    ["ListProcessingJobs", LIST_PROCESSING_JOBS_REQUEST, "ListProcessingJobsRequest"],
  ];
  it.each(cases)("%s: every member exists in botocore's model with the same type", (operation, hand, input) => {
    expect(SAGEMAKER_MODEL.operations[operation]).toBe(input);
    const out: string[] = [];
    disagreements(hand, input, "", out);
    expect(out).toEqual([]);
  });

  it("finds a drift: a renamed member, a changed type", () => {
    const drifted: Shape = {
      kind: "structure",
      members: { ...CREATE_TRAINING_JOB_REQUEST.members, Enviroment: { kind: "string" }, EnableNetworkIsolation: { kind: "string" } },
    };
    const out: string[] = [];
    disagreements(drifted, "CreateTrainingJobRequest", "", out);
    expect(out).toEqual([
      "EnableNetworkIsolation: validate-shapes.ts says string, botocore says boolean (Boolean)",
      "Enviroment: not a member of CreateTrainingJobRequest in botocore's model",
    ]);
  });
});
