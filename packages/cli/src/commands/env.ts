import { Command } from "commander";
import { baseDirFromEnv, contractForBaseDir, detectHostFacts, type HostFacts } from "@optml/contract";
import { wholeNumber } from "../cli-error.js";

interface EnvOptions {
  baseDir?: string;
  json?: boolean;
  cpus?: number;
  gpus?: number;
  neurons?: number;
}

/** `optml env`: the environment a job would see, from a base dir's config files. */
export function envCommand(): Command {
  return new Command("env")
    .description("print the SM_* environment and arguments a training job would see, computed from a base dir's config files")
    .option("--base-dir <dir>", "the job's base dir (default: $SAGEMAKER_BASE_DIR, else /opt/ml)")
    .option("--json", 'print {"env_vars": {...}, "cmd_args": [...]} instead of NAME=value lines')
    .option("--cpus <n>", "pin the CPU count (default: detected)", wholeNumber("--cpus"))
    .option("--gpus <n>", "pin the GPU count (default: nvidia-smi --list-gpus)", wholeNumber("--gpus"))
    .option("--neurons <n>", "pin the Neuron core count (default: neuron-ls -j; an instance type with a fixed count, as ml.trn2.48xlarge's 64, has that count whatever is pinned)", wholeNumber("--neurons"))
    .addHelpText(
      "after",
      `
TRAINING_JOB_NAME, SAGEMAKER_PROGRAM, SAGEMAKER_TRAINING_MODULE and SM_HP_MP_PARAMETERS are read
from this command's own environment, as the reference toolkit reads them.

Examples:
  optml env --base-dir examples/env-demo/opt/ml
  optml env --base-dir /tmp/job/opt/ml --json --cpus 8 --gpus 1`,
    )
    .action((options: EnvOptions) => {
      const env = process.env;
      const baseDir = options.baseDir ?? baseDirFromEnv(env);
      const detected: HostFacts | undefined =
        options.cpus === undefined || options.gpus === undefined || options.neurons === undefined ? detectHostFacts(env) : undefined;
      const host: HostFacts = {
        numCpus: options.cpus ?? detected!.numCpus,
        numGpus: options.gpus ?? detected!.numGpus,
        numNeurons: options.neurons ?? detected!.numNeurons,
        smddprunInstalled: detected?.smddprunInstalled ?? false,
        smddpmprunInstalled: detected?.smddpmprunInstalled ?? false,
      };
      const contract = contractForBaseDir(baseDir, env, host);
      if (options.json) {
        process.stdout.write(`${JSON.stringify({ env_vars: contract.envVars, cmd_args: contract.cmdArgs }, null, 2)}\n`);
        return;
      }
      const names = Object.keys(contract.envVars).sort();
      process.stdout.write(names.map((name) => `${name}=${contract.envVars[name]}\n`).join(""));
    });
}
