export { ControlPlane, defaultHome, EXECUTOR_MODES, type ControlPlaneOptions, type ExecutorMode, type JobView, type SlurmOptions } from "./control-plane.js";
export { splitOptions, SLURM_SETTING_NAMES, type SlurmJobSettings } from "./executors/slurm/scripts.js";
export { INSTANCE_RESOURCES_MODES, type InstanceResourcesMode } from "./executors/resources.js";
export { startServer, DEFAULT_PORT, type OptmlServerOptions, type RunningServer } from "./server.js";
export { DASHBOARD_PREFIX } from "./dashboard/routes.js";
export { downsampleMinMax } from "./dashboard/downsample.js";
export { TRAINING_LOG_GROUP } from "./logs/handlers.js";
export { LOG_GROUPS, type LogGroup } from "./store/logs.js";
export type { CreateTrainingJobRequest } from "./sagemaker/request.js";
export type { Executor, HostHandle } from "./executors/types.js";
export { ProcessExecutor } from "./executors/process/index.js";
export { cacheInfo, clearCache, cacheDirOf, DEFAULT_CACHE_LIMIT_BYTES, type CacheInfo } from "./data/cache.js";
export type { DataOptions } from "./data/context.js";
export {
  SAGEMAKER_MODEL,
  modelShape,
  operationInput,
  type ModelShape,
  type ModelShapeType,
  type ModelStructureShape,
  type ServiceModel,
} from "./sagemaker/model/service-model.js";
export { RECORDED_ONLY_IMAGE, type OptmlExecutor } from "./executors/description.js";
export { choosePython, resolvePython, type JobPython, type PythonChoice } from "./jobs/python.js";
