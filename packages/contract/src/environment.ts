import { BARE_CONFIG_FILE_NAMES, pythonTypeName, type ContractConfig } from "./config-files.js";
import { configFieldInvalid, environmentInvalid } from "./errors.js";
import { fixedNeuronCores } from "./host-facts.js";
import { environValueProblem } from "./os-environ.js";
import { channelPath, contractPaths } from "./paths.js";
import {
  isPyDict,
  isPyList,
  pyIntAccepts,
  PyJsonRecursionError,
  pyRepr,
  pyStr,
  pyTruthy,
  tryLoads,
  type PyDict,
  type PyValue,
} from "./pyjson/index.js";

/** What the machine offers the job (SPEC.md section 6: SM_NUM_CPUS, SM_NUM_GPUS, ...). */
export interface HostFacts {
  readonly numCpus: number;
  readonly numGpus: number;
  readonly numNeurons: number;
  readonly smddprunInstalled: boolean;
  readonly smddpmprunInstalled: boolean;
}

export type ProcessEnv = Readonly<Record<string, string | undefined>>;

/**
 * Hyperparameter names that configure the platform, not the user program (SPEC.md section 3).
 * Any other `sagemaker_*` name is a framework parameter.
 */
export const RESERVED_HYPERPARAMETERS: ReadonlySet<string> = new Set([
  "sagemaker_program",
  "sagemaker_submit_directory",
  "sagemaker_enable_cloudwatch_metrics",
  "sagemaker_region",
  "sagemaker_container_log_level",
  "sagemaker_job_name",
  "default_user_module_name",
  "_tuning_objective_metric",
  "sagemaker_s3_output",
]);
const SAGEMAKER_PREFIX = "sagemaker_";

/** Framework parameters that switch on distributed training for the current instance group. */
export const DISTRIBUTION_FLAGS: readonly string[] = [
  "sagemaker_mpi_enabled",
  "sagemaker_parameter_server_enabled",
  "sagemaker_distributed_dataparallel_enabled",
  "sagemaker_pytorch_ddp_enabled",
  "sagemaker_pytorch_xla_multi_worker_enabled",
  "sagemaker_multi_worker_mirrored_strategy_enabled",
  "sagemaker_torch_distributed_enabled",
];

/** Python's default logging level, INFO. */
const DEFAULT_LOG_LEVEL = 20n;

/**
 * The deepest hyperparameter value (decoded from its JSON string) SageMaker's toolkit handles in
 * its `train` (Python 3.11): 988 levels and more fail with RecursionError, when the value is
 * written into SM_TRAINING_ENV two levels further down. Measured with the toolkit itself (README).
 */
export const HYPERPARAMETER_MAX_DEPTH = 987;

/**
 * The training environment, property for property as the reference toolkit's `Environment`
 * (SPEC.md section 6). Values that come from files or hyperparameters keep their Python type.
 */
export interface TrainingEnvironment {
  readonly additionalFrameworkParameters: PyDict;
  readonly channelInputDirs: ReadonlyMap<string, string>;
  readonly currentHost: string;
  /** `current_group_name`; null when the file says null (Python's `.get()` keeps None). */
  readonly currentInstanceGroup: string | null;
  readonly currentInstanceGroupHosts: readonly string[];
  readonly currentInstanceType: string;
  readonly distributionHosts: readonly string[];
  readonly distributionInstanceGroups: PyValue;
  readonly frameworkModule: string | null;
  readonly hosts: readonly string[];
  readonly hyperparameters: PyDict;
  readonly inputConfigDir: string;
  readonly inputDataConfig: PyDict;
  readonly inputDir: string;
  readonly instanceGroups: readonly string[];
  readonly instanceGroupsDict: PyDict;
  readonly isHetero: boolean;
  readonly isMaster: boolean;
  /** null when SM_HP_MP_PARAMETERS is unset, false for "{}", true otherwise ("" stays "", as in Python). */
  readonly isModelparallelEnabled: boolean | null | "";
  readonly isSmddpmprunInstalled: boolean;
  readonly isSmddprunInstalled: boolean;
  readonly jobName: string | null;
  readonly logLevel: PyValue;
  readonly masterHostname: string;
  readonly modelDir: string;
  readonly moduleDir: string;
  readonly moduleName: string;
  readonly networkInterfaceName: string | null;
  readonly numCpus: number;
  readonly numGpus: number;
  readonly numNeurons: number;
  readonly outputDataDir: string;
  readonly outputDir: string;
  readonly outputIntermediateDir: string;
  readonly resourceConfig: PyDict;
  readonly topology: PyValue;
  readonly userEntryPoint: PyValue;
}

