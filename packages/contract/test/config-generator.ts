/**
 * A seeded generator of valid SageMaker training configurations, for the randomized differential
 * tests: the three config files as text, the process environment and host facts. It makes what
 * the platform and the SageMaker Python SDK make (JSON-encoded hyperparameter values, `algo-N`
 * hosts, instance groups, channels) and what they allow around it: nested JSON in many spellings,
 * unicode and lone surrogates (escaped), duplicate keys, names that collide once upper-cased,
 * reserved `sagemaker_*` keys, present keys whose value is null, fixed-accelerator instance types.
 * Nearly every case is one SageMaker's toolkit accepts; about 3% carry one flaw it fails on (a
 * byte order mark, a job name that is no string, a NUL in current_host, ...), and those must fail
 * in optml too. The same seed gives the same cases.
 */
import { DISTRIBUTION_FLAGS } from "../src/environment.js";
import { prng } from "./python-oracle.js";

export interface ContractCase {
  readonly baseDir: string;
  readonly files: { readonly hyperparameters: string; readonly inputDataConfig: string; readonly resourceConfig: string };
  readonly env: Readonly<Record<string, string>>;
  readonly host: { readonly numCpus: number; readonly numGpus: number; readonly numNeurons: number };
}

const INSTANCE_TYPES = [
  "ml.m5.xlarge",
  "ml.c5.2xlarge",
  "ml.g5.12xlarge",
  "ml.p4d.24xlarge",
  "ml.p5.48xlarge",
  "ml.trn1.32xlarge",
  "ml.trn2.48xlarge",
  "ml.inf2.xlarge",
  "local",
];

class Draw {
  readonly rnd: () => number;
  constructor(seed: number) {
    this.rnd = prng(seed);
  }
  int(n: number): number {
    return Math.floor(this.rnd() * n);
  }
  chance(p: number): boolean {
    return this.rnd() < p;
  }
  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)]!;
  }
  char(): string {
    const r = this.rnd();
    if (r < 0.45) return String.fromCharCode(0x61 + this.int(26));
    if (r < 0.55) return this.pick(["-", "_", ".", "A", "Z", "0", "9", "'", '"', " ", "\\", "/", "=", "\n", "\t", "\u0085", "\u00a0"]);
    if (r < 0.7) return String.fromCodePoint(0xa1 + this.int(0x500)); // Latin, Greek, Cyrillic (case pairs)
    if (r < 0.78) return this.pick(["ß", "ŉ", "ǰ", "ﬁ", "ΐ", "\u0345", "\u1e9e", "ǅ", "ı", "İ"]); // upper() grows or changes length
    if (r < 0.85) return String.fromCodePoint(0x800 + this.int(0xd000)); // BMP, some unassigned or unprintable
    if (r < 0.88) return String.fromCharCode(0xd800 + this.int(0x800)); // lone surrogate
    if (r < 0.93) return String.fromCodePoint(0xe000 + this.int(0x1f00));
    return String.fromCodePoint(0x10000 + this.int(0x100000 - 0x10000));
  }
  word(max = 8): string {
    return Array.from({ length: this.int(max) + 1 }, () => this.char()).join("");
  }
}

/** A JSON string literal, every non-ASCII character sometimes escaped, lone surrogates always. */
function stringLiteral(d: Draw, s: string): string {
  let out = '"';
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    const lone = cp >= 0xd800 && cp < 0xe000;
    if (ch === '"' || ch === "\\" || cp < 0x20 || lone || (cp > 0x7e && d.chance(0.3))) {
      for (let i = 0; i < ch.length; i++) {
        const h = ch.charCodeAt(i).toString(16).padStart(4, "0");
        out += "\\u" + (d.chance(0.5) ? h : h.toUpperCase());
      }
    } else if (ch === "/" && d.chance(0.5)) out += "\\/";
    else out += ch;
  }
  return out + '"';
}

function numberLexeme(d: Draw): string {
  switch (d.int(8)) {
    case 0:
      return String(d.int(2000) - 1000);
    case 1:
      return `${d.int(100)}.${d.int(1000)}`;
    case 2:
      return `${d.chance(0.3) ? "-" : ""}${d.int(10)}.${d.int(100)}e${d.chance(0.5) ? "-" : "+"}${d.int(330)}`;
    case 3:
      return d.pick(["12345678901234567890123", "-98765432109876543210", "9007199254740993", "0", "-0"]);
    case 4:
      return d.pick(["1e16", "1E5", "0.0001", "1e-05", "-0.0", "1.0", "123456789.125", "5e-324", "1.7976931348623157e308"]);
    case 5:
      return d.pick(["NaN", "Infinity", "-Infinity", "1e400"]);
    case 6:
      return (d.rnd() * 10 ** (d.int(40) - 20)).toPrecision(d.int(17) + 1).replace(/^(-?\d+)$/, "$1.0");
    default:
      return String(d.int(10) * 10 ** d.int(25));
  }
}

