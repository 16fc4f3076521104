/**
 * A small, data-driven request checker in the manner of AWS's own (Coral) front end: request
 * shapes are described as data (validate-shapes.ts, after botocore's service model) and checked in
 * two passes.
 *
 * 1. `checkTypes`: every member has the JSON type its shape needs, else SerializationException
 *    (AWS fails deserialization at the first wrong type, before any constraint is looked at).
 *    Members the shape does not know are ignored, as AWS ignores them; JSON null is "not set".
 * 2. `collectViolations`: every constraint violation, in AWS's wording, with camelCase member
 *    paths: `inputDataConfig.1.member.channelName` for structures in lists (1-based), one
 *    "Member must satisfy constraint: [...]" for a list of scalars, "Map key/value must satisfy
 *    constraint: [...]" for maps of scalars (AWS prints every constraint of the element shape
 *    there, failing or not), `Value null at ... Member must not be null` for a missing required member.
 */
import { constraint, formatViolation, serializationException } from "../protocol/errors.js";

export interface Pattern {
  /** As AWS prints it in "Member must satisfy regular expression pattern: ..." */
  readonly shown: string;
  /** What is enforced; whole-string match. */
  readonly test: RegExp;
}

export interface StringShape {
  readonly kind: "string";
  readonly min?: number;
  readonly max?: number;
  readonly pattern?: Pattern;
  readonly enum?: readonly string[];
}
export interface NumberShape {
  /** integer: 32-bit signed; long: any safe integer. */
  readonly kind: "integer" | "long";
  readonly min?: number;
  readonly max?: number;
}
/** float, double: any finite JSON number (the model gives them no bounds). */
export interface FloatShape {
  readonly kind: "float" | "double";
}
export interface BooleanShape {
  readonly kind: "boolean";
}
/** Epoch seconds, a JSON number, as the SDKs send timestamps in awsJson1_1. */
export interface TimestampShape {
  readonly kind: "timestamp";
}
export interface ListShape {
  readonly kind: "list";
  readonly member: Shape;
  readonly min?: number;
  readonly max?: number;
}
export interface MapShape {
  readonly kind: "map";
  readonly key: StringShape;
  readonly value: Shape;
  readonly min?: number;
  readonly max?: number;
}
export interface StructureShape {
  readonly kind: "structure";
  /** In the service model's order, which is the order violations are reported in. */
  readonly members: Readonly<Record<string, Shape>>;
  /** Required members; a function where what is required depends on the other members. */
  readonly required?: readonly string[] | ((value: Readonly<Record<string, unknown>>) => readonly string[]);
}
export type Shape = StringShape | NumberShape | FloatShape | BooleanShape | TimestampShape | ListShape | MapShape | StructureShape;

/**
 * A pattern from the service model: enforced as a whole-string match (Java `matches()`), with
 * Unicode property escapes available. `source` overrides what is enforced, for optml extensions.
 */
export function pattern(shown: string, source: string = shown): Pattern {
  return { shown, test: new RegExp(`^(?:${source})$`, "u") };
}

// ---------------------------------------------------------------------------------------------
// Pass 1: JSON types

const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;

/** Throws a SerializationException at the first member whose JSON type does not fit its shape. */
export function checkTypes(shape: Shape, value: unknown): void {
  if (value === null || value === undefined) return;
  checkType(shape, value);
}

function checkType(shape: Shape, value: unknown): void {
  switch (shape.kind) {
    case "string":
      if (typeof value !== "string") throw typeMismatch(value, "a String");
      return;
    case "integer":
      if (typeof value !== "number" || !Number.isInteger(value) || value < INT32_MIN || value > INT32_MAX) {
        throw typeMismatch(value, "an Integer");
      }
      return;
    case "long":
      if (typeof value !== "number" || !Number.isSafeInteger(value)) throw typeMismatch(value, "a Long");
      return;
    case "float":
    case "double":
      if (typeof value !== "number" || !Number.isFinite(value)) throw typeMismatch(value, shape.kind === "float" ? "a Float" : "a Double");
      return;
    case "boolean":
      if (typeof value !== "boolean") throw typeMismatch(value, "a Boolean");
      return;
    case "timestamp":
      if (typeof value !== "number" || !Number.isFinite(value)) throw typeMismatch(value, "a Timestamp");
      return;
    case "list":
      if (!Array.isArray(value)) throw typeMismatch(value, "a List");
      for (const element of value) {
        if (element === null) throw typeMismatch(element, "a List member");
        checkType(shape.member, element);
      }
      return;
    case "map":
      if (!isObject(value)) throw typeMismatch(value, "a Map");
      for (const element of Object.values(value)) {
        if (element === null) throw typeMismatch(element, "a Map value");
        checkType(shape.value, element);
      }
      return;
    case "structure":
      if (!isObject(value)) throw typeMismatch(value, "a Structure");
      for (const [name, member] of Object.entries(shape.members)) {
        checkTypes(member, own(value, name));
      }
      return;
  }
}

function typeMismatch(value: unknown, target: string) {
  if (Array.isArray(value)) return serializationException("Start of list found where not expected");
  if (isObject(value)) return serializationException("Start of structure or map found where not expected.");
  const token =
    value === null
      ? "NULL_VALUE"
      : typeof value === "string"
        ? "STRING_VALUE"
        : typeof value === "number"
          ? "NUMBER_VALUE"
          : "BOOLEAN_VALUE";
  return serializationException(`${token} can not be converted to ${target}`);
}

// ---------------------------------------------------------------------------------------------
// Pass 2: constraints (the value has passed checkTypes)

