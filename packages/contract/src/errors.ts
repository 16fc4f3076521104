/**
 * The contract's error catalogue: every way a job's configuration can be unusable, each naming the
 * file and the field, so that `optml env`, the runner's `output/failure` and the reader all say
 * the same thing.
 */
export type ContractErrorCode =
  | "ConfigFileMissing"
  | "ConfigFileUnreadable"
  | "ConfigFileMalformed"
  | "ConfigFieldInvalid"
  | "EnvironmentInvalid"
  | "HyperparameterInvalid";

export class ContractError extends Error {
  override readonly name = "ContractError";
  constructor(
    readonly code: ContractErrorCode,
    message: string,
    readonly file?: string,
    readonly field?: string,
  ) {
    super(message);
  }
}

export function configFileMissing(file: string): ContractError {
  return new ContractError(
    "ConfigFileMissing",
    `${file}: file not found (a training job needs hyperparameters.json, inputdataconfig.json and resourceconfig.json under <base>/input/config)`,
    file,
  );
}

export function configFileUnreadable(file: string, cause: string): ContractError {
  return new ContractError("ConfigFileUnreadable", `${file}: cannot be read: ${cause}`, file);
}

export function configFileMalformed(file: string, detail: string): ContractError {
  return new ContractError("ConfigFileMalformed", `${file}: not valid JSON: ${detail}`, file);
}

/** Valid JSON, of the wrong type: a config file holds one JSON object. */
export function configFileNotObject(file: string, found: string): ContractError {
  return new ContractError(
    "ConfigFileMalformed",
    `${file}: must hold a JSON object ({...}) at the top level, found ${found}`,
    file,
  );
}

/** Nested deeper than SageMaker's toolkit can read (Python's RecursionError). */
export function configFileTooDeep(file: string, maxDepth: number): ContractError {
  return new ContractError(
    "ConfigFileMalformed",
    `${file}: nested more than ${maxDepth} levels deep; SageMaker's toolkit fails on it (Python's json raises RecursionError): flatten the structure`,
    file,
  );
}

export function configFieldInvalid(file: string, field: string, problem: string): ContractError {
  return new ContractError("ConfigFieldInvalid", `${file}: field "${field}" ${problem}`, file, field);
}

export function environmentInvalid(variable: string, problem: string): ContractError {
  return new ContractError("EnvironmentInvalid", `environment variable ${variable} ${problem}`, undefined, variable);
}

export function hyperparameterInvalid(name: string, problem: string): ContractError {
  return new ContractError("HyperparameterInvalid", `hyperparameter "${name}" ${problem}`, undefined, name);
}