/**
 * Decode hyperparameter values as the reference does: each string value through `json.loads`,
 * kept raw when that fails; a non-string value (hand-written file) as it is. A value nested
 * deeper than SageMaker's toolkit can handle is an error, as it is there (RecursionError).
 */
export function decodeHyperparameters(raw: PyDict, file: string = BARE_CONFIG_FILE_NAMES.hyperparameters): PyDict {
  const decoded: PyDict = new Map();
  for (const [key, value] of raw) {
    if (typeof value !== "string") {
      decoded.set(key, value);
      continue;
    }
    let parsed: PyValue | undefined;
    try {
      parsed = tryLoads(value, { maxDepth: HYPERPARAMETER_MAX_DEPTH });
    } catch (e) {
      if (!(e instanceof PyJsonRecursionError)) throw e;
      throw configFieldInvalid(
        file,
        key,
        `is nested more than ${HYPERPARAMETER_MAX_DEPTH} levels deep; SageMaker's toolkit fails on it (Python's RecursionError): flatten it, or pass the structure in a file of a channel`,
      );
    }
    decoded.set(key, parsed === undefined ? value : parsed);
  }
  return decoded;
}

function isPlatformKey(key: string): boolean {
  return RESERVED_HYPERPARAMETERS.has(key) || key.startsWith(SAGEMAKER_PREFIX);
}

/**
 * Python's `item in container` for what `sagemaker_distribution_instance_groups` can hold, or
 * undefined where Python raises TypeError (a number, a bool, None; None in a string).
 */
export function pyContains(container: PyValue, item: string | null): boolean | undefined {
  if (typeof container === "string") return item === null ? undefined : container.includes(item);
  if (isPyList(container)) return container.some((v) => v === item);
  if (isPyDict(container)) return item !== null && container.has(item);
  return undefined;
}

/** Python's `dict.get(key, default)`: a present null stays null. */
function pyGet(dict: PyDict, key: string, fallback: PyValue): PyValue {
  return dict.has(key) ? dict.get(key)! : fallback;
}

/**
 * The reference reads SAGEMAKER_CONTAINER_LOG_LEVEL with Python's `int()` before anything else
 * (the hyperparameter then overrides the value): text `int()` refuses makes it fail.
 */
function checkLogLevelVariable(env: ProcessEnv): void {
  const value = env.SAGEMAKER_CONTAINER_LOG_LEVEL;
  if (value === undefined || pyIntAccepts(value)) return;
  throw environmentInvalid(
    "SAGEMAKER_CONTAINER_LOG_LEVEL",
    `must be an integer logging level (e.g. 20 for INFO), found ${JSON.stringify(value)}: SageMaker's toolkit reads it with Python's int() and fails`,
  );
}

/**
 * The reference puts `sagemaker_job_name` (default "") and `sagemaker_region` (when true in
 * Python's sense) into its own environment: each must then be a string the environment can hold.
 */
function checkEnvironHyperparameter(platform: PyDict, name: string, variable: string, file: string): void {
  if (!platform.has(name)) return;
  const value = platform.get(name)!;
  if (name === "sagemaker_region" && !pyTruthy(value)) return; // `region or ""`
  const problem =
    typeof value === "string"
      ? environValueProblem(value)
      : `must hold a JSON-encoded string (as the SageMaker Python SDK writes it, e.g. ${JSON.stringify(JSON.stringify("my-value"))}), found ${pythonTypeName(value)}: ${pyRepr(value)}`;
  if (problem === undefined) return;
  throw configFieldInvalid(
    file,
    name,
    `${problem}; SageMaker's toolkit puts it into the environment variable ${variable}, which cannot hold it, and fails`,
  );
}