/** A JSON value as text, nested up to `depth` more levels; objects may repeat a key. */
function jsonValue(d: Draw, depth: number): string {
  const ws = () => (d.chance(0.8) ? "" : d.pick([" ", "\n", "\t", "\r\n  "]));
  const r = d.rnd();
  if (depth > 0 && r < 0.15) return `[${ws()}${Array.from({ length: d.int(5) }, () => jsonValue(d, depth - 1)).join(`${ws()},${ws()}`)}${ws()}]`;
  if (depth > 0 && r < 0.3) {
    const keys = Array.from({ length: d.int(5) }, () => (d.chance(0.3) ? d.pick(["a", "b", "A", "é", "É"]) : d.word(4)));
    return `{${ws()}${keys.map((k) => `${stringLiteral(d, k)}${ws()}:${ws()}${jsonValue(d, depth - 1)}`).join(`${ws()},${ws()}`)}${ws()}}`;
  }
  if (r < 0.55) return numberLexeme(d);
  if (r < 0.85) return stringLiteral(d, d.word());
  return d.pick(["true", "false", "null"]);
}

/** A hyperparameter value as the SDK writes it: JSON text in a string, or a plain string. */
function hyperparameterText(d: Draw): string {
  if (d.chance(0.15)) return d.word(12); // not JSON at all (or JSON by chance): kept raw when it fails
  return (d.chance(0.2) ? " " : "") + jsonValue(d, d.int(5));
}

function objectText(d: Draw, entries: readonly (readonly [string, string])[]): string {
  return `{${entries.map(([k, v]) => `${stringLiteral(d, k)}: ${v}`).join(", ")}}`;
}

function shuffle<T>(d: Draw, xs: T[]): T[] {
  for (let i = xs.length - 1; i > 0; i--) {
    const j = d.int(i + 1);
    [xs[i], xs[j]] = [xs[j]!, xs[i]!];
  }
  return xs;
}

function platformHyperparameters(d: Draw, groupNames: readonly string[]): [string, string][] {
  const hp: [string, string][] = [];
  const json = (v: string) => JSON.stringify(v);
  if (d.chance(0.7)) hp.push(["sagemaker_program", json(d.pick(['"train.py"', '"train"', '"run.sh"', '"pkg.module"', "null", "[1, 2]", `"${d.word(3)}.py"`]))]);
  if (d.chance(0.6)) {
    hp.push(["sagemaker_submit_directory", json(d.pick(['"s3://bucket/job/source/sourcedir.tar.gz"', '"/opt/ml/code"', "null", '""', "5"]))]);
  }
  if (d.chance(0.6)) hp.push(["sagemaker_region", json(d.pick(['"us-west-2"', '"eu-central-1"', '""', "null", "0", "false", "[]"]))]);
  if (d.chance(0.6)) hp.push(["sagemaker_job_name", json(d.pick(['"my-job-1"', '""', stringLiteral(d, d.word(10)).replace(/\\u[dD][89a-fA-F][0-9a-fA-F]{2}/g, "x")]))]);
  if (d.chance(0.6)) hp.push(["sagemaker_container_log_level", json(d.pick(["20", "10", "30", "null", '"INFO"', "10.0", "true"]))]);
  if (d.chance(0.3)) hp.push(["sagemaker_enable_cloudwatch_metrics", json(d.pick(["false", "true"]))]);
  if (d.chance(0.2)) hp.push(["sagemaker_s3_output", json('"s3://bucket/out"')]);
  if (d.chance(0.2)) hp.push(["default_user_module_name", json('"train"')]);
  if (d.chance(0.2)) hp.push(["_tuning_objective_metric", json('"validation:auc"')]);
  for (const flag of DISTRIBUTION_FLAGS) {
    if (d.chance(0.1)) hp.push([flag, json(d.pick(["true", "false", "0", "1", "null", '""', '"yes"', "[]"]))]);
  }
  if (d.chance(0.25)) {
    const names = groupNames.length > 0 ? groupNames : ["homogeneousCluster"];
    const chosen = names.filter(() => d.chance(0.5));
    const value = d.chance(0.2) ? stringLiteral(d, d.pick(names)) : d.chance(0.1) ? "{}" : `[${chosen.map((n) => stringLiteral(d, n)).join(", ")}]`;
    hp.push(["sagemaker_distribution_instance_groups", json(value)]);
  }
  if (d.chance(0.3)) hp.push([`sagemaker_${d.word(6)}`, json(jsonValue(d, 2))]);
  if (d.chance(0.1)) hp.push([d.pick(["sagemaker_", "sagemaker_mpi_num_of_processes_per_host", "SAGEMAKER_x"]), json(jsonValue(d, 1))]);
  return hp;
}

