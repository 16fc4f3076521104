/**
 * The hyperparameter tuning operations: one thin handler each, from the validated request to the
 * control plane (TuningApi, which the control plane implements) and back through the pure
 * builders of tuning-describe.ts. handlers.ts adds them to the SageMaker service.
 */
import type { Handler } from "../protocol/types.js";
import type { TrainingJobStatus, TuningJobRecord, TuningJobStatus, TuningListQuery } from "../store/index.js";
import { listQueryOf, page } from "./list-input.js";
import {
  describeHyperParameterTuningJob,
  finalObjective,
  trainingJobSummary,
  tuningJobSummary,
  type TrialView,
  type TuningJobView,
} from "./tuning-describe.js";
import type { CreateHyperParameterTuningJobRequest } from "./tuning-request.js";
import {
  validateCreateHyperParameterTuningJob,
  validateListHyperParameterTuningJobs,
  validateListTrainingJobsForTuningJob,
  validateTuningJobName,
} from "./tuning-validate.js";

export type { TrialView, TuningJobView } from "./tuning-describe.js";

/** What the tuning handlers need of the control plane. */
export interface TuningApi {
  createHyperParameterTuningJob(request: CreateHyperParameterTuningJobRequest, region: string): Promise<{ HyperParameterTuningJobArn: string }>;
  /** Throws the ResourceNotFound error (protocol/errors.ts tuningJobNotFound) for a name it does not know. */
  tuningJobView(name: string): TuningJobView;
  listTuningJobs(query: TuningListQuery): TuningJobRecord[];
  stopHyperParameterTuningJob(name: string): void;
  deleteHyperParameterTuningJob(name: string): Promise<void>;
}

/** MaxResults of both list operations when not given: "The default value is 10." */
export const DEFAULT_TUNING_LIST_MAX_RESULTS = 10;

export function tuningHandlers(api: TuningApi): Record<string, Handler> {
  return {
    CreateHyperParameterTuningJob: async (input, ctx) => {
      validateCreateHyperParameterTuningJob(input);
      return api.createHyperParameterTuningJob(input as unknown as CreateHyperParameterTuningJobRequest, ctx.region);
    },
    DescribeHyperParameterTuningJob: (input) => describeHyperParameterTuningJob(api.tuningJobView(validateTuningJobName(input))),
    ListHyperParameterTuningJobs: (input) => {
      validateListHyperParameterTuningJobs(input);
      // "The default is Name", "The default is Ascending" (API reference).
      const query = listQueryOf<TuningListQuery["sortBy"], TuningJobStatus>(input, { sortBy: "Name", sortOrder: "Ascending", maxResults: DEFAULT_TUNING_LIST_MAX_RESULTS });
      const { rows, nextToken } = page(api.listTuningJobs(query), query);
      return {
        HyperParameterTuningJobSummaries: rows.map((r) => tuningJobSummary(api.tuningJobView(r.name))),
        ...(nextToken ? { NextToken: nextToken } : {}),
      };
    },
    StopHyperParameterTuningJob: (input) => {
      api.stopHyperParameterTuningJob(validateTuningJobName(input));
      return {};
    },
    DeleteHyperParameterTuningJob: async (input) => {
      await api.deleteHyperParameterTuningJob(validateTuningJobName(input));
      return {};
    },
    ListTrainingJobsForHyperParameterTuningJob: (input) => {
      const view = api.tuningJobView(validateListTrainingJobsForTuningJob(input));
      const query = listQueryOf<TrialSortBy, TrainingJobStatus>(input, { sortBy: "Name", sortOrder: "Ascending", maxResults: DEFAULT_TUNING_LIST_MAX_RESULTS });
      const request = view.record.request as CreateHyperParameterTuningJobRequest;
      const trials = sortedTrials(
        request,
        view.trials.filter((t) => query.statusEquals === undefined || t.job.status === query.statusEquals),
        query.sortBy,
        query.sortOrder,
      );
      const { rows, nextToken } = page(trials.slice(query.offset), query);
      return {
        TrainingJobSummaries: rows.map((t) => trainingJobSummary(request, t)),
        ...(nextToken ? { NextToken: nextToken } : {}),
      };
    },
  };
}

export type TrialSortBy = "Name" | "CreationTime" | "Status" | "FinalObjectiveMetricValue";

/**
 * The trials in the order asked for; ties in name order. By FinalObjectiveMetricValue, "any
 * training jobs that did not return an objective metric are not listed".
 */
export function sortedTrials(
  request: CreateHyperParameterTuningJobRequest,
  trials: readonly TrialView[],
  sortBy: TrialSortBy,
  sortOrder: "Ascending" | "Descending",
): TrialView[] {
  const keyed = trials
    .map((trial) => ({ trial, key: sortKey(request, trial, sortBy) }))
    .filter((k): k is { trial: TrialView; key: string | number } => k.key !== undefined);
  const direction = sortOrder === "Ascending" ? 1 : -1;
  keyed.sort((a, b) => direction * (compare(a.key, b.key) || compare(a.trial.job.name, b.trial.job.name)));
  return keyed.map((k) => k.trial);
}

function sortKey(request: CreateHyperParameterTuningJobRequest, trial: TrialView, sortBy: TrialSortBy): string | number | undefined {
  switch (sortBy) {
    case "Name":
      return trial.job.name;
    case "CreationTime":
      return trial.job.creationTime;
    case "Status":
      return trial.job.status;
    case "FinalObjectiveMetricValue":
      return finalObjective(request, trial);
  }
}

function compare(a: string | number, b: string | number): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
