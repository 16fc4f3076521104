/**
 * What the protocol layer needs to know of a service's shapes to speak the protocols whose wire
 * form is not plain JSON (the query protocol's form fields and XML, the CBOR of rpc-v2-cbor) and
 * to hand every handler the same input whatever protocol carried it. A service that has such a
 * model (generated from botocore's, e.g. cloudwatch/cloudwatch-model.generated.ts) is served in
 * every protocol its model lists; one without is served in awsJson1_1 alone, as before.
 *
 * Handler input, whatever the protocol: a plain object as JSON would give it, except that every
 * timestamp member is a `Date` (epoch seconds in JSON, tag 1 in CBOR, ISO 8601 in a query form).
 * Numbers and booleans of a query form are converted by their shapes.
 */
import type { ModelShape, ModelStructureShape } from "../sagemaker/model/service-model.js";
import { serializationException } from "./errors.js";

export interface WireServiceModel {
  readonly botocoreVersion: string;
  readonly apiVersion: string;
  /** The awsJson X-Amz-Target prefix, and the service name in an rpc-v2-cbor path. */
  readonly targetPrefix: string;
  readonly signingName: string;
  /** The query protocol's XML namespace. */
  readonly xmlNamespace: string;
  /** botocore's names: "smithy-rpc-v2-cbor", "json", "query". */
  readonly protocols: readonly string[];
  /** Errors carry `x-amzn-query-error: <query code>;<Sender|Receiver>` in JSON and CBOR. */
  readonly awsQueryCompatible: boolean;
  /** Operation -> input shape name. */
  readonly operations: Readonly<Record<string, string>>;
  readonly outputs: Readonly<Record<string, { readonly shape: string; readonly resultWrapper: string }>>;
  /** Error shape name -> its query code, HTTP status and fault. */
  readonly errors: Readonly<Record<string, { readonly code: string; readonly status: number; readonly sender: boolean }>>;
  readonly shapes: Readonly<Record<string, ModelShape>>;
}

function shapeOf(model: WireServiceModel, name: string): ModelShape {
  const s = model.shapes[name];
  if (s === undefined) throw new Error(`the ${model.targetPrefix} model has no shape ${name}`);
  return s;
}

function inputShape(model: WireServiceModel, operation: string): ModelStructureShape | undefined {
  const name = model.operations[operation];
  if (name === undefined) return undefined;
  const s = shapeOf(model, name);
  return s.type === "structure" ? s : undefined;
}

// ---------------------------------------------------------------------------------------------
// Input: JSON and CBOR values, query forms

/**
 * The handler input from a decoded JSON or CBOR body: timestamps become Dates (JSON sends epoch
 * seconds; CBOR's tag 1 is already a Date; a string is read as ISO 8601), everything else as is.
 * A timestamp that is neither is a SerializationException, as AWS fails deserialization.
 */
export function normalizeInput(model: WireServiceModel, operation: string, input: Record<string, unknown>): Record<string, unknown> {
  const shape = model.operations[operation];
  if (shape === undefined) return input;
  return normalize(model, shape, input, operation) as Record<string, unknown>;
}

function normalize(model: WireServiceModel, name: string, value: unknown, path: string): unknown {
  if (value === null || value === undefined) return value;
  const shape = shapeOf(model, name);
  switch (shape.type) {
    case "timestamp":
      return toDate(value, path);
    case "structure": {
      if (typeof value !== "object" || Array.isArray(value) || value instanceof Date) return value;
      const out: Record<string, unknown> = { ...(value as Record<string, unknown>) };
      for (const [member, target] of Object.entries(shape.members)) {
        if (Object.hasOwn(out, member)) out[member] = normalize(model, target, out[member], `${path}.${member}`);
      }
      return out;
    }
    case "list":
      return Array.isArray(value) ? value.map((v, i) => normalize(model, shape.member, v, `${path}.${i + 1}`)) : value;
    case "map": {
      if (typeof value !== "object" || Array.isArray(value)) return value;
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value as Record<string, unknown>)) out[k] = normalize(model, shape.value, v, `${path}.${k}`);
      return out;
    }
    default:
      return value;
  }
}

