import { readFileSync } from "node:fs";
import {
  configFieldInvalid,
  configFileMalformed,
  configFileMissing,
  configFileNotObject,
  configFileTooDeep,
  configFileUnreadable,
} from "./errors.js";
import { environValueProblem } from "./os-environ.js";
import { contractPaths } from "./paths.js";
import {
  isPyDict,
  isPyList,
  loads,
  PyJsonDecodeError,
  PyJsonRecursionError,
  pyRepr,
  type PyDict,
  type PyValue,
} from "./pyjson/index.js";

/** The three config files of a job, parsed as Python's json module parses them. */
export interface ContractConfig {
  /** hyperparameters.json as written (values are usually JSON-encoded strings). */
  readonly hyperparameters: PyDict;
  /** inputdataconfig.json: channel name -> channel settings. */
  readonly inputDataConfig: PyDict;
  /** resourceconfig.json. */
  readonly resourceConfig: PyDict;
  /** The files' names for messages (default: the bare file names). */
  readonly fileNames?: ConfigFileNames;
}

export interface ConfigTexts {
  readonly hyperparameters: string;
  readonly inputDataConfig: string;
  readonly resourceConfig: string;
}

/** The file names used in messages; defaults to the bare file names. */
export interface ConfigFileNames {
  readonly hyperparameters: string;
  readonly inputDataConfig: string;
  readonly resourceConfig: string;
}

export const BARE_CONFIG_FILE_NAMES: ConfigFileNames = {
  hyperparameters: "hyperparameters.json",
  inputDataConfig: "inputdataconfig.json",
  resourceConfig: "resourceconfig.json",
};

/**
 * The deepest nesting of a config file SageMaker's toolkit reads (Python 3.11, its `train`):
 * it reads the files again deep in its call stack, where Python's recursion limit leaves room
 * for 985 levels; hyperparameters.json holds less, 983, because a value that is not a string is
 * also formatted into a log line there. Measured with the toolkit itself (README).
 */
export const CONFIG_FILE_MAX_DEPTH = 985;
export const HYPERPARAMETERS_FILE_MAX_DEPTH = 983;

/** What the SageMaker API accepts as a channel name (ChannelName). */
export const CHANNEL_NAME_PATTERN = /^[A-Za-z0-9.\-_]{1,64}$/;

/** Read and check `<base>/input/config/*.json`. Throws a ContractError naming file and field. */
export function readConfigFiles(baseDir: string): ContractConfig {
  const paths = contractPaths(baseDir);
  const names: ConfigFileNames = {
    hyperparameters: paths.hyperparametersFile,
    inputDataConfig: paths.inputDataConfigFile,
    resourceConfig: paths.resourceConfigFile,
  };
  return parseConfigTexts(
    {
      hyperparameters: readText(names.hyperparameters),
      inputDataConfig: readText(names.inputDataConfig),
      resourceConfig: readText(names.resourceConfig),
    },
    names,
  );
}

// ignoreBOM keeps a byte order mark in the text, so that it is refused as Python refuses it.
const UTF8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

function readText(file: string): string {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (err.code === "ENOENT") throw configFileMissing(file);
    throw configFileUnreadable(file, err.message);
  }
  try {
    return UTF8.decode(bytes);
  } catch {
    throw configFileUnreadable(file, "it is not UTF-8 text");
  }
}

/** Parse and check the three files' texts. */
export function parseConfigTexts(texts: ConfigTexts, names: ConfigFileNames = BARE_CONFIG_FILE_NAMES): ContractConfig {
  const hyperparameters = parseObject(texts.hyperparameters, names.hyperparameters, HYPERPARAMETERS_FILE_MAX_DEPTH);
  const inputDataConfig = parseObject(texts.inputDataConfig, names.inputDataConfig, CONFIG_FILE_MAX_DEPTH);
  const resourceConfig = parseObject(texts.resourceConfig, names.resourceConfig, CONFIG_FILE_MAX_DEPTH);
  checkInputDataConfig(inputDataConfig, names.inputDataConfig);
  checkResourceConfig(resourceConfig, names.resourceConfig);
  return { hyperparameters, inputDataConfig, resourceConfig, fileNames: names };
}

