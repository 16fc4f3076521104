import type { ContractConfig } from "./config-files.js";
import { environmentInvalid } from "./errors.js";
import { channelPath, contractPaths } from "./paths.js";
import { isPyDict, isPyList, pyStr, pyTruthy, tryLoads, type PyDict, type PyValue } from "./pyjson/index.js";

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
 * The training environment, property for property as the reference toolkit's `Environment`
 * (SPEC.md section 6). Values that come from files or hyperparameters keep their Python type.
 */
export interface TrainingEnvironment {
  readonly additionalFrameworkParameters: PyDict;
  readonly channelInputDirs: ReadonlyMap<string, string>;
  readonly currentHost: string;
  readonly currentInstanceGroup: string;
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
  readonly networkInterfaceName: string;
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
 * kept raw when that fails; a non-string value (hand-written file) as it is.
 */
export function decodeHyperparameters(raw: PyDict): PyDict {
  const decoded: PyDict = new Map();
  for (const [key, value] of raw) {
    if (typeof value !== "string") {
      decoded.set(key, value);
      continue;
    }
    const parsed = tryLoads(value);
    decoded.set(key, parsed === undefined ? value : parsed);
  }
  return decoded;
}

function isPlatformKey(key: string): boolean {
  return RESERVED_HYPERPARAMETERS.has(key) || key.startsWith(SAGEMAKER_PREFIX);
}

/** Python's `x in container` for the containers a framework parameter can hold. */
export function pyContains(container: PyValue, item: string): boolean {
  if (typeof container === "string") return container.includes(item);
  if (isPyList(container)) return container.some((v) => v === item);
  if (isPyDict(container)) return container.has(item);
  throw environmentInvalid(
    "sagemaker_distribution_instance_groups",
    `must be a list of instance group names, found ${pyStr(container)}`,
  );
}

/** Compute the training environment from the config files, the process environment and host facts. */
export function trainingEnvironment(
  config: ContractConfig,
  options: { baseDir: string; env: ProcessEnv; host: HostFacts },
): TrainingEnvironment {
  const { env, host } = options;
  const paths = contractPaths(options.baseDir);
  const rc = config.resourceConfig;
  const all = decodeHyperparameters(config.hyperparameters);

  const platform: PyDict = new Map();
  const hyperparameters: PyDict = new Map();
  for (const [k, v] of all) (isPlatformKey(k) ? platform : hyperparameters).set(k, v);
  const additionalFrameworkParameters: PyDict = new Map();
  for (const [k, v] of platform) if (!RESERVED_HYPERPARAMETERS.has(k)) additionalFrameworkParameters.set(k, v);

  // Shapes are checked by readConfigFiles/parseConfigTexts.
  const hosts = rc.get("hosts") as string[];
  const currentHost = rc.get("current_host") as string;
  const currentInstanceType = (rc.get("current_instance_type") as string | undefined) ?? "local";
  const currentInstanceGroup = (rc.get("current_group_name") as string | undefined) ?? "homogeneousCluster";
  const networkInterfaceName = (rc.get("network_interface_name") as string | undefined) ?? "eth0";
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
    logLevel: platform.get("sagemaker_container_log_level") ?? DEFAULT_LOG_LEVEL,
    masterHostname,
    modelDir: paths.model,
    moduleDir: pyStr(platform.get("sagemaker_submit_directory") ?? paths.code),
    moduleName,
    networkInterfaceName,
    numCpus: host.numCpus,
    numGpus: host.numGpus,
    numNeurons: host.numNeurons,
    outputDataDir: paths.outputData,
    outputDir: paths.output,
    outputIntermediateDir: paths.outputIntermediate,
    resourceConfig: rc,
    topology: rc.get("topology") ?? [],
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