/** Compute the training environment from the config files, the process environment and host facts. */
export function trainingEnvironment(
  config: ContractConfig,
  options: { baseDir: string; env: ProcessEnv; host: HostFacts },
): TrainingEnvironment {
  const { env, host } = options;
  checkLogLevelVariable(env);
  const paths = contractPaths(options.baseDir);
  const rc = config.resourceConfig;
  const hyperparametersFile = (config.fileNames ?? BARE_CONFIG_FILE_NAMES).hyperparameters;
  const all = decodeHyperparameters(config.hyperparameters, hyperparametersFile);

  const platform: PyDict = new Map();
  const hyperparameters: PyDict = new Map();
  for (const [k, v] of all) (isPlatformKey(k) ? platform : hyperparameters).set(k, v);
  const additionalFrameworkParameters: PyDict = new Map();
  for (const [k, v] of platform) if (!RESERVED_HYPERPARAMETERS.has(k)) additionalFrameworkParameters.set(k, v);

  // Shapes are checked by readConfigFiles/parseConfigTexts. Defaults apply to missing keys only.
  const hosts = rc.get("hosts") as string[];
  const currentHost = rc.get("current_host") as string;
  const currentInstanceType = pyGet(rc, "current_instance_type", "local") as string;
  const currentInstanceGroup = pyGet(rc, "current_group_name", "homogeneousCluster") as string | null;
  const networkInterfaceName = pyGet(rc, "network_interface_name", "eth0") as string | null;
  checkEnvironHyperparameter(platform, "sagemaker_job_name", "SAGEMAKER_JOB_NAME", hyperparametersFile);
  checkEnvironHyperparameter(platform, "sagemaker_region", "SAGEMAKER_REGION", hyperparametersFile);
  const groups = ((rc.get("instance_groups") as PyDict[] | undefined) ?? []).map((g) => ({
    name: g.get("instance_group_name") as string,
    hosts: g.get("hosts") as string[],
    dict: g,
  }));

  const currentInstanceGroupHosts = groups.find((g) => g.name === currentInstanceGroup)?.hosts ?? [];
  const instanceGroups = groups.map((g) => g.name);
  const instanceGroupsDict: PyDict = new Map(groups.map((g) => [g.name, g.dict]));

  let distributionInstanceGroups = additionalFrameworkParameters.get("sagemaker_distribution_instance_groups");
  if (distributionInstanceGroups === undefined) {
    const enabled = DISTRIBUTION_FLAGS.some((flag) => pyTruthy(additionalFrameworkParameters.get(flag)));
    distributionInstanceGroups = enabled ? [currentInstanceGroup] : [];
  }
  const dig = distributionInstanceGroups;
  // The reference asks `current group in distribution groups` whatever the cluster.
  if ([currentInstanceGroup, ...groups.map((g) => g.name)].some((name) => pyContains(dig, name) === undefined)) {
    throw configFieldInvalid(
      hyperparametersFile,
      "sagemaker_distribution_instance_groups",
      `must be a list of instance group names (e.g. ["train-group"]), found ${pyRepr(dig)}; SageMaker's toolkit fails on it (TypeError)`,
    );
  }
  const distributionHosts =
    groups.length > 0 ? groups.filter((g) => pyContains(dig, g.name)).flatMap((g) => g.hosts) : [...hosts];
  const masterHostname = distributionHosts[0] ?? hosts[0]!;

  const programFromEnv = env.SAGEMAKER_PROGRAM;
  const program = platform.get("sagemaker_program");
  const moduleNameRaw = programFromEnv ?? pyStr(program ?? null);
  const moduleName = moduleNameRaw.endsWith(".py") ? moduleNameRaw.slice(0, -3) : moduleNameRaw;
  const userEntryPoint: PyValue = programFromEnv ? programFromEnv : (program ?? null);

  const mp = env.SM_HP_MP_PARAMETERS;
  const isModelparallelEnabled = mp === undefined ? null : mp === "" ? "" : mp !== "{}";

  const channelInputDirs = new Map<string, string>();
  for (const channel of config.inputDataConfig.keys()) channelInputDirs.set(channel, channelPath(paths, channel));

  return {
    additionalFrameworkParameters,
    channelInputDirs,
    currentHost,
    currentInstanceGroup,
    currentInstanceGroupHosts,
    currentInstanceType,
    distributionHosts,
    distributionInstanceGroups,
    frameworkModule: env.SAGEMAKER_TRAINING_MODULE ?? null,
    hosts,
    hyperparameters,
    inputConfigDir: paths.inputConfig,
    inputDataConfig: config.inputDataConfig,
    inputDir: paths.input,
    instanceGroups,
    instanceGroupsDict,
    isHetero: instanceGroups.length > 1,
    isMaster: currentHost === masterHostname,
    isModelparallelEnabled,
    isSmddpmprunInstalled: host.smddpmprunInstalled,
    isSmddprunInstalled: host.smddprunInstalled,
    jobName: env.TRAINING_JOB_NAME ?? null,
    logLevel: pyGet(platform, "sagemaker_container_log_level", DEFAULT_LOG_LEVEL),
    masterHostname,
    modelDir: paths.model,
    moduleDir: pyStr(pyGet(platform, "sagemaker_submit_directory", paths.code)),
    moduleName,
    networkInterfaceName,
    numCpus: host.numCpus,
    numGpus: host.numGpus,
    numNeurons: fixedNeuronCores(currentInstanceType) ?? host.numNeurons,
    outputDataDir: paths.outputData,
    outputDir: paths.output,
    outputIntermediateDir: paths.outputIntermediate,
    resourceConfig: rc,
    topology: pyGet(rc, "topology", []),
    userEntryPoint,
  };
}

