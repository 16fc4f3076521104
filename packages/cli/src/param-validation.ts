/**
 * Client-side parameter validation as the AWS CLI does it before it sends a request (botocore's
 * `ParamValidator`): against the operation's input shape in botocore's service model, every
 * problem at once, in botocore's order and words, with its member paths
 * (`AlgorithmSpecification.MetricDefinitions[0].Regex`, `HyperParameters.epochs`).
 *
 * - an unknown member, at any depth: `Unknown parameter in input: "X", must be one of: A, B`
 * - a required member missing: `Missing required parameter in ResourceConfig: "InstanceType"`
 * - a wrong type: `Invalid type for parameter P, value: 2, type: <class 'int'>, valid types: <class 'str'>`
 * - below a shape's `min`: `Invalid length for parameter P, value: 0, valid min length: 1`
 *   (strings, lists, maps) and `Invalid value for parameter P, value: 0, valid min value: 1`.
 *
 * Values are Python values (`PyValue`: ints and floats apart, as `json.loads` makes them), since
 * the AWS CLI's messages print them as Python does. One departure from Python: a boolean is not an
 * integer here (`isinstance(True, int)` holds in Python, so the AWS CLI would send `true` as an
 * InstanceCount, and the service would refuse it).
 *
 * Each problem also carries optml's hint (did you mean, what to write instead): param-hints.ts.
 */
import { isPyDict, pyStr, type PyValue } from "@optml/contract";
import { modelShape, type ModelShape, type ServiceModel } from "@optml/server";
import { describeShape, lengthHint, missingHint, rangeHint, typeHint, unknownHint } from "./param-hints.js";

export interface ParamProblem {
  /** The member's path as botocore names it: "" for the input, `.A.B[0]`, `.M (key: k)`. */
  readonly path: string;
  /** The AWS CLI's line. */
  readonly message: string;
  /** optml's addition: a likely intended name, or what to write. */
  readonly hint?: string;
}

/** One line per problem: AWS's words, then optml's hint after "; ". */
export function problemLine(problem: ParamProblem): string {
  return problem.hint === undefined ? problem.message : `${problem.message}; ${problem.hint}`;
}

/** Every problem with `params` as the input of `operation`, in the order the AWS CLI reports them. */
export function validateParameters(model: ServiceModel, operation: string, params: PyValue): ParamProblem[] {
  const input = model.operations[operation];
  if (input === undefined) throw new Error(`the SageMaker model has no operation ${operation}`);
  const v = new Validator(model, input);
  v.validate(params, input, "");
  return v.problems;
}

/** botocore's names: "" is "input", a leading "." is dropped. */
export function shownName(path: string): string {
  if (path === "") return "input";
  return path.startsWith(".") ? path.slice(1) : path;
}

/** Python's `type(value)` as printed: `<class 'int'>`. */
export function pythonType(value: PyValue): string {
  if (value === null) return "<class 'NoneType'>";
  if (typeof value === "boolean") return "<class 'bool'>";
  if (typeof value === "bigint") return "<class 'int'>";
  if (typeof value === "number") return "<class 'float'>";
  if (typeof value === "string") return "<class 'str'>";
  if (Array.isArray(value)) return "<class 'list'>";
  return "<class 'dict'>";
}

/** The Python types botocore accepts for a shape type, as it lists them. */
const VALID_TYPES: Readonly<Record<ModelShape["type"], readonly string[]>> = {
  string: ["<class 'str'>"],
  integer: ["<class 'int'>"],
  long: ["<class 'int'>"],
  float: ["<class 'float'>", "<class 'decimal.Decimal'>", "<class 'int'>"],
  double: ["<class 'float'>", "<class 'decimal.Decimal'>", "<class 'int'>"],
  boolean: ["<class 'bool'>"],
  timestamp: ["<class 'datetime.datetime'>", "timestamp-string"],
  blob: ["<class 'bytes'>", "<class 'bytearray'>", "file-like object"],
  structure: ["<class 'dict'>"],
  map: ["<class 'dict'>"],
  list: ["<class 'list'>", "<class 'tuple'>"],
};

function hasType(shape: ModelShape, value: PyValue): boolean {
  switch (shape.type) {
    case "string":
    case "blob":
      return typeof value === "string";
    case "integer":
    case "long":
      return typeof value === "bigint";
    case "float":
    case "double":
      return typeof value === "bigint" || typeof value === "number";
    case "boolean":
      return typeof value === "boolean";
    case "timestamp":
      return typeof value === "bigint" || (typeof value === "number" && Number.isFinite(value)) || (typeof value === "string" && isTimestampString(value));
    case "structure":
    case "map":
      return isPyDict(value);
    case "list":
      return Array.isArray(value);
  }
}

/** What botocore's parse_to_aware_datetime takes as a string: epoch seconds or an ISO 8601 date. */
function isTimestampString(text: string): boolean {
  return /^-?\d+(\.\d+)?$/.test(text.trim()) || (/^\d{4}-\d\d-\d\d/.test(text.trim()) && !Number.isNaN(Date.parse(text)));
}

/** A string's length as Python counts it: code points. */
function pythonLength(text: string): number {
  let n = 0;
  for (const _ of text) n++;
  return n;
}

