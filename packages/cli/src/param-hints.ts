/**
 * optml's additions to the AWS CLI's parameter validation messages (param-validation.ts): for an
 * unknown member, the member that was likely meant (a close name beside it, or the same name
 * elsewhere in the request); for a wrong type, what to write instead; for a missing member, what
 * it takes.
 */
import { floatRepr, isPyDict, type PyValue } from "@optml/contract";
import { modelShape, type ModelShape, type ServiceModel } from "@optml/server";

// ---------------------------------------------------------------------------------------------
// Did you mean

/**
 * Optimal string alignment distance (Levenshtein plus swapping two neighbours, so "Enviornment"
 * is one edit from "Environment"), compared case-insensitively.
 */
export function editDistance(a: string, b: string): number {
  const s = a.toLowerCase();
  const t = b.toLowerCase();
  const rows: number[][] = Array.from({ length: s.length + 1 }, (_, i) => [i, ...Array<number>(t.length).fill(0)]);
  for (let j = 1; j <= t.length; j++) rows[0]![j] = j;
  for (let i = 1; i <= s.length; i++) {
    for (let j = 1; j <= t.length; j++) {
      const cost = s[i - 1] === t[j - 1] ? 0 : 1;
      let d = Math.min(rows[i - 1]![j]! + 1, rows[i]![j - 1]! + 1, rows[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && s[i - 1] === t[j - 2] && s[i - 2] === t[j - 1]) d = Math.min(d, rows[i - 2]![j - 2]! + 1);
      rows[i]![j] = d;
    }
  }
  return rows[s.length]![t.length]!;
}

/** How many edits still make a name "close": one per four characters, at least one. */
function closeEnough(name: string): number {
  return Math.max(1, Math.floor(name.length / 4));
}

/** The candidates nearest to `name` within `closeEnough`, best first (ties in the given order). */
export function closestNames<T>(name: string, candidates: readonly T[], nameOf: (c: T) => string): T[] {
  let best = closeEnough(name) + 1;
  let found: T[] = [];
  for (const c of candidates) {
    const d = editDistance(name, nameOf(c));
    if (d < best) {
      best = d;
      found = [c];
    } else if (d === best) {
      found.push(c);
    }
  }
  return found.slice(0, 3);
}

interface MemberPlace {
  /** `AlgorithmSpecification.MetricDefinitions`, `InputDataConfig[].DataSource`: lists as `[]`. */
  readonly template: string;
  readonly name: string;
}

const placesCache = new WeakMap<ServiceModel, Map<string, MemberPlace[]>>();

/** Every member of every structure below the `root` shape, with where it sits. */
function memberPlaces(model: ServiceModel, root: string): MemberPlace[] {
  let byRoot = placesCache.get(model);
  if (byRoot === undefined) placesCache.set(model, (byRoot = new Map()));
  const cached = byRoot.get(root);
  if (cached !== undefined) return cached;
  const places: MemberPlace[] = [];
  const visit = (shapeName: string, template: string, onPath: ReadonlySet<string>) => {
    if (onPath.has(shapeName)) return;
    const inner = new Set(onPath).add(shapeName);
    const shape = modelShape(model, shapeName);
    if (shape.type === "list") visit(shape.member, `${template}[]`, inner);
    else if (shape.type === "map") visit(shape.value, `${template}.<name>`, inner);
    else if (shape.type === "structure") {
      for (const [name, member] of Object.entries(shape.members)) {
        const at = template === "" ? name : `${template}.${name}`;
        places.push({ template: at, name });
        visit(member, at, inner);
      }
    }
  };
  visit(root, "", new Set());
  byRoot.set(root, places);
  return places;
}

function quotedList(names: readonly string[]): string {
  return names.map((n) => `"${n}"`).join(" or ");
}

/**
 * For an unknown member `param` of the structure `shapeName` at `path` (botocore's form): a member
 * beside it with a close name, else a member with a close name elsewhere in the request (preferring
 * places below this one), else nothing.
 */
export function unknownHint(model: ServiceModel, root: string, shapeName: string, param: string, path: string): string | undefined {
  const shape = modelShape(model, shapeName);
  if (shape.type !== "structure") return undefined;
  const siblings = closestNames(param, Object.keys(shape.members), (n) => n);
  if (siblings.length > 0) {
    const caseOnly = siblings.length === 1 && siblings[0]!.toLowerCase() === param.toLowerCase();
    return `did you mean ${quotedList(siblings)}?${caseOnly ? " (member names are case-sensitive)" : ""}`;
  }
  const here = path.startsWith(".") ? path.slice(1) : path;
  const hereTemplate = here.replace(/\[\d+\]/g, "[]");
  const isSibling = (p: MemberPlace) => p.template === (hereTemplate === "" ? p.name : `${hereTemplate}.${p.name}`);
  const elsewhere = memberPlaces(model, root).filter((p) => !isSibling(p));
  const below = hereTemplate === "" ? [] : elsewhere.filter((p) => p.template.startsWith(`${hereTemplate}.`));
  const found = closestNames(param, below, (p) => p.name);
  const places = found.length > 0 ? found : closestNames(param, elsewhere, (p) => p.name);
  if (places.length === 0) return undefined;
  // Below this structure, the path is written from here, with this structure's list indexes.
  const shown = places.map((p) => (hereTemplate !== "" && p.template.startsWith(`${hereTemplate}.`) ? `${here}${p.template.slice(hereTemplate.length)}` : p.template));
  return `did you mean ${shown.join(" or ")}?`;
}

// ---------------------------------------------------------------------------------------------
// What a member takes

/** A shape in words: "a string", "an object with S3OutputPath". */
export function describeShape(model: ServiceModel, shapeName: string): string {
  const shape = modelShape(model, shapeName);
  switch (shape.type) {
    case "string":
      return shape.enum !== undefined && shape.enum.length <= 6 ? `one of the strings ${shape.enum.map((e) => JSON.stringify(e)).join(", ")}` : "a string";
    case "integer":
    case "long":
      return "a whole number";
    case "float":
    case "double":
      return "a number";
    case "boolean":
      return "true or false";
    case "timestamp":
      return "a time (seconds since the epoch, or an ISO 8601 date)";
    case "blob":
      return "a base64 string";
    case "list":
      return "a list";
    case "map":
      return `an object of names to ${describeShape(model, shape.value).replace(/^an? /, "").replace(/^string$/, "strings")}`;
    case "structure":
      return shape.required !== undefined && shape.required.length > 0 ? `an object with ${shape.required.join(", ")}` : "an object";
  }
}

/** Examples of the required members people most often leave out, by member name. */
const EXAMPLES: Readonly<Record<string, string>> = {
  RoleArn: '"arn:aws:iam::000000000000:role/SageMakerRole" (optml records the role and assumes nothing with it)',
  OutputDataConfig: '{"S3OutputPath": "file://./optml-out"}',
  S3OutputPath: '"file://./optml-out" or "s3://bucket/prefix"',
  S3Uri: '"file://./data/train" or "s3://bucket/train"',
  DataSource: '{"S3DataSource": {"S3DataType": "S3Prefix", "S3Uri": "file://./data/train"}}',
};

/** For a required member `name` that is missing, taking `takes` (describeShape). */
export function missingHint(name: string, takes: string): string {
  const example = EXAMPLES[name];
  return `add it: ${takes}${example === undefined ? "" : `, e.g. ${example}`}`;
}

/** `optionalMember`: the name of the optional member that may be left out instead. */
export function lengthHint(type: ModelShape["type"], min: number, optionalMember?: string): string {
  const unit = type === "string" ? "character" : type === "map" ? "entry" : "element";
  const plural = min === 1 ? unit : unit === "entry" ? "entries" : `${unit}s`;
  return `give at least ${min} ${plural}${optionalMember === undefined ? "" : `, or leave ${optionalMember} out`}`;
}

export function rangeHint(min: number): string {
  return `give ${min} or more`;
}

/** A JSON value written back as JSON text (Python's float spelling for floats). */
function jsonText(value: PyValue): string {
  if (value === null) return "null";
  if (typeof value === "boolean" || typeof value === "bigint") return String(value);
  if (typeof value === "number") return Number.isFinite(value) ? floatRepr(value) : "null";
  if (typeof value === "string") return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(jsonText).join(", ")}]`;
  return `{${[...value].map(([k, v]) => `${JSON.stringify(k)}: ${jsonText(v)}`).join(", ")}}`;
}

/** What makes values of a map strings, in words, for the map member `mapName`. */
function whyString(mapName: string | undefined): string {
  if (mapName === "HyperParameters" || mapName === "StaticHyperParameters") return "hyperparameter values are strings";
  if (mapName === "Environment") return "environment variable values are strings";
  if (mapName !== undefined) return `the values of ${mapName} are strings`;
  return "this member is a string";
}

/** `[{"Name": "A", "Value": "b"}]` (or with "Key") as pairs, as other AWS APIs write maps; else undefined. */
function namedPairs(list: readonly PyValue[]): [string, PyValue][] | undefined {
  const pairs: [string, PyValue][] = [];
  for (const item of list) {
    if (!isPyDict(item) || item.size !== 2 || !item.has("Value")) return undefined;
    const name = item.get("Name") ?? item.get("Key");
    if (typeof name !== "string") return undefined;
    pairs.push([name, item.get("Value")!]);
  }
  return pairs.length > 0 ? pairs : undefined;
}

const WHOLE = /^-?\d+$/;
const NUMBER = /^-?\d+(\.\d+)?([eE][-+]?\d+)?$/;

/**
 * What to write instead of `value` for the shape `shapeName`; `mapName` names the map when the
 * value is a map's value (`HyperParameters`).
 */
export function typeHint(model: ServiceModel, shapeName: string, value: PyValue, mapName?: string): string {
  const shape = modelShape(model, shapeName);
  const takes = describeShape(model, shapeName);
  if (value === null) return `give ${takes}, or leave the ${mapName === undefined ? "member" : "entry"} out (null is not a value in a request)`;
  switch (shape.type) {
    case "string":
      if (typeof value === "bigint" || typeof value === "number" || typeof value === "boolean") {
        return `write ${JSON.stringify(jsonText(value))} (${whyString(mapName)})`;
      }
      if (mapName !== undefined) return `write it as a string of JSON: ${JSON.stringify(jsonText(value))} (${whyString(mapName)})`;
      return `give ${takes}`;
    case "integer":
    case "long":
      if (typeof value === "string" && WHOLE.test(value.trim())) return `write ${value.trim()}, without quotes`;
      if (typeof value === "number" && Number.isInteger(value)) return `write ${BigInt(value)}, without the decimal point`;
      return `give ${takes}`;
    case "float":
    case "double":
      if (typeof value === "string" && NUMBER.test(value.trim())) return `write ${value.trim()}, without quotes`;
      return `give ${takes}`;
    case "boolean":
      if (typeof value === "string" && /^(true|false)$/i.test(value.trim())) return `write ${value.trim().toLowerCase()}, without quotes`;
      return `give ${takes}`;
    case "list":
      if (isPyDict(value)) return "put the object in a list: [{...}]";
      if (!Array.isArray(value)) return `put it in a list: [${jsonText(value)}]`;
      return `give ${takes}`;
    case "map": {
      const pairs = Array.isArray(value) ? namedPairs(value) : undefined;
      if (pairs !== undefined) return `write it as an object: ${jsonText(new Map(pairs))}`;
      return `give ${takes}`;
    }
    case "structure":
      if (Array.isArray(value) && value.length === 1 && isPyDict(value[0]!)) return "give the object itself, not a list holding it";
      return `give ${takes}`;
    default:
      return `give ${takes}`;
  }
}
