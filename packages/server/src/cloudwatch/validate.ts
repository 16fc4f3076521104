/**
 * A CloudWatch request checked against botocore's model of it (cloudwatch-model.generated.ts), as
 * CloudWatch's front end does before an operation looks at it:
 *
 * 1. member types (SerializationException at the first that does not fit, in the words of the
 *    SageMaker checker, validate-model.ts, which this reuses);
 * 2. required members: `MissingParameter: The parameter X is required.`, X the member's path as
 *    the query protocol writes it (`MetricDataQueries.member.1.MetricStat.Period`);
 * 3. lengths, ranges, patterns and enums: one `ValidationError` listing every violation in AWS's
 *    form (`1 validation error detected: Value '0' at 'period' failed to satisfy constraint: Member
 *    must have value greater than or equal to 1`).
 */
import { ApiError, formatValidationErrors, missingParameter } from "../protocol/errors.js";
import type { ModelShape } from "../sagemaker/model/service-model.js";
import { checkTypes, collectViolations, pattern, type Shape, type StructureShape } from "../sagemaker/validate-model.js";
import { CLOUDWATCH_MODEL } from "./cloudwatch-model.generated.js";

/** CloudWatch's code for a request that breaks its model's constraints. */
export function validationError(message: string): ApiError {
  return new ApiError("ValidationError", message, 400, "ValidationError");
}

export function validateInput(operation: string, input: Record<string, unknown>): void {
  const name = CLOUDWATCH_MODEL.operations[operation];
  if (name === undefined) throw new Error(`the CloudWatch model has no operation ${operation}`);
  const plain = secondsForDates(input) as Record<string, unknown>;
  const shape = converted(name) as StructureShape;
  checkTypes(shape, plain);
  checkRequired(name, plain, "");
  const violations = collectViolations(shape, plain);
  if (violations.length > 0) throw validationError(formatValidationErrors(violations));
}

function model(name: string): ModelShape {
  const s = CLOUDWATCH_MODEL.shapes[name];
  if (s === undefined) throw new Error(`the CloudWatch model has no shape ${name}`);
  return s;
}

/** The first required member missing, depth first in the model's order. */
function checkRequired(name: string, value: unknown, path: string): void {
  if (value === undefined || value === null) return;
  const shape = model(name);
  if (shape.type === "structure") {
    const v = value as Record<string, unknown>;
    for (const [member, target] of Object.entries(shape.members)) {
      const at = path === "" ? member : `${path}.${member}`;
      if ((v[member] === undefined || v[member] === null) && shape.required?.includes(member)) throw missingParameter(at);
      checkRequired(target, v[member], at);
    }
  } else if (shape.type === "list" && Array.isArray(value)) {
    value.forEach((m, i) => checkRequired(shape.member, m, `${path}.member.${i + 1}`));
  }
}

const cache = new Map<string, Shape>();

/** A model shape in the checker's form, without required members (checkRequired reports those). */
function converted(name: string): Shape {
  const hit = cache.get(name);
  if (hit !== undefined) return hit;
  const s = model(name);
  let out: Shape;
  switch (s.type) {
    case "string":
      out = {
        kind: "string",
        ...(s.min !== undefined ? { min: s.min } : {}),
        ...(s.max !== undefined ? { max: s.max } : {}),
        ...(s.pattern !== undefined ? { pattern: pattern(s.pattern) } : {}),
        ...(s.enum !== undefined ? { enum: s.enum } : {}),
      };
      break;
    case "integer":
    case "long":
      out = { kind: s.type, ...(s.min !== undefined ? { min: s.min } : {}), ...(s.max !== undefined ? { max: s.max } : {}) };
      break;
    case "float":
    case "double":
      out = { kind: s.type };
      break;
    case "boolean":
    case "timestamp":
      out = { kind: s.type };
      break;
    case "blob":
      out = { kind: "string" };
      break;
    case "list":
      out = { kind: "list", member: converted(s.member), ...(s.min !== undefined ? { min: s.min } : {}), ...(s.max !== undefined ? { max: s.max } : {}) };
      break;
    case "map":
      out = { kind: "map", key: converted(s.key) as Extract<Shape, { kind: "string" }>, value: converted(s.value) };
      break;
    case "structure":
      out = { kind: "structure", members: Object.fromEntries(Object.entries(s.members).map(([m, t]) => [m, converted(t)])) };
      break;
  }
  cache.set(name, out);
  return out;
}

/** The input with Dates as epoch seconds, the form the checker reads timestamps in. */
function secondsForDates(value: unknown): unknown {
  if (value instanceof Date) return value.getTime() / 1000;
  if (Array.isArray(value)) return value.map(secondsForDates);
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, secondsForDates(v)]));
  }
  if (typeof value === "bigint") return Number(value);
  return value;
}
