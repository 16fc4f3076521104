/**
 * The typed reader for user code: `readTrainingEnvironment()` returns the job's environment as a
 * typed object, from the `SM_*` variables when the runner set them, else from the config files
 * under `SAGEMAKER_BASE_DIR` (default `/opt/ml`).
 */
import type { StandardSchemaV1 } from "@standard-schema/spec";
import { readConfigFiles } from "./config-files.js";
import { computeContract } from "./contract-env.js";
import { trainingEnvironmentDict, type HostFacts, type ProcessEnv } from "./environment.js";
import { ContractError, environmentInvalid, hyperparameterInvalid } from "./errors.js";
import { detectHostFacts } from "./host-facts.js";
import { baseDirFromEnv, BASE_DIR_ENV } from "./paths.js";
import { isPyDict, loads, PyJsonDecodeError, pyRepr, type PyDict, type PyValue } from "./pyjson/index.js";

/** A decoded value in plain JavaScript: ints beyond 2^53 stay exact as bigint. */
export type JsValue = null | boolean | number | bigint | string | JsValue[] | { [key: string]: JsValue };

export interface ChannelConfig {
  readonly contentType?: string;
  readonly trainingInputMode: string;
  readonly s3DistributionType?: string;
  readonly recordWrapperType?: string;
}

export interface InstanceGroup {
  readonly name: string;
  readonly instanceType: string | undefined;
  readonly hosts: readonly string[];
}

export interface TrainingEnv {
  /** Where the values came from: the runner's SM_* variables or the config files. */
  readonly source: "environment" | "config-files";
  readonly jobName: string | null;
  readonly baseDir: string;
  readonly modelDir: string;
  readonly inputDir: string;
  readonly inputConfigDir: string;
  readonly outputDir: string;
  readonly outputDataDir: string;
  readonly outputIntermediateDir: string;
  /** Channel name -> its directory (`<base>/input/data/<name>`). */
  readonly channels: Readonly<Record<string, string>>;
  readonly inputDataConfig: Readonly<Record<string, ChannelConfig>>;
  readonly hyperparameters: Hyperparameters;
  /** `sagemaker_*` hyperparameters that configure a framework (e.g. sagemaker_mpi_enabled). */
  readonly frameworkParameters: Readonly<Record<string, JsValue>>;
  readonly hosts: readonly string[];
  readonly currentHost: string;
  readonly masterHost: string;
  readonly isMaster: boolean;
  readonly distributionHosts: readonly string[];
  readonly currentInstanceType: string;
  readonly currentInstanceGroup: string;
  readonly instanceGroups: readonly InstanceGroup[];
  readonly isHetero: boolean;
  readonly networkInterfaceName: string;
  readonly numCpus: number;
  readonly numGpus: number;
  readonly numNeurons: number;
  readonly userEntryPoint: string | null;
  readonly moduleDir: string;
  readonly logLevel: JsValue;
  /** The whole SM_TRAINING_ENV, as Python-faithful values. */
  readonly raw: PyDict;
}

/** Convert a Python-faithful value to plain JavaScript. */
export function toJs(value: PyValue): JsValue {
  if (typeof value === "bigint") {
    return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value;
  }
  if (Array.isArray(value)) return value.map(toJs);
  if (value instanceof Map) return Object.fromEntries([...value].map(([k, v]) => [k, toJs(v)]));
  return value;
}

function describeValue(value: PyValue | undefined): string {
  return value === undefined ? "missing" : pyRepr(value);
}

/** Typed access to decoded hyperparameters, with defaults and schema validation. */
export class Hyperparameters {
  /** Decoded values in plain JavaScript. */
  readonly values: Readonly<Record<string, JsValue>>;

  constructor(readonly python: PyDict) {
    this.values = toJs(python) as Record<string, JsValue>;
  }

  has(name: string): boolean {
    return this.python.has(name);
  }

  get names(): string[] {
    return [...this.python.keys()];
  }

  private lookup<T>(name: string, fallback: T | undefined, kind: string, convert: (v: PyValue) => T | undefined): T {
    const value = this.python.get(name);
    if (value === undefined) {
      if (fallback !== undefined) return fallback;
      throw hyperparameterInvalid(name, `is missing (expected ${kind}, and no default was given)`);
    }
    const converted = convert(value);
    if (converted === undefined) throw hyperparameterInvalid(name, `must be ${kind}, got ${describeValue(value)}`);
    return converted;
  }