function hyperparametersFile(d: Draw, groupNames: readonly string[]): string {
  const entries = platformHyperparameters(d, groupNames);
  const n = d.int(9);
  for (let i = 0; i < n; i++) {
    const key = d.chance(0.1) ? d.pick(["lr", "LR", "Lr", "a", "A", "ß", "SS", "", "learning-rate", "x.y"]) : d.chance(0.2) ? d.word(1) : d.word();
    entries.push([key, JSON.stringify(hyperparameterText(d))]);
  }
  // A repeated key: the file's own duplicate, later value wins in the first position. Not of the
  // values that go into the environment (a random one may be what optml refuses on purpose).
  const repeated = entries.find(([key]) => key !== "sagemaker_job_name" && key !== "sagemaker_region");
  if (repeated !== undefined && d.chance(0.05)) entries.push([repeated[0], JSON.stringify(hyperparameterText(d))]);
  return objectText(d, shuffle(d, entries));
}

function channelName(d: Draw): string {
  if (d.chance(0.5)) return d.pick(["train", "training", "validation", "test", "eval-data", "TRAIN", "Train", "model.v1", "_x", "a"]);
  const alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-_";
  return Array.from({ length: d.int(d.chance(0.05) ? 64 : 12) + 1 }, () => alphabet[d.int(alphabet.length)]).join("");
}

function inputDataConfigFile(d: Draw): string {
  const entries: [string, string][] = [];
  const n = d.int(9);
  for (let i = 0; i < n; i++) {
    const settings: [string, string][] = [];
    if (d.chance(0.6)) settings.push(["ContentType", stringLiteral(d, d.pick(["text/csv", "application/x-recordio-protobuf", "image/jpeg", d.word(6)]))]);
    settings.push(["TrainingInputMode", stringLiteral(d, d.pick(["File", "Pipe", "FastFile"]))]);
    settings.push(["S3DistributionType", stringLiteral(d, d.pick(["FullyReplicated", "ShardedByS3Key"]))]);
    settings.push(["RecordWrapperType", stringLiteral(d, d.pick(["None", "RecordIO"]))]);
    entries.push([channelName(d), objectText(d, d.chance(0.3) ? shuffle(d, settings) : settings)]);
  }
  return objectText(d, entries);
}

interface Cluster {
  readonly text: string;
  readonly groupNames: readonly string[];
  readonly instanceType: string;
}

function resourceConfigFile(d: Draw): Cluster {
  const count = d.int(8) + 1;
  const named = d.chance(0.1);
  const hosts = Array.from({ length: count }, (_, i) => (named ? `${d.pick(["node", "host", "wörker"])}-${i + 1}` : `algo-${i + 1}`)).sort();
  const current = d.pick(hosts);
  const instanceType = d.pick(INSTANCE_TYPES);
  const entries: [string, string][] = [
    ["current_host", stringLiteral(d, current)],
    ["hosts", `[${hosts.map((h) => stringLiteral(d, h)).join(", ")}]`],
  ];
  if (d.chance(0.85)) entries.push(["current_instance_type", stringLiteral(d, instanceType)]);

  let groupNames: string[] = [];
  if (d.chance(0.8)) {
    const groupCount = d.chance(0.6) ? 1 : d.int(3) + 1;
    groupNames =
      groupCount === 1 && d.chance(0.7)
        ? ["homogeneousCluster"]
        : Array.from({ length: groupCount }, (_, i) => d.pick([`group-${i + 1}`, `g${i}`, `${d.word(4)}${i}`, "homogeneousCluster"]));
    const owner = new Map(hosts.map((h) => [h, d.int(groupCount)]));
    const groups = groupNames.map((name, i) => {
      const members = shuffle(d, hosts.filter((h) => owner.get(h) === i));
      const type = d.chance(0.2) ? "null" : stringLiteral(d, d.pick(INSTANCE_TYPES));
      return objectText(d, [
        ["instance_group_name", stringLiteral(d, name)],
        ["instance_type", type],
        ["hosts", `[${members.map((h) => stringLiteral(d, h)).join(", ")}]`],
      ]);
    });
    entries.push(["instance_groups", `[${groups.join(", ")}]`]);
    const currentGroup = groupNames[owner.get(current)!]!;
    const groupValue = d.chance(0.05) ? "null" : stringLiteral(d, d.chance(0.9) ? currentGroup : d.word(4));
    if (d.chance(0.9)) entries.push(["current_group_name", groupValue]);
  } else if (d.chance(0.3)) entries.push(["instance_groups", "[]"]);
  if (d.chance(0.7)) entries.push(["network_interface_name", d.chance(0.1) ? "null" : stringLiteral(d, d.pick(["eth0", "ethwe", "ens5"]))]);
  if (d.chance(0.25)) {
    const topology = hosts.map((h, i) => `{"hostName": ${stringLiteral(d, h)}, "capacityUnitId": ${stringLiteral(d, `cu-${i % 2}`)}}`);
    entries.push(["topology", d.pick(["null", "[]", "{}", `[${topology.join(", ")}]`])]);
  }
  return { text: objectText(d, d.chance(0.3) ? shuffle(d, entries) : entries), groupNames, instanceType };
}