function toDate(value: unknown, path: string): Date {
  if (value instanceof Date) return value;
  if (typeof value === "number" && Number.isFinite(value)) return new Date(value * 1000);
  if (typeof value === "string") {
    const d = parseTimestampString(value);
    if (d !== undefined) return d;
  }
  throw serializationException(`Cannot read ${path}: expected a timestamp, got ${JSON.stringify(value)}.`);
}

/** ISO 8601 (what the query protocol sends), or epoch seconds written as a number. */
function parseTimestampString(text: string): Date | undefined {
  const t = text.trim();
  if (/^-?\d+(\.\d+)?$/.test(t)) return new Date(Number(t) * 1000);
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$/i.test(t)) return undefined;
  const d = new Date(/(Z|[+-]\d{2}:?\d{2})$/i.test(t) ? t : `${t}Z`);
  return Number.isNaN(d.getTime()) ? undefined : d;
}

/**
 * The handler input from a query form (`Action`, `Version` and the members, lists as
 * `Name.member.N`, maps as `Name.entry.N.key`/`.value`, structures as `Name.Member`). Members the
 * shape does not know are ignored, as AWS does. A number or boolean that is not one is a
 * SerializationException naming the field.
 */
export function queryInput(model: WireServiceModel, operation: string, form: URLSearchParams): Record<string, unknown> {
  const shape = inputShape(model, operation);
  if (shape === undefined) return {};
  const fields = new Map<string, string>();
  for (const [k, v] of form) if (!fields.has(k)) fields.set(k, v);
  return (fromFields(model, model.operations[operation]!, "", fields) as Record<string, unknown> | undefined) ?? {};
}

function fromFields(model: WireServiceModel, name: string, prefix: string, fields: Map<string, string>): unknown {
  const shape = shapeOf(model, name);
  const key = (s: string) => (prefix === "" ? s : `${prefix}.${s}`);
  switch (shape.type) {
    case "structure": {
      const out: Record<string, unknown> = {};
      for (const [member, target] of Object.entries(shape.members)) {
        const v = fromFields(model, target, key(member), fields);
        if (v !== undefined) out[member] = v;
      }
      return prefix !== "" && Object.keys(out).length === 0 ? undefined : out;
    }
    case "list": {
      // `Name=` (empty) is an empty list; otherwise members 1..N until the first missing one.
      if (fields.get(prefix) === "") return [];
      const out: unknown[] = [];
      for (let i = 1; ; i++) {
        const v = fromFields(model, shape.member, `${prefix}.member.${i}`, fields);
        if (v === undefined) break;
        out.push(v);
      }
      return out.length === 0 ? undefined : out;
    }
    case "map": {
      const out: Record<string, unknown> = {};
      for (let i = 1; ; i++) {
        const k = fields.get(`${prefix}.entry.${i}.key`);
        if (k === undefined) break;
        out[k] = fromFields(model, shape.value, `${prefix}.entry.${i}.value`, fields);
      }
      return Object.keys(out).length === 0 ? undefined : out;
    }
    default: {
      const text = fields.get(prefix);
      if (text === undefined) return undefined;
      return scalarFromText(shape, text, prefix);
    }
  }
}

function scalarFromText(shape: ModelShape, text: string, field: string): unknown {
  switch (shape.type) {
    case "integer":
    case "long": {
      if (!/^[-+]?\d+$/.test(text.trim())) throw serializationException(`Cannot read ${field}: '${text}' is not an integer.`);
      return Number(text);
    }
    case "float":
    case "double": {
      const n = Number(text);
      if (text.trim() === "" || Number.isNaN(n)) throw serializationException(`Cannot read ${field}: '${text}' is not a number.`);
      return n;
    }
    case "boolean": {
      const t = text.trim().toLowerCase();
      if (t !== "true" && t !== "false") throw serializationException(`Cannot read ${field}: '${text}' is not a boolean.`);
      return t === "true";
    }
    case "timestamp": {
      const d = parseTimestampString(text);
      if (d === undefined) throw serializationException(`Cannot read ${field}: '${text}' is not a timestamp.`);
      return d;
    }
    default:
      return text;
  }
}

