import { readConfigFiles, type ContractConfig } from "./config-files.js";
import { toCmdArgs, toEnvVars } from "./env-vars.js";
import { trainingEnvironment, type HostFacts, type ProcessEnv, type TrainingEnvironment } from "./environment.js";

/** What a job's process is given: every `SM_*` variable and the user program's arguments. */
export interface ContractEnvironment {
  readonly trainingEnvironment: TrainingEnvironment;
  readonly envVars: Record<string, string>;
  readonly cmdArgs: string[];
}

/** From parsed config files, the process environment and host facts, compute the contract. */
export function computeContract(
  config: ContractConfig,
  options: { baseDir: string; env: ProcessEnv; host: HostFacts },
): ContractEnvironment {
  const te = trainingEnvironment(config, options);
  return { trainingEnvironment: te, envVars: toEnvVars(te), cmdArgs: toCmdArgs(te.hyperparameters) };
}

/** Read `<baseDir>/input/config/*.json` and compute the contract. */
export function contractForBaseDir(baseDir: string, env: ProcessEnv, host: HostFacts): ContractEnvironment {
  return computeContract(readConfigFiles(baseDir), { baseDir, env, host });
}
