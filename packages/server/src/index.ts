export { ControlPlane, defaultHome, type ControlPlaneOptions, type JobView } from "./control-plane.js";
export { startServer, DEFAULT_PORT, type OptmlServerOptions, type RunningServer } from "./server.js";
export { TRAINING_LOG_GROUP } from "./logs/handlers.js";
export type { CreateTrainingJobRequest } from "./sagemaker/request.js";
export type { Executor, HostHandle } from "./executors/types.js";
export { ProcessExecutor } from "./executors/process/index.js";
