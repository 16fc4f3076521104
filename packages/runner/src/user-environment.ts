/**
 * The user program's environment: the runner's own environment, every `SM_*` variable of the
 * contract, and the four variables the reference's runner adds (SPEC.md section 6).
 */
import { pyStr, type ProcessEnv, type PyDict, type PyValue } from "@optml/contract";

export interface UserEnvironmentInput {
  /** The runner's environment. */
  readonly processEnv: ProcessEnv;
  /** Every `SM_*` variable, as computed by @optml/contract. */
  readonly contractVars: Readonly<Record<string, string>>;
  readonly currentHost: string;
  /** All hyperparameters, decoded (the platform's `sagemaker_*` ones included). */
  readonly hyperparameters: PyDict;
  /** `<base>/code`: first on PYTHONPATH. */
  readonly codeDir: string;
  /** Dirs on PYTHONPATH after the code dir (a setup.py package installed for this job alone). */
  readonly packageDirs?: readonly string[];
}

/** A hyperparameter as a string, or undefined when it is absent, null or empty. */
export function platformValue(hyperparameters: PyDict, name: string): string | undefined {
  const value: PyValue | undefined = hyperparameters.get(name);
  if (value === undefined || value === null) return undefined;
  const text = pyStr(value);
  return text === "" ? undefined : text;
}

export function userEnvironment(input: UserEnvironmentInput): Record<string, string> {
  const { processEnv, hyperparameters } = input;
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(processEnv)) if (value !== undefined) env[name] = value;
  Object.assign(env, input.contractVars);
  env.SAGEMAKER_JOB_NAME = platformValue(hyperparameters, "sagemaker_job_name") ?? "";
  env.CURRENT_HOST = input.currentHost;
  env.SAGEMAKER_REGION =
    platformValue(hyperparameters, "sagemaker_region") ?? nonEmpty(processEnv.AWS_REGION) ?? nonEmpty(processEnv.AWS_DEFAULT_REGION) ?? "";
  const pythonPath = processEnv.PYTHONPATH;
  env.PYTHONPATH = [input.codeDir, ...(input.packageDirs ?? []), ...(pythonPath ? [pythonPath] : [])].join(":");
  // Output reaches the log as it is written, not when Python's pipe buffer fills. A value the
  // job sets (even empty) is kept.
  if (!("PYTHONUNBUFFERED" in env)) env.PYTHONUNBUFFERED = "1";
  return env;
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === "" ? undefined : value;
}
