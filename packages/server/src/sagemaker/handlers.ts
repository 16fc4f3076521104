/**
 * The SageMaker operations: one thin handler each, from the validated request to the control plane
 * and back.
 */
import type { ControlPlane } from "../control-plane.js";
import type { Handler, ServiceDefinition } from "../protocol/types.js";
import type { ListQuery, TrainingJobStatus } from "../store/index.js";
import { describeTrainingJob } from "./describe.js";
import { listQueryOf, page } from "./list-input.js";
import type { CreateTrainingJobRequest } from "./request.js";
import { processingHandlers } from "./processing-handlers.js";
import { tagHandlers } from "./tags.js";
import { tuningHandlers } from "./tuning-handlers.js";
import { validateCreateTrainingJob, validateListTrainingJobs, validateTrainingJobName } from "./validate.js";

export function sagemakerService(cp: ControlPlane): ServiceDefinition {
  const handlers: Record<string, Handler> = {
    CreateTrainingJob: async (input, ctx) => {
      validateCreateTrainingJob(input);
      return cp.createTrainingJob(input as CreateTrainingJobRequest, ctx.region);
    },
    DescribeTrainingJob: (input) => describeTrainingJob(cp.view(validateTrainingJobName(input))),
    ListTrainingJobs: async (input) => {
      validateListTrainingJobs(input);
      const query = listQueryOf<ListQuery["sortBy"], TrainingJobStatus>(input, { sortBy: "CreationTime", sortOrder: "Ascending", maxResults: 10 });
      const { rows: page0, nextToken } = page(cp.list(query), query);
      const summaries = [];
      for (const j of page0) {
        summaries.push({
          TrainingJobName: j.name,
          TrainingJobArn: j.arn,
          CreationTime: new Date(j.creationTime * 1000),
          ...(j.trainingEndTime !== null ? { TrainingEndTime: new Date(j.trainingEndTime * 1000) } : {}),
          LastModifiedTime: new Date(j.lastModifiedTime * 1000),
          TrainingJobStatus: j.status,
          SecondaryStatus: j.secondaryStatus,
          // optml's extension: the bytes the job's files take on disk (`optml jobs` SIZE).
          OptmlDiskBytes: await cp.diskBytes(j),
        });
      }
      return { TrainingJobSummaries: summaries, ...(nextToken ? { NextToken: nextToken } : {}) };
    },
    StopTrainingJob: (input) => {
      cp.stopTrainingJob(validateTrainingJobName(input));
      return {};
    },
    DeleteTrainingJob: async (input) => {
      const { freedBytes } = await cp.deleteTrainingJob(validateTrainingJobName(input));
      // optml's extension: the bytes the job's files took (`optml rm`, `optml prune`).
      return { OptmlFreedBytes: freedBytes };
    },
    ...tagHandlers(cp),
    ...tuningHandlers(cp),
    ...processingHandlers(cp),
  };
  return { targetPrefix: "SageMaker", signingName: "sagemaker", handlers };
}