  string(name: string, fallback?: string): string {
    return this.lookup(name, fallback, "a string", (v) =>
      typeof v === "string" ? v : typeof v === "bigint" || typeof v === "number" || typeof v === "boolean" ? pyRepr(v) : undefined,
    );
  }

  number(name: string, fallback?: number): number {
    return this.lookup(name, fallback, "a number", (v) => (typeof v === "number" ? v : typeof v === "bigint" ? Number(v) : undefined));
  }

  integer(name: string, fallback?: number): number {
    return this.lookup(name, fallback, "an integer", (v) => {
      const n = typeof v === "bigint" ? Number(v) : typeof v === "number" && Number.isInteger(v) ? v : undefined;
      return n !== undefined && Number.isSafeInteger(n) ? n : undefined;
    });
  }

  boolean(name: string, fallback?: boolean): boolean {
    return this.lookup(name, fallback, "a boolean", (v) => {
      if (typeof v === "boolean") return v;
      if (typeof v === "string" && /^(true|false)$/i.test(v)) return v.toLowerCase() === "true";
      if (v === 0n || v === 1n) return v === 1n;
      return undefined;
    });
  }

  /** Any decoded value (lists, objects), or the default. */
  json<T extends JsValue = JsValue>(name: string, fallback?: T): T {
    return this.lookup(name, fallback, "a value", (v) => toJs(v) as T);
  }

  /**
   * Validate all hyperparameters with a Standard Schema validator (zod, valibot, arktype, ...).
   * Failure throws one error naming each offending hyperparameter and its value.
   */
  parse<S extends StandardSchemaV1>(schema: S): StandardSchemaV1.InferOutput<S> {
    const result = schema["~standard"].validate(this.values);
    if (result instanceof Promise) throw new TypeError("the schema validates asynchronously: use parseAsync()");
    return this.unwrap(result);
  }

  async parseAsync<S extends StandardSchemaV1>(schema: S): Promise<StandardSchemaV1.InferOutput<S>> {
    return this.unwrap(await schema["~standard"].validate(this.values));
  }

  private unwrap<T>(result: StandardSchemaV1.Result<T>): T {
    if (!result.issues) return result.value;
    const names: string[] = [];
    const problems = result.issues.map((issue) => {
      const path = (issue.path ?? []).map((p) => String(typeof p === "object" && p !== null ? p.key : p));
      const name = path[0];
      if (name === undefined) return `hyperparameters: ${issue.message}`;
      names.push(name);
      return `hyperparameter "${path.join(".")}" (value ${describeValue(this.python.get(name))}): ${issue.message}`;
    });
    throw new ContractError("HyperparameterInvalid", problems.join("; "), undefined, names[0]);
  }
}

function str(d: PyDict, key: string): string {
  const v = d.get(key);
  return typeof v === "string" ? v : v === undefined || v === null ? "" : pyRepr(v);
}

function strings(d: PyDict, key: string): string[] {
  const v = d.get(key);
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : [];
}

function num(d: PyDict, key: string): number {
  const v = d.get(key);
  return typeof v === "bigint" ? Number(v) : typeof v === "number" ? v : 0;
}

function channelConfig(settings: PyValue): ChannelConfig {
  const d = isPyDict(settings) ? settings : new Map<string, PyValue>();
  const opt = (k: string) => (typeof d.get(k) === "string" ? (d.get(k) as string) : undefined);
  return {
    ...(opt("ContentType") !== undefined ? { contentType: opt("ContentType")! } : {}),
    trainingInputMode: opt("TrainingInputMode") ?? "File",
    ...(opt("S3DistributionType") !== undefined ? { s3DistributionType: opt("S3DistributionType")! } : {}),
    ...(opt("RecordWrapperType") !== undefined ? { recordWrapperType: opt("RecordWrapperType")! } : {}),
  };
}

