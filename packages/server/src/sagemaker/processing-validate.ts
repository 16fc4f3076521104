/**
 * Request validation for the processing job operations, in the steps of validate.ts: JSON types
 * per the request shape (processing-shapes.ts) -> SerializationException; the model's constraints
 * -> one ValidationException listing every violation, in AWS's form; then the rules between members
 * that the model cannot express -> one ValidationException naming every broken rule: every
 * LocalPath under /opt/ml/processing, no two inputs on one LocalPath, no output on an input's,
 * unique input and output names, Gzip only in Pipe mode (as the API reference says), and what optml
 * cannot serve on this machine (DatasetDefinition's Athena and Redshift queries, Feature Store
 * outputs), refused with why.
 */
import { validationErrors, validationException } from "../protocol/errors.js";
import { PROCESSING_ROOT, type CreateProcessingJobRequest } from "./processing-request.js";
import { CREATE_PROCESSING_JOB_REQUEST, LIST_PROCESSING_JOBS_REQUEST, PROCESSING_JOB_NAME_REQUEST } from "./processing-shapes.js";
import { checkTypes, collectViolations, type StructureShape } from "./validate-model.js";

const normalized = (path: string) => path.replace(/\/+$/, "");

function validateShape(shape: StructureShape, input: Record<string, unknown>): void {
  checkTypes(shape, input);
  const violations = collectViolations(shape, input);
  if (violations.length > 0) throw validationErrors(violations);
}

export function validateCreateProcessingJob(input: Record<string, unknown>): void {
  validateShape(CREATE_PROCESSING_JOB_REQUEST, input);
  const problems = processingJobProblems(input as unknown as CreateProcessingJobRequest);
  if (problems.length > 0) throw validationException(problems.join(" "));
}

/** DescribeProcessingJob, StopProcessingJob: the job's name, required and well formed. */
export function validateProcessingJobName(input: Record<string, unknown>): string {
  validateShape(PROCESSING_JOB_NAME_REQUEST, input);
  return input.ProcessingJobName as string;
}

export function validateListProcessingJobs(input: Record<string, unknown>): void {
  validateShape(LIST_PROCESSING_JOBS_REQUEST, input);
}

/** Whether a LocalPath is strictly inside /opt/ml/processing (no `..`, no `.` steps; a trailing `/` is fine, as the SDK sends them). */
export function isProcessingPath(localPath: string): boolean {
  const path = normalized(localPath);
  const parts = path.split("/");
  return path.startsWith(`${PROCESSING_ROOT}/`) && parts.slice(4).every((p) => p !== "" && p !== "." && p !== "..") && parts.length > 4;
}

/** The rules between members, each broken one as a sentence. */
export function processingJobProblems(req: CreateProcessingJobRequest): string[] {
  const problems: string[] = [];
  const inputs = req.ProcessingInputs ?? [];
  const outputs = req.ProcessingOutputConfig?.Outputs ?? [];
  const seen = (names: string[]) => names.filter((n, i) => names.indexOf(n) !== i);

  for (const name of new Set(seen(inputs.map((i) => i.InputName)))) problems.push(`ProcessingInputs has more than one input named '${name}': InputName must be unique.`);
  for (const name of new Set(seen(outputs.map((o) => o.OutputName)))) problems.push(`ProcessingOutputConfig.Outputs has more than one output named '${name}': OutputName must be unique.`);

  const inputPaths = new Map<string, string>();
  inputs.forEach((input, i) => {
    const where = `ProcessingInputs[${i}] ('${input.InputName}')`;
    if (input.DatasetDefinition !== undefined) {
      const kind = input.DatasetDefinition.AthenaDatasetDefinition ? "an Athena query" : input.DatasetDefinition.RedshiftDatasetDefinition ? "a Redshift query" : "a dataset definition";
      problems.push(
        `${where}: DatasetDefinition (${kind}) cannot be served by optml, which runs processing jobs on this machine without Athena or Redshift; run the query yourself and give its result as an S3Input.`,
      );
      return;
    }
    const s3 = input.S3Input;
    if (!s3) {
      problems.push(`${where}: an input needs an S3Input (or a DatasetDefinition, which optml cannot serve).`);
      return;
    }
    if (s3.LocalPath === undefined || s3.LocalPath === "") {
      problems.push(`${where}: S3Input.LocalPath is required: the directory under ${PROCESSING_ROOT}/ where the input is placed.`);
    } else if (!isProcessingPath(s3.LocalPath)) {
      problems.push(`${where}: S3Input.LocalPath '${s3.LocalPath}' must be a path under ${PROCESSING_ROOT}/.`);
    } else {
      const other = inputPaths.get(normalized(s3.LocalPath));
      if (other !== undefined) problems.push(`${where}: S3Input.LocalPath '${s3.LocalPath}' is also the LocalPath of input '${other}': each input needs a LocalPath of its own.`);
      else inputPaths.set(normalized(s3.LocalPath), input.InputName);
    }
    if (s3.S3CompressionType === "Gzip" && (s3.S3InputMode ?? "File") !== "Pipe") {
      problems.push(`${where}: S3CompressionType Gzip can only be used when S3InputMode is Pipe.`);
    }
  });

  outputs.forEach((output, i) => {
    const where = `ProcessingOutputConfig.Outputs[${i}] ('${output.OutputName}')`;
    if (output.FeatureStoreOutput !== undefined) {
      problems.push(`${where}: FeatureStoreOutput cannot be served by optml (there is no Feature Store here); write the features to an S3Output.`);
      return;
    }
    const s3 = output.S3Output;
    if (!s3) {
      problems.push(`${where}: an output needs an S3Output.`);
      return;
    }
    if (s3.LocalPath === undefined || s3.LocalPath === "") {
      problems.push(`${where}: S3Output.LocalPath is required: the directory under ${PROCESSING_ROOT}/ whose files are uploaded.`);
    } else if (!isProcessingPath(s3.LocalPath)) {
      problems.push(`${where}: S3Output.LocalPath '${s3.LocalPath}' must be a path under ${PROCESSING_ROOT}/.`);
    } else {
      const input = inputPaths.get(normalized(s3.LocalPath));
      if (input !== undefined) problems.push(`${where}: S3Output.LocalPath '${s3.LocalPath}' is the LocalPath of input '${input}': an output needs a directory of its own.`);
    }
  });
  return problems;
}
