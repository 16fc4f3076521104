/**
 * Distributed training a job asks for that cannot run here: SageMaker's smdistributed libraries
 * exist only on SageMaker, so such a job is refused at CreateTrainingJob, naming the local
 * equivalent, rather than accepted to fail later.
 */
import { decodeHyperparameters, smdistributedRequested } from "@optml/contract";
import type { CreateTrainingJobRequest } from "../sagemaker/request.js";

export function distributionProblems(req: CreateTrainingJobRequest): string[] {
  const what = smdistributedRequested(decodeHyperparameters(new Map(Object.entries(req.HyperParameters ?? {}))));
  if (what === undefined) return [];
  return [
    `HyperParameters: ${what} needs AWS's smdistributed libraries, which exist only on SageMaker; ` +
      `to run the same training here use torch_distributed (distribution={"torch_distributed": {"enabled": True}}, ` +
      `the hyperparameter sagemaker_torch_distributed_enabled=true), which starts torchrun on every host`,
  ];
}
