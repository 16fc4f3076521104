/**
 * What SageMaker's toolkit `train` needs, past computing the environment, before it starts the
 * user program: it configures Python's logging with the log level, then puts every SM_* variable
 * into its own environment. A job whose values cannot take those two steps fails there
 * ("Framework Error"); `checkTrainStart` says so before anything runs. `optml env` and the reader
 * show such values as the toolkit's Environment computes them; the runner calls this check.
 */
import { BARE_CONFIG_FILE_NAMES, pythonTypeName, type ConfigFileNames } from "./config-files.js";
import type { ContractEnvironment } from "./contract-env.js";
import { configFieldInvalid, ContractError } from "./errors.js";
import { environNameProblem, environValueProblem } from "./os-environ.js";
import { pyRepr, pyUpper } from "./pyjson/index.js";

/**
 * Throw a ContractError naming the file, the field and the reason when SageMaker's toolkit would
 * fail to start the user program of this job.
 */
export function checkTrainStart(contract: ContractEnvironment, fileNames: ConfigFileNames = BARE_CONFIG_FILE_NAMES): void {
  const te = contract.trainingEnvironment;
  const file = fileNames.hyperparameters;

  // logging.basicConfig(level=...) and `level >= logging.INFO`: an int (a bool is one) or nothing.
  const level = te.logLevel;
  if (typeof level !== "bigint" && typeof level !== "boolean") {
    throw configFieldInvalid(
      file,
      "sagemaker_container_log_level",
      `must be an integer logging level (e.g. "20" for INFO, "10" for DEBUG), found ${pythonTypeName(level)}: ${pyRepr(level)}; SageMaker's toolkit configures Python's logging with it and fails`,
    );
  }

  // Hyperparameters first: their names and values are the job author's, so name them.
  for (const [key, value] of te.hyperparameters) {
    const variable = `SM_HP_${pyUpper(key)}`;
    const nameProblem = environNameProblem(variable);
    if (nameProblem !== undefined) {
      throw configFieldInvalid(file, key, `makes the environment variable name ${JSON.stringify(variable)}, which ${nameProblem}; SageMaker's toolkit cannot set it and fails`);
    }
    const valueProblem = typeof value === "string" ? environValueProblem(value) : undefined;
    if (valueProblem !== undefined) {
      throw configFieldInvalid(file, key, `${valueProblem}; SageMaker's toolkit cannot put it into the environment variable ${variable} and fails`);
    }
  }
  for (const [variable, value] of Object.entries(contract.envVars)) {
    const problem = environNameProblem(variable) ?? environValueProblem(value);
    if (problem === undefined) continue;
    throw new ContractError(
      "EnvironmentInvalid",
      `${variable} (computed from the job's configuration) ${problem}; SageMaker's toolkit cannot put it into the user program's environment and fails`,
      undefined,
      variable,
    );
  }
}