function processEnv(d: Draw): Record<string, string> {
  const env: Record<string, string> = {};
  if (d.chance(0.6)) env.TRAINING_JOB_NAME = d.pick(["job-1", "", "my-training-job-2026"]);
  if (d.chance(0.15)) env.SAGEMAKER_PROGRAM = d.pick(["entry.py", "", "run.sh", "x"]);
  if (d.chance(0.1)) env.SAGEMAKER_TRAINING_MODULE = d.pick(["sagemaker_pytorch_container.training:main", ""]);
  if (d.chance(0.15)) env.SM_HP_MP_PARAMETERS = d.pick(["{}", "", '{"partitions": 2}']);
  if (d.chance(0.2)) env.SAGEMAKER_CONTAINER_LOG_LEVEL = d.pick(["20", " 10 ", "+30", "-1", "1_0", "\u0662\u0660", "\u00a020\u3000", "007"]);
  return env;
}

/** One flaw SageMaker's toolkit fails on (SPEC.md and README: "Inputs the toolkit fails on"). */
function withFlaw(d: Draw, c: ContractCase): ContractCase {
  const addHyperparameter = (key: string, value: string) =>
    c.files.hyperparameters.replace(/^\{/, `{${JSON.stringify(key)}: ${JSON.stringify(value)}${c.files.hyperparameters === "{}" ? "" : ", "}`);
  switch (d.int(7)) {
    case 0:
      return { ...c, files: { ...c.files, [d.pick(["hyperparameters", "inputDataConfig", "resourceConfig"] as const)]: "\ufeff{}" } };
    case 1:
      return { ...c, files: { ...c.files, hyperparameters: addHyperparameter("sagemaker_job_name", d.pick(["null", "7", "[]", '"a\\u0000"'])) } };
    case 2:
      return { ...c, files: { ...c.files, hyperparameters: addHyperparameter("sagemaker_region", d.pick(["5", "true", '["us-east-1"]', '"\\ud800"'])) } };
    case 3: {
      const host = d.pick(["algo-\\u0000", "\\udbff-1", "x\\ud800"]);
      return { ...c, files: { ...c.files, resourceConfig: `{"current_host": "${host}", "hosts": ["${host}"]}` } };
    }
    case 4:
      return { ...c, env: { ...c.env, SAGEMAKER_CONTAINER_LOG_LEVEL: d.pick(["INFO", "1.5", "", "0x14", "1__0", "\u00b2"]) } };
    case 5:
      return { ...c, files: { ...c.files, hyperparameters: addHyperparameter("sagemaker_distribution_instance_groups", d.pick(["5", "null", "false", "1.5"])) } };
    default:
      return { ...c, files: { ...c.files, hyperparameters: d.pick(["[]", '"x"', "null", "5"]) } };
  }
}

/** `count` cases from `seed`. */
export function generateCases(seed: number, count: number): ContractCase[] {
  const d = new Draw(seed);
  const cases: ContractCase[] = [];
  for (let i = 0; i < count; i++) {
    const cluster = resourceConfigFile(d);
    const valid: ContractCase = {
      baseDir: d.chance(0.9) ? "/opt/ml" : d.pick(["/tmp/job", "/data/ml/", "rel/base"]),
      files: {
        hyperparameters: hyperparametersFile(d, cluster.groupNames),
        inputDataConfig: inputDataConfigFile(d),
        resourceConfig: cluster.text,
      },
      env: processEnv(d),
      host: { numCpus: d.int(192) + 1, numGpus: d.chance(0.6) ? 0 : d.int(9), numNeurons: d.chance(0.7) ? 0 : d.pick([2, 8, 32, 64]) },
    };
    cases.push(d.chance(0.03) ? withFlaw(d, valid) : valid);
  }
  return cases;
}
