/**
 * @optml/runner: the `train` executable that runs user code inside a SageMaker-style training job,
 * and the same machinery as a library for the control plane.
 */
export { runTraining, exitCodeFor, type RunTrainingOptions, type TrainingOutcome } from "./run.js";
export {
  entryPointKind,
  planEntryPoint,
  planFrameworkModule,
  parseFrameworkModule,
  planArgv,
  type EntryPointInput,
  type EntryPointKind,
  type FrameworkModule,
  type FrameworkModuleInput,
  type Interpreters,
  type LaunchPlan,
} from "./entry-point.js";
export {
  FAILURE_REPORT_MAX_BYTES,
  OUT_OF_MEMORY_INFO,
  processFailureReport,
  processFailureSummary,
  errorLine,
  stoppedReport,
  frameworkErrorReport,
  type ProcessErrorClass,
  type ProcessFailure,
  type StopReport,
} from "./failure.js";
export { runnerSettings, DEFAULT_STOP_GRACE_SECONDS, DEFAULT_HOST_WAIT_SECONDS, type RunnerSettings } from "./settings.js";
export { userEnvironment, type UserEnvironmentInput } from "./user-environment.js";
export { RunnerError, type RunnerErrorCode } from "./errors.js";
export { shellQuote, commandLine } from "./shell-quote.js";
export { LOG_PREFIX, type Log } from "./log.js";
export {
  codeFilter,
  copyCode,
  measureCode,
  largeCodeWarning,
  byteSize,
  DEFAULT_CODE_EXCLUDES,
  CODE_IGNORE_FILE,
  LARGE_CODE_BYTES,
  type CodeFilter,
  type CodeSize,
} from "./code-copy.js";