/** Where a value sits, for the hints. */
interface Place {
  /** The map member whose value this is (`HyperParameters`). */
  readonly mapName?: string;
  /** An optional member of a structure (it may be left out). */
  readonly optional?: boolean;
}

class Validator {
  readonly problems: ParamProblem[] = [];

  constructor(
    private readonly model: ServiceModel,
    private readonly root: string,
  ) {}

  validate(value: PyValue, shapeName: string, path: string, place: Place = {}): void {
    const shape = modelShape(this.model, shapeName);
    if (shape.type === "structure" && shape.document) return;
    if (!hasType(shape, value)) {
      const parts = VALID_TYPES[shape.type].join(", ");
      this.report(path, `Invalid type for parameter ${shownName(path)}, value: ${pyStr(value)}, type: ${pythonType(value)}, valid types: ${parts}`, typeHint(this.model, shapeName, value, place.mapName));
      return;
    }
    switch (shape.type) {
      case "structure":
        this.structure(shape, value as Map<string, PyValue>, shapeName, path);
        return;
      case "list": {
        const items = value as PyValue[];
        this.minLength(shape.min, items.length, path, shape, place);
        items.forEach((item, i) => this.validate(item, shape.member, `${path}[${i}]`));
        return;
      }
      case "map":
        for (const [key, item] of value as Map<string, PyValue>) {
          this.validate(key, shape.key, `${path} (key: ${key})`);
          this.validate(item, shape.value, `${path}.${key}`, { mapName: memberName(path) });
        }
        return;
      case "string":
        this.minLength(shape.min, pythonLength(value as string), path, shape, place);
        return;
      case "integer":
      case "long":
      case "float":
      case "double": {
        const n = Number(value as bigint | number);
        if (shape.min !== undefined && n < shape.min) {
          this.report(path, `Invalid value for parameter ${shownName(path)}, value: ${pyStr(value)}, valid min value: ${shape.min}`, rangeHint(shape.min));
        }
        return;
      }
      default:
        return;
    }
  }

  private structure(shape: Extract<ModelShape, { type: "structure" }>, params: Map<string, PyValue>, shapeName: string, path: string): void {
    const memberNames = Object.keys(shape.members);
    const name = shownName(path);
    if (shape.union && params.size === 0) {
      // botocore's words, its missing space included.
      this.report(path, `Must set one of the following keys for tagged unionstructure ${name}: ${memberNames.join(", ")}.`);
    } else if (shape.union && params.size > 1) {
      this.report(path, `Invalid number of parameters set for tagged union structure ${name}. Can only set one of the following keys: ${memberNames.join(", ")}.`);
    }
    for (const required of shape.required ?? []) {
      if (!params.has(required)) {
        this.report(path, `Missing required parameter in ${name}: "${required}"`, missingHint(required, describeShape(this.model, shape.members[required]!)));
      }
    }
    const known: string[] = [];
    for (const param of params.keys()) {
      if (Object.hasOwn(shape.members, param)) known.push(param);
      else this.report(path, `Unknown parameter in ${name}: "${param}", must be one of: ${memberNames.join(", ")}`, unknownHint(this.model, this.root, shapeName, param, path));
    }
    const required = new Set(shape.required ?? []);
    for (const param of known) this.validate(params.get(param)!, shape.members[param]!, `${path}.${param}`, { optional: !required.has(param) });
  }

  private minLength(min: number | undefined, length: number, path: string, shape: ModelShape, place: Place): void {
    if (min !== undefined && length < min) {
      const hint = lengthHint(shape.type, min, place.optional === true ? memberName(path) : undefined);
      this.report(path, `Invalid length for parameter ${shownName(path)}, value: ${length}, valid min length: ${min}`, hint);
    }
  }

  private report(path: string, message: string, hint?: string): void {
    this.problems.push(hint === undefined ? { path, message } : { path, message, hint });
  }
}

/** The last member name in a path: `.A.B[0]` -> `B`. */
function memberName(path: string): string {
  return (path.split(".").pop() ?? "").replace(/\[\d+\]$/, "");
}

/**
 * A request as Python's `json.loads` would see it: `request` is the JSON value as JavaScript holds
 * it (after optml's own changes), `written` the same file as pyjson parsed it, which tells a float
 * written `2.0` from the int `2` where the two still agree.
 */
export function pythonView(request: unknown, written: PyValue | undefined): PyValue {
  if (request === null || request === undefined) return null;
  if (typeof request === "boolean" || typeof request === "string") return request;
  if (typeof request === "bigint") return request;
  if (typeof request === "number") {
    if (typeof written === "bigint" && Number(written) === request) return written;
    if (typeof written === "number" && Object.is(written, request)) return written;
    return Number.isInteger(request) ? BigInt(request) : request;
  }
  if (Array.isArray(request)) {
    const list = Array.isArray(written) ? written : [];
    return request.map((item, i) => pythonView(item, list[i]));
  }
  const object = request as Record<string, unknown>;
  const dict = isPyDict(written ?? null) ? (written as Map<string, PyValue>) : new Map<string, PyValue>();
  // The file's order: JavaScript objects put integer-like keys ("10") first, Python dicts do not.
  const keys = [...new Set([...[...dict.keys()].filter((k) => Object.hasOwn(object, k)), ...Object.keys(object)])];
  return new Map(keys.map((k) => [k, pythonView(object[k], dict.get(k))]));
}