/** Every violation of `shape`'s constraints in `value`, in AWS's message form. */
export function collectViolations(shape: StructureShape, value: Readonly<Record<string, unknown>>): string[] {
  const out: string[] = [];
  visitStructure(shape, value, "", out);
  return out;
}

function visit(shape: Shape, value: unknown, path: string, out: string[]): void {
  switch (shape.kind) {
    case "string":
    case "integer":
    case "long":
      for (const c of failedScalarConstraints(shape, value)) out.push(formatViolation(path, value, c));
      return;
    case "float":
    case "double":
    case "boolean":
    case "timestamp":
      return;
    case "list":
      visitList(shape, value as readonly unknown[], path, out);
      return;
    case "map":
      visitMap(shape, value as Readonly<Record<string, unknown>>, path, out);
      return;
    case "structure":
      visitStructure(shape, value as Readonly<Record<string, unknown>>, path, out);
      return;
  }
}

function visitStructure(
  shape: StructureShape,
  value: Readonly<Record<string, unknown>>,
  path: string,
  out: string[],
): void {
  const required = typeof shape.required === "function" ? shape.required(value) : (shape.required ?? []);
  for (const [name, member] of Object.entries(shape.members)) {
    const memberPath = path === "" ? lowerFirst(name) : `${path}.${lowerFirst(name)}`;
    const memberValue = own(value, name);
    if (memberValue === undefined || memberValue === null) {
      if (required.includes(name)) out.push(formatViolation(memberPath, null, constraint.notNull));
      continue;
    }
    visit(member, memberValue, memberPath, out);
  }
}

function visitList(shape: ListShape, value: readonly unknown[], path: string, out: string[]): void {
  for (const c of failedSizeConstraints(shape, value.length)) out.push(formatViolation(path, value, c));
  if (isScalar(shape.member)) {
    const element = shape.member;
    if (value.some((v) => failedScalarConstraints(element, v).length > 0)) {
      out.push(formatViolation(path, value, constraint.listMember(allScalarConstraints(element))));
    }
    return;
  }
  value.forEach((element, i) => visit(shape.member, element, `${path}.${i + 1}.member`, out));
}

function visitMap(shape: MapShape, value: Readonly<Record<string, unknown>>, path: string, out: string[]): void {
  const entries = Object.entries(value);
  for (const c of failedSizeConstraints(shape, entries.length)) out.push(formatViolation(path, value, c));
  if (entries.some(([k]) => failedScalarConstraints(shape.key, k).length > 0)) {
    out.push(formatViolation(path, value, constraint.mapKey(allScalarConstraints(shape.key))));
  }
  if (isScalar(shape.value)) {
    const element = shape.value;
    if (entries.some(([, v]) => failedScalarConstraints(element, v).length > 0)) {
      out.push(formatViolation(path, value, constraint.mapValue(allScalarConstraints(element))));
    }
    return;
  }
  for (const [k, v] of entries) visit(shape.value, v, `${path}.${k}.member`, out);
}

type ScalarShape = StringShape | NumberShape;

function isScalar(shape: Shape): shape is ScalarShape {
  return shape.kind === "string" || shape.kind === "integer" || shape.kind === "long";
}

/** The constraints a scalar fails, in the order AWS reports them: min, pattern, enum, max. */
function failedScalarConstraints(shape: ScalarShape, value: unknown): string[] {
  const failed: string[] = [];
  if (shape.kind === "string") {
    const text = value as string;
    if (shape.min !== undefined && text.length < shape.min) failed.push(constraint.minLength(shape.min));
    if (shape.pattern !== undefined && !shape.pattern.test.test(text)) failed.push(constraint.pattern(shape.pattern.shown));
    if (shape.enum !== undefined && !shape.enum.includes(text)) failed.push(constraint.enumValues(shape.enum));
    if (shape.max !== undefined && text.length > shape.max) failed.push(constraint.maxLength(shape.max));
  } else {
    const n = value as number;
    if (shape.min !== undefined && n < shape.min) failed.push(constraint.minValue(shape.min));
    if (shape.max !== undefined && n > shape.max) failed.push(constraint.maxValue(shape.max));
  }
  return failed;
}

/** Every constraint of a scalar shape, as AWS lists them inside "[...]": max, min, pattern, enum. */
function allScalarConstraints(shape: ScalarShape): string[] {
  const all: string[] = [];
  if (shape.kind === "string") {
    if (shape.max !== undefined) all.push(constraint.maxLength(shape.max));
    if (shape.min !== undefined) all.push(constraint.minLength(shape.min));
    if (shape.pattern !== undefined) all.push(constraint.pattern(shape.pattern.shown));
    if (shape.enum !== undefined) all.push(constraint.enumValues(shape.enum));
  } else {
    if (shape.max !== undefined) all.push(constraint.maxValue(shape.max));
    if (shape.min !== undefined) all.push(constraint.minValue(shape.min));
  }
  return all;
}

function failedSizeConstraints(shape: ListShape | MapShape, size: number): string[] {
  const failed: string[] = [];
  if (shape.min !== undefined && size < shape.min) failed.push(constraint.minLength(shape.min));
  if (shape.max !== undefined && size > shape.max) failed.push(constraint.maxLength(shape.max));
  return failed;
}

// ---------------------------------------------------------------------------------------------

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function own(value: Readonly<Record<string, unknown>>, name: string): unknown {
  return Object.hasOwn(value, name) ? value[name] : undefined;
}

/** AWS's member paths: the member name with a lower-case first letter (`S3Uri` -> `s3Uri`). */
export function lowerFirst(name: string): string {
  return name.charAt(0).toLowerCase() + name.slice(1);
}