function parseObject(text: string, file: string, maxDepth: number): PyDict {
  let value: PyValue;
  try {
    value = loads(text, { maxDepth });
  } catch (e) {
    if (e instanceof PyJsonDecodeError) throw configFileMalformed(file, e.message);
    if (e instanceof PyJsonRecursionError) throw configFileTooDeep(file, maxDepth);
    throw e;
  }
  if (!isPyDict(value)) throw configFileNotObject(file, `${pythonTypeName(value)}: ${describe(value)}`);
  return value;
}

/** "a list", "a string", ... for messages about a value of the wrong type. */
export function pythonTypeName(value: PyValue): string {
  if (value === null) return "null";
  if (typeof value === "boolean") return "a boolean";
  if (typeof value === "bigint") return "an integer";
  if (typeof value === "number") return "a float";
  if (typeof value === "string") return "a string";
  return isPyList(value) ? "a list" : "an object";
}

function describe(value: PyValue | undefined): string {
  if (value === undefined) return "nothing";
  const text = pyRepr(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

function checkInputDataConfig(config: PyDict, file: string): void {
  for (const [channel, settings] of config) {
    if (!CHANNEL_NAME_PATTERN.test(channel)) {
      throw configFieldInvalid(
        file,
        channel,
        "is not a valid channel name (1 to 64 characters from A-Z, a-z, 0-9, '.', '-' and '_')",
      );
    }
    if (!isPyDict(settings)) throw configFieldInvalid(file, channel, `must be an object of channel settings, found ${describe(settings)}`);
  }
}

function checkStringList(value: PyValue | undefined, file: string, field: string): string[] {
  if (!isPyList(value) || !value.every((h) => typeof h === "string")) {
    throw configFieldInvalid(file, field, `must be a list of host names (strings), found ${describe(value)}`);
  }
  return value as string[];
}

/** An optional string field; null is kept as None, as the reference's `.get()` keeps it. */
function checkOptionalString(config: PyDict, key: string, file: string, field = key): void {
  const value = config.get(key);
  if (value !== undefined && value !== null && typeof value !== "string") {
    throw configFieldInvalid(file, field, `must be a string or null, found ${describe(value)}`);
  }
}

function checkResourceConfig(config: PyDict, file: string): void {
  const current = config.get("current_host");
  if (current === undefined) throw configFieldInvalid(file, "current_host", "is missing (the name of this host, e.g. \"algo-1\")");
  if (typeof current !== "string") throw configFieldInvalid(file, "current_host", `must be a string, found ${describe(current)}`);
  const unusable = environValueProblem(current);
  if (unusable !== undefined) {
    throw configFieldInvalid(
      file,
      "current_host",
      `${unusable}: SageMaker's toolkit puts it into the environment variable CURRENT_HOST, which cannot hold it, and fails`,
    );
  }
  if (!config.has("hosts")) throw configFieldInvalid(file, "hosts", 'is missing (the list of all hosts, e.g. ["algo-1"])');
  const hosts = checkStringList(config.get("hosts"), file, "hosts");
  if (hosts.length === 0) throw configFieldInvalid(file, "hosts", "must list at least one host");
  if (!hosts.includes(current)) {
    throw configFieldInvalid(file, "current_host", `names "${current}", which is not among hosts ${describe(config.get("hosts"))}`);
  }
  const instanceType = config.get("current_instance_type");
  if (instanceType !== undefined && typeof instanceType !== "string") {
    throw configFieldInvalid(
      file,
      "current_instance_type",
      `must be a string (e.g. "ml.m5.xlarge"), found ${describe(instanceType)}`,
    );
  }
  checkOptionalString(config, "current_group_name", file);
  checkOptionalString(config, "network_interface_name", file);
  const groups = config.get("instance_groups");
  if (groups === undefined) return;
  if (!isPyList(groups)) throw configFieldInvalid(file, "instance_groups", `must be a list of instance groups, found ${describe(groups)}`);
  groups.forEach((group, i) => {
    const field = `instance_groups[${i}]`;
    if (!isPyDict(group)) throw configFieldInvalid(file, field, `must be an object, found ${describe(group)}`);
    const name = group.get("instance_group_name");
    if (typeof name !== "string") throw configFieldInvalid(file, `${field}.instance_group_name`, `must be a string, found ${describe(name)}`);
    checkOptionalString(group, "instance_type", file, `${field}.instance_type`);
    checkStringList(group.get("hosts"), file, `${field}.hosts`);
  });
}
