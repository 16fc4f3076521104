/** Where things live under a job's base dir (SPEC.md section 1). */
export const DEFAULT_BASE_DIR = "/opt/ml";
export const BASE_DIR_ENV = "SAGEMAKER_BASE_DIR";

export const HYPERPARAMETERS_FILE = "hyperparameters.json";
export const INPUT_DATA_CONFIG_FILE = "inputdataconfig.json";
export const RESOURCE_CONFIG_FILE = "resourceconfig.json";

/** Python's `os.path.join(a, b)` for a relative `b`: no normalisation, one separator. */
export function joinPath(a: string, b: string): string {
  if (a === "") return b;
  return a.endsWith("/") ? a + b : `${a}/${b}`;
}

export interface ContractPaths {
  readonly base: string;
  readonly code: string;
  readonly model: string;
  readonly input: string;
  readonly inputConfig: string;
  readonly inputData: string;
  readonly output: string;
  readonly outputData: string;
  readonly outputIntermediate: string;
  readonly checkpoints: string;
  readonly hyperparametersFile: string;
  readonly inputDataConfigFile: string;
  readonly resourceConfigFile: string;
  readonly successFile: string;
  readonly failureFile: string;
}

export function contractPaths(base: string): ContractPaths {
  const input = joinPath(base, "input");
  const inputConfig = joinPath(input, "config");
  const output = joinPath(base, "output");
  return {
    base,
    code: joinPath(base, "code"),
    model: joinPath(base, "model"),
    input,
    inputConfig,
    inputData: joinPath(input, "data"),
    output,
    outputData: joinPath(output, "data"),
    outputIntermediate: joinPath(output, "intermediate"),
    checkpoints: joinPath(base, "checkpoints"),
    hyperparametersFile: joinPath(inputConfig, HYPERPARAMETERS_FILE),
    inputDataConfigFile: joinPath(inputConfig, INPUT_DATA_CONFIG_FILE),
    resourceConfigFile: joinPath(inputConfig, RESOURCE_CONFIG_FILE),
    successFile: joinPath(output, "success"),
    failureFile: joinPath(output, "failure"),
  };
}

/** `<base>/input/data/<channel>`: a channel's directory in File mode. */
export function channelPath(paths: ContractPaths, channel: string): string {
  return joinPath(paths.inputData, channel);
}

/** The base dir a process should use: `SAGEMAKER_BASE_DIR`, else `/opt/ml`. */
export function baseDirFromEnv(env: Readonly<Record<string, string | undefined>>): string {
  return env[BASE_DIR_ENV] ?? DEFAULT_BASE_DIR;
}
