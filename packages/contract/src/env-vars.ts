import { trainingEnvironmentDict, type TrainingEnvironment } from "./environment.js";
import {
  compareCodePoints,
  dumps,
  pyStr,
  pyTruthy,
  pyUpper,
  sortedKeys,
  type PyDict,
  type PyValue,
} from "./pyjson/index.js";

/**
 * A value as the reference writes it into an environment variable: strings raw, None as "",
 * everything else as compact, key-sorted, ASCII-only JSON (SPEC.md section 4).
 */
export function envValue(value: PyValue): string {
  if (value === null) return "";
  if (typeof value === "string") return value;
  return dumps(value);
}

/**
 * Hyperparameters as command-line arguments (SPEC.md section 5): keys sorted by code point,
 * `-k` for a one-character key and `--key` otherwise, values in Python `str()` form with a
 * top-level dict written as sorted `k=v` pairs joined by ",".
 */
export function toCmdArgs(hyperparameters: PyDict): string[] {
  const args: string[] = [];
  for (const key of sortedKeys(hyperparameters)) {
    const length = [...key].length;
    args.push(length === 0 ? "" : length === 1 ? `-${key}` : `--${key}`);
    args.push(argValue(hyperparameters.get(key)!));
  }
  return args;
}

function argValue(value: PyValue): string {
  if (value instanceof Map) {
    return sortedKeys(value)
      .map((k) => `${k}=${pyStr(value.get(k)!)}`)
      .join(",");
  }
  return value === null ? "" : pyStr(value);
}

/**
 * Every `SM_*` variable of the environment, with the reference's names and values, byte for byte.
 * Names are `SM_` + the upper-cased key; where two channels or two hyperparameters upper-case to
 * the same name the later one wins, as in the reference.
 */
export function toEnvVars(te: TrainingEnvironment): Record<string, string> {
  const userArgs = toCmdArgs(te.hyperparameters);
  const entries: [string, PyValue][] = [
    ["hosts", [...te.hosts]],
    ["network_interface_name", te.networkInterfaceName],
    ["hps", te.hyperparameters],
    ["user_entry_point", te.userEntryPoint],
    ["framework_params", te.additionalFrameworkParameters],
    ["resource_config", te.resourceConfig],
    ["input_data_config", te.inputDataConfig],
    ["output_data_dir", te.outputDataDir],
    ["channels", [...te.channelInputDirs.keys()].sort(compareCodePoints)],
    ["current_host", te.currentHost],
    ["current_instance_type", te.currentInstanceType],
    ["current_instance_group", te.currentInstanceGroup],
    ["current_instance_group_hosts", [...te.currentInstanceGroupHosts]],
    ["instance_groups", [...te.instanceGroups]],
    ["instance_groups_dict", te.instanceGroupsDict],
    ["distribution_instance_groups", te.distributionInstanceGroups],
    ["is_hetero", te.isHetero],
    ["module_name", te.moduleName],
    ["log_level", te.logLevel],
    ["framework_module", te.frameworkModule],
    ["input_dir", te.inputDir],
    ["input_config_dir", te.inputConfigDir],
    ["output_dir", te.outputDir],
    ["num_cpus", BigInt(te.numCpus)],
    ["num_gpus", BigInt(te.numGpus)],
    ["num_neurons", BigInt(te.numNeurons)],
    ["model_dir", te.modelDir],
    ["module_dir", te.moduleDir],
    ["training_env", trainingEnvironmentDict(te)],
    ["user_args", userArgs],
    ["output_intermediate_dir", te.outputIntermediateDir],
  ];
  if (pyTruthy(te.topology)) entries.push(["topology", te.topology]);
  for (const [channel, dir] of te.channelInputDirs) entries.push([`channel_${channel}`, dir]);
  for (const [key, value] of te.hyperparameters) entries.push([`hp_${key}`, value]);

  const vars: Record<string, string> = {};
  for (const [key, value] of entries) vars[`SM_${pyUpper(key)}`] = envValue(value);
  return vars;
}