/** The environment as the Python dict `SM_TRAINING_ENV` is rendered from. */
export function trainingEnvironmentDict(te: TrainingEnvironment): PyDict {
  const strings = (xs: readonly string[]): PyValue[] => [...xs];
  const int = (n: number): bigint => BigInt(n);
  return new Map<string, PyValue>([
    ["additional_framework_parameters", te.additionalFrameworkParameters],
    ["channel_input_dirs", new Map(te.channelInputDirs)],
    ["current_host", te.currentHost],
    ["current_instance_group", te.currentInstanceGroup],
    ["current_instance_group_hosts", strings(te.currentInstanceGroupHosts)],
    ["current_instance_type", te.currentInstanceType],
    ["distribution_hosts", strings(te.distributionHosts)],
    ["distribution_instance_groups", te.distributionInstanceGroups],
    ["framework_module", te.frameworkModule],
    ["hosts", strings(te.hosts)],
    ["hyperparameters", te.hyperparameters],
    ["input_config_dir", te.inputConfigDir],
    ["input_data_config", te.inputDataConfig],
    ["input_dir", te.inputDir],
    ["instance_groups", strings(te.instanceGroups)],
    ["instance_groups_dict", te.instanceGroupsDict],
    ["is_hetero", te.isHetero],
    ["is_master", te.isMaster],
    ["is_modelparallel_enabled", te.isModelparallelEnabled],
    ["is_smddpmprun_installed", te.isSmddpmprunInstalled],
    ["is_smddprun_installed", te.isSmddprunInstalled],
    ["job_name", te.jobName],
    ["log_level", te.logLevel],
    ["master_hostname", te.masterHostname],
    ["model_dir", te.modelDir],
    ["module_dir", te.moduleDir],
    ["module_name", te.moduleName],
    ["network_interface_name", te.networkInterfaceName],
    ["num_cpus", int(te.numCpus)],
    ["num_gpus", int(te.numGpus)],
    ["num_neurons", int(te.numNeurons)],
    ["output_data_dir", te.outputDataDir],
    ["output_dir", te.outputDir],
    ["output_intermediate_dir", te.outputIntermediateDir],
    ["resource_config", te.resourceConfig],
    ["topology", te.topology],
    ["user_entry_point", te.userEntryPoint],
  ]);
}
