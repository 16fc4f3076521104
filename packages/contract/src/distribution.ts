/**
 * SageMaker's smdistributed libraries (data parallel, model parallel) exist only on SageMaker's
 * instances: a job that asks for them cannot run anywhere else. Read by the control plane (to
 * refuse such a job) and by the runner (which fails it, should it get one).
 */
import { pyTruthy, type PyDict } from "./pyjson/index.js";

/** The SageMaker Python SDK's `distribution={"smdistributed": {"dataparallel": ...}}`. */
export const SMDATAPARALLEL_ENABLED = "sagemaker_distributed_dataparallel_enabled";
/** The hyperparameter the SDK writes for `{"smdistributed": {"modelparallel": ...}}`. */
export const MODEL_PARALLEL_PARAMETERS = "mp_parameters";

/**
 * What of smdistributed the job's (decoded) hyperparameters ask for, or undefined: the data
 * parallel library, or the model parallel one (its `mp_parameters` next to MPI or torch_distributed,
 * as the SDK writes them).
 */
export function smdistributedRequested(hyperparameters: PyDict): string | undefined {
  if (pyTruthy(hyperparameters.get(SMDATAPARALLEL_ENABLED))) return `smdistributed data parallel (${SMDATAPARALLEL_ENABLED})`;
  const launcherOn = pyTruthy(hyperparameters.get("sagemaker_mpi_enabled")) || pyTruthy(hyperparameters.get("sagemaker_torch_distributed_enabled"));
  if (hyperparameters.has(MODEL_PARALLEL_PARAMETERS) && launcherOn) return `smdistributed model parallel (${MODEL_PARALLEL_PARAMETERS})`;
  return undefined;
}