/** Build the typed view from the SM_TRAINING_ENV dict. */
export function trainingEnvFromDict(d: PyDict, source: TrainingEnv["source"], baseDir: string): TrainingEnv {
  const dictOf = (key: string): PyDict => {
    const v = d.get(key);
    return isPyDict(v) ? v : new Map();
  };
  const groupsDict = dictOf("instance_groups_dict");
  const instanceGroups = strings(d, "instance_groups").map((name) => {
    const g = groupsDict.get(name);
    const gd = isPyDict(g) ? g : new Map<string, PyValue>();
    const type = gd.get("instance_type");
    return { name, instanceType: typeof type === "string" ? type : undefined, hosts: strings(gd, "hosts") };
  });
  const entry = d.get("user_entry_point");
  return {
    source,
    jobName: typeof d.get("job_name") === "string" ? (d.get("job_name") as string) : null,
    baseDir,
    modelDir: str(d, "model_dir"),
    inputDir: str(d, "input_dir"),
    inputConfigDir: str(d, "input_config_dir"),
    outputDir: str(d, "output_dir"),
    outputDataDir: str(d, "output_data_dir"),
    outputIntermediateDir: str(d, "output_intermediate_dir"),
    channels: Object.fromEntries([...dictOf("channel_input_dirs")].map(([k, v]) => [k, typeof v === "string" ? v : ""])),
    inputDataConfig: Object.fromEntries([...dictOf("input_data_config")].map(([k, v]) => [k, channelConfig(v)])),
    hyperparameters: new Hyperparameters(dictOf("hyperparameters")),
    frameworkParameters: toJs(dictOf("additional_framework_parameters")) as Record<string, JsValue>,
    hosts: strings(d, "hosts"),
    currentHost: str(d, "current_host"),
    masterHost: str(d, "master_hostname"),
    isMaster: d.get("is_master") === true,
    distributionHosts: strings(d, "distribution_hosts"),
    currentInstanceType: str(d, "current_instance_type"),
    currentInstanceGroup: str(d, "current_instance_group"),
    instanceGroups,
    isHetero: d.get("is_hetero") === true,
    networkInterfaceName: str(d, "network_interface_name"),
    numCpus: num(d, "num_cpus"),
    numGpus: num(d, "num_gpus"),
    numNeurons: num(d, "num_neurons"),
    userEntryPoint: entry === null || entry === undefined ? null : typeof entry === "string" ? entry : pyRepr(entry),
    moduleDir: str(d, "module_dir"),
    logLevel: toJs(d.has("log_level") ? d.get("log_level")! : 20n),
    raw: d,
  };
}

export interface ReadOptions {
  /** The process environment to read (default: process.env). */
  readonly env?: ProcessEnv;
  /** Host facts to use when reading config files (default: detected). */
  readonly host?: HostFacts;
}

/**
 * The job's environment. With `SM_TRAINING_ENV` set (the runner sets it) that is the source;
 * otherwise the config files under `SAGEMAKER_BASE_DIR` (default `/opt/ml`) are read and the
 * environment computed exactly as the runner would.
 */
export function readTrainingEnvironment(options: ReadOptions = {}): TrainingEnv {
  const env = options.env ?? process.env;
  const baseDir = baseDirFromEnv(env);
  const fromEnv = env.SM_TRAINING_ENV;
  if (fromEnv !== undefined) {
    let parsed: PyValue;
    try {
      parsed = loads(fromEnv);
    } catch (e) {
      if (e instanceof PyJsonDecodeError) throw environmentInvalid("SM_TRAINING_ENV", `is not valid JSON: ${e.message}`);
      throw e;
    }
    if (!isPyDict(parsed)) throw environmentInvalid("SM_TRAINING_ENV", "must hold a JSON object");
    const modelDir = parsed.get("model_dir");
    const base = env[BASE_DIR_ENV] ?? (typeof modelDir === "string" ? modelDir.replace(/\/model$/, "") : baseDir);
    return trainingEnvFromDict(parsed, "environment", base);
  }
  const config = readConfigFiles(baseDir);
  const contract = computeContract(config, { baseDir, env, host: options.host ?? detectHostFacts(env) });
  return trainingEnvFromDict(trainingEnvironmentDict(contract.trainingEnvironment), "config-files", baseDir);
}
