/**
 * The SageMaker operations: one thin handler each, from the validated request to the control plane
 * and back.
 */
import type { ControlPlane } from "../control-plane.js";
import { validationErrors } from "../protocol/errors.js";
import type { Handler, ServiceDefinition } from "../protocol/types.js";
import type { ListQuery, TrainingJobStatus } from "../store/index.js";
import { describeTrainingJob } from "./describe.js";
import type { CreateTrainingJobRequest } from "./request.js";
import { validateCreateTrainingJob, validateListTrainingJobs, validateTrainingJobName } from "./validate.js";

const seconds = (v: unknown) => (typeof v === "number" ? v : undefined);

function decodeToken(token: unknown): number {
  if (typeof token !== "string") return 0;
  try {
    const { offset } = JSON.parse(Buffer.from(token, "base64url").toString("utf8")) as { offset: unknown };
    if (Number.isInteger(offset) && (offset as number) >= 0) return offset as number;
  } catch {
    // fall through
  }
  throw validationErrors([`Value '${token}' at 'nextToken' failed to satisfy constraint: Member must be a token from a previous response`]);
}

export function sagemakerService(cp: ControlPlane): ServiceDefinition {
  const handlers: Record<string, Handler> = {
    CreateTrainingJob: async (input) => {
      validateCreateTrainingJob(input);
      return cp.createTrainingJob(input as CreateTrainingJobRequest);
    },
    DescribeTrainingJob: (input) => describeTrainingJob(cp.view(validateTrainingJobName(input))),
    ListTrainingJobs: async (input) => {
      validateListTrainingJobs(input);
      const limit = typeof input.MaxResults === "number" ? input.MaxResults : 10;
      const offset = decodeToken(input.NextToken);
      const query: ListQuery = {
        ...(typeof input.NameContains === "string" ? { nameContains: input.NameContains } : {}),
        ...(typeof input.StatusEquals === "string" ? { statusEquals: input.StatusEquals as TrainingJobStatus } : {}),
        ...(seconds(input.CreationTimeAfter) !== undefined ? { creationTimeAfter: seconds(input.CreationTimeAfter)! } : {}),
        ...(seconds(input.CreationTimeBefore) !== undefined ? { creationTimeBefore: seconds(input.CreationTimeBefore)! } : {}),
        ...(seconds(input.LastModifiedTimeAfter) !== undefined ? { lastModifiedTimeAfter: seconds(input.LastModifiedTimeAfter)! } : {}),
        ...(seconds(input.LastModifiedTimeBefore) !== undefined ? { lastModifiedTimeBefore: seconds(input.LastModifiedTimeBefore)! } : {}),
        sortBy: (input.SortBy as ListQuery["sortBy"] | undefined) ?? "CreationTime",
        sortOrder: (input.SortOrder as ListQuery["sortOrder"] | undefined) ?? "Ascending",
        offset,
        limit: limit + 1,
      };
      const rows = cp.list(query);
      const page = rows.slice(0, limit);
      const summaries = [];
      for (const j of page) {
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
      return {
        TrainingJobSummaries: summaries,
        ...(rows.length > limit ? { NextToken: Buffer.from(JSON.stringify({ offset: offset + limit })).toString("base64url") } : {}),
      };
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
  };
  return { targetPrefix: "SageMaker", signingName: "sagemaker", handlers };
}