// ---------------------------------------------------------------------------------------------
// Output: plain values for CBOR, XML for the query protocol

/** A handler's output as CBOR will carry it: undefined members dropped (Dates stay, as tag 1). */
export function cborValue(value: unknown): unknown {
  if (value === undefined || value === null) return value;
  if (value instanceof Date) return value;
  if (typeof value === "bigint") return Number(value);
  if (Array.isArray(value)) return value.map(cborValue);
  if (typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) if (v !== undefined && v !== null) out[k] = cborValue(v);
    return out;
  }
  return value;
}

/**
 * The query protocol's XML answer: `<OpResponse xmlns><OpResult>…</OpResult><ResponseMetadata>
 * <RequestId/></ResponseMetadata></OpResponse>`, members in the shape's order, lists as
 * `<member>`, maps as `<entry><key/><value/></entry>`, timestamps in ISO 8601.
 */
export function queryXmlResponse(model: WireServiceModel, operation: string, output: unknown, requestId: string): string {
  const out = model.outputs[operation];
  const body = out === undefined ? "" : xmlOf(model, out.shape, output);
  const result = out === undefined ? "" : `<${out.resultWrapper}>${body}</${out.resultWrapper}>`;
  return (
    `<?xml version="1.0" encoding="UTF-8"?>\n<${operation}Response xmlns="${model.xmlNamespace}">` +
    `${result}<ResponseMetadata><RequestId>${escapeXml(requestId)}</RequestId></ResponseMetadata></${operation}Response>\n`
  );
}

/** The query protocol's error document. */
export function queryXmlError(xmlNamespace: string, type: "Sender" | "Receiver", code: string, message: string, requestId: string): string {
  return (
    `<?xml version="1.0" encoding="UTF-8"?>\n<ErrorResponse xmlns="${xmlNamespace}"><Error><Type>${type}</Type>` +
    `<Code>${escapeXml(code)}</Code><Message>${escapeXml(message)}</Message></Error>` +
    `<RequestId>${escapeXml(requestId)}</RequestId></ErrorResponse>\n`
  );
}

function xmlOf(model: WireServiceModel, name: string, value: unknown): string {
  if (value === undefined || value === null) return "";
  const shape = shapeOf(model, name);
  switch (shape.type) {
    case "structure": {
      const v = value as Record<string, unknown>;
      let s = "";
      for (const [member, target] of Object.entries(shape.members)) {
        if (v[member] === undefined || v[member] === null) continue;
        s += `<${member}>${xmlOf(model, target, v[member])}</${member}>`;
      }
      return s;
    }
    case "list":
      return (value as unknown[]).map((m) => `<member>${xmlOf(model, shape.member, m)}</member>`).join("");
    case "map":
      return Object.entries(value as Record<string, unknown>)
        .map(([k, v]) => `<entry><key>${escapeXml(k)}</key><value>${xmlOf(model, shape.value, v)}</value></entry>`)
        .join("");
    case "timestamp":
      return (value as Date).toISOString().replace(/\.000Z$/, "Z");
    case "float":
    case "double":
      return xmlNumber(value as number);
    default:
      return escapeXml(String(value));
  }
}

/** Doubles as AWS's XML writes them; infinities and NaN in the forms botocore reads. */
function xmlNumber(n: number): string {
  if (Number.isNaN(n)) return "NaN";
  if (n === Infinity) return "Infinity";
  if (n === -Infinity) return "-Infinity";
  return String(n);
}

export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&apos;" })[c]!);
}
