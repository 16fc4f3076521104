/**
 * The tuning handlers over a TuningApi kept in a real store (SQLite in memory): requests in as the
 * SDKs send them, answers out as SageMaker gives them; filters, sorting and pages of both list
 * operations; the errors of unknown names and bad tokens.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ApiError, tuningJobInStatus, tuningJobNameInUse, tuningJobNotFound } from "../protocol/errors.js";
import type { RequestContext } from "../protocol/types.js";
import { Store, type JobRecord, type TuningJobRecord } from "../store/index.js";
import { tuningJobArn } from "./tuning-arn.js";
import { tuningHandlers, type TuningApi, type TuningJobView } from "./tuning-handlers.js";

const ACCOUNT = "000000000000";
const ctx: RequestContext = { operation: "x", service: "SageMaker", region: "eu-west-1", accessKeyId: undefined, requestId: "r" };

/** The control plane's part, as the store keeps it; no tuner runs. */
class StoreTuningApi implements TuningApi {
  now = 1_700_000_000;
  constructor(readonly store: Store) {}

  async createHyperParameterTuningJob(request: { HyperParameterTuningJobName: string }, region: string) {
    const name = request.HyperParameterTuningJobName;
    const record: TuningJobRecord = {
      name,
      arn: tuningJobArn(region, ACCOUNT, name),
      request,
      status: "InProgress",
      failureReason: null,
      creationTime: this.now,
      lastModifiedTime: this.now,
      endTime: null,
      completion: null,
      state: null,
    };
    if (!this.store.tuning.insert(record)) throw tuningJobNameInUse(name);
    this.now += 10;
    return { HyperParameterTuningJobArn: record.arn };
  }

  tuningJobView(name: string): TuningJobView {
    const record = this.store.tuning.get(name);
    if (!record) throw tuningJobNotFound(name);
    const trials = this.store.jobs.ofTuningJob(name).map((job) => ({ job, finalMetrics: this.store.metrics.final(job.name) }));
    return { record, trials, parentTrials: [] };
  }

  listTuningJobs(query: Parameters<TuningApi["listTuningJobs"]>[0]) {
    return this.store.tuning.list(query);
  }

  stopHyperParameterTuningJob(name: string): void {
    const { record } = this.tuningJobView(name);
    if (record.status !== "InProgress") throw tuningJobInStatus(record.status, "stop");
    this.store.tuning.update(name, { status: "Stopping" });
  }

  async deleteHyperParameterTuningJob(name: string): Promise<void> {
    const { record } = this.tuningJobView(name);
    if (record.status === "InProgress" || record.status === "Stopping") throw tuningJobInStatus(record.status, "delete");
    this.store.tuning.delete(name);
  }

  /** A training job of the tuning job, with a final loss when given. */
  addTrial(tuningJob: string, seq: number, status: JobRecord["status"], loss?: number, creationTime = this.now + seq): void {
    const name = `${tuningJob}-${String(seq).padStart(3, "0")}-0a1b2c3d`;
    this.store.jobs.insert(
      {
        name,
        arn: `arn:aws:sagemaker:eu-west-1:${ACCOUNT}:training-job/${name}`,
        request: {},
        status,
        secondaryStatus: "Starting",
        failureReason: status === "Failed" ? "AlgorithmError: boom" : null,
        creationTime,
        lastModifiedTime: creationTime,
        trainingStartTime: creationTime + 1,
        trainingEndTime: status === "InProgress" ? null : creationTime + 5,
        modelArtifacts: null,
        workDir: "/w",
        executorState: null,
        stopRequested: null,
        warnings: [],
        python: null,
        tuning: { job: tuningJob, definition: null, tuned: { lr: `0.${seq}` }, seq },
      },
      { status: "Starting", message: "" },
    );
    if (loss !== undefined) this.store.metrics.add(name, [{ name: "loss", host: "algo-1", value: loss, timestamp: creationTime + 4 }]);
  }
}

function request(name: string, strategy = "Random"): Record<string, unknown> {
  return {
    HyperParameterTuningJobName: name,
    HyperParameterTuningJobConfig: {
      Strategy: strategy,
      HyperParameterTuningJobObjective: { Type: "Minimize", MetricName: "loss" },
      ResourceLimits: { MaxNumberOfTrainingJobs: 4, MaxParallelTrainingJobs: 2 },
      ParameterRanges: { ContinuousParameterRanges: [{ Name: "lr", MinValue: "0.01", MaxValue: "0.9" }] },
    },
    TrainingJobDefinition: {
      StaticHyperParameters: { epochs: "2" },
      AlgorithmSpecification: { TrainingImage: "img:1", TrainingInputMode: "File", MetricDefinitions: [{ Name: "loss", Regex: "loss=(\\S+)" }] },
      RoleArn: "arn:aws:iam::123456789012:role/SageMakerRole",
      OutputDataConfig: { S3OutputPath: "file:///tmp/out" },
      ResourceConfig: { InstanceType: "ml.m5.large", InstanceCount: 1 },
      StoppingCondition: { MaxRuntimeInSeconds: 600 },
    },
  };
}

let store: Store;
let api: StoreTuningApi;
let handlers: ReturnType<typeof tuningHandlers>;
const call = async (operation: string, input: Record<string, unknown>) => (await handlers[operation]!(input, { ...ctx, operation })) as Record<string, any>;

async function errorOf(operation: string, input: Record<string, unknown>): Promise<ApiError> {
  try {
    await call(operation, input);
  } catch (e) {
    if (e instanceof ApiError) return e;
    throw e;
  }
  throw new Error(`${operation} succeeded`);
}

beforeEach(() => {
  store = Store.open(":memory:");
  api = new StoreTuningApi(store);
  handlers = tuningHandlers(api);
});
afterEach(() => store.close());

describe("the tuning handlers", () => {
  it("serve the six tuning operations", () => {
    expect(Object.keys(handlers).sort()).toEqual([
      "CreateHyperParameterTuningJob",
      "DeleteHyperParameterTuningJob",
      "DescribeHyperParameterTuningJob",
      "ListHyperParameterTuningJobs",
      "ListTrainingJobsForHyperParameterTuningJob",
      "StopHyperParameterTuningJob",
    ]);
  });

  it("create a valid tuning job in the request's region, and refuse an invalid one or a taken name before the control plane", async () => {
    expect(await call("CreateHyperParameterTuningJob", request("Tune-A"))).toEqual({
      HyperParameterTuningJobArn: `arn:aws:sagemaker:eu-west-1:${ACCOUNT}:hyper-parameter-tuning-job/tune-a`,
    });
    expect(await errorOf("CreateHyperParameterTuningJob", request("tune-a"))).toMatchObject({
      code: "ResourceInUse",
      message: "A hyperparameter tuning job with the name, tune-a, already exists. Choose a different name.",
    });
    const bad = request("tune-b");
    (bad.HyperParameterTuningJobConfig as any).HyperParameterTuningJobObjective.MetricName = "acc";
    expect(await errorOf("CreateHyperParameterTuningJob", bad)).toMatchObject({ code: "ValidationException" });
    expect(store.tuning.get("tune-b")).toBeUndefined();
  });

  it("describe a tuning job with its trials, and answer an unknown name in SageMaker's words", async () => {
    await call("CreateHyperParameterTuningJob", request("tune"));
    api.addTrial("tune", 1, "Completed", 0.4);
    api.addTrial("tune", 2, "Completed", 0.2);
    api.addTrial("tune", 3, "InProgress");
    const answer = await call("DescribeHyperParameterTuningJob", { HyperParameterTuningJobName: "tune" });
    expect(answer).toMatchObject({
      HyperParameterTuningJobName: "tune",
      HyperParameterTuningJobStatus: "InProgress",
      TrainingJobStatusCounters: { Completed: 2, InProgress: 1 },
      ObjectiveStatusCounters: { Succeeded: 2, Pending: 1, Failed: 0 },
      BestTrainingJob: { TrainingJobName: "tune-002-0a1b2c3d", FinalHyperParameterTuningJobObjectiveMetric: { Value: 0.2 } },
    });
    expect(await errorOf("DescribeHyperParameterTuningJob", { HyperParameterTuningJobName: "nope" })).toMatchObject({
      code: "ResourceNotFound",
      message: "Amazon SageMaker can't find a tuning job called nope. Type another name.",
    });
    expect(await errorOf("DescribeHyperParameterTuningJob", {})).toMatchObject({ code: "ValidationException" });
  });

  it("list tuning jobs by name by default, with filters, sorting and pages", async () => {
    for (const name of ["gamma", "alpha", "beta-x", "delta-x"]) await call("CreateHyperParameterTuningJob", request(name));
    store.tuning.update("beta-x", { status: "Completed", endTime: api.now }, api.now);
    const names = (answer: Record<string, any>) => answer.HyperParameterTuningJobSummaries.map((s: any) => s.HyperParameterTuningJobName);

    expect(names(await call("ListHyperParameterTuningJobs", {}))).toEqual(["alpha", "beta-x", "delta-x", "gamma"]);
    expect(names(await call("ListHyperParameterTuningJobs", { SortBy: "CreationTime", SortOrder: "Descending" }))).toEqual(["delta-x", "beta-x", "alpha", "gamma"]);
    expect(names(await call("ListHyperParameterTuningJobs", { NameContains: "-x" }))).toEqual(["beta-x", "delta-x"]);
    expect(names(await call("ListHyperParameterTuningJobs", { StatusEquals: "Completed" }))).toEqual(["beta-x"]);
    expect(names(await call("ListHyperParameterTuningJobs", { CreationTimeAfter: 1_700_000_005, CreationTimeBefore: 1_700_000_025 }))).toEqual(["alpha", "beta-x"]);

    const first = await call("ListHyperParameterTuningJobs", { MaxResults: 3 });
    expect(names(first)).toEqual(["alpha", "beta-x", "delta-x"]);
    expect(first.HyperParameterTuningJobSummaries[1]).toMatchObject({ HyperParameterTuningJobStatus: "Completed", Strategy: "Random" });
    const second = await call("ListHyperParameterTuningJobs", { MaxResults: 3, NextToken: first.NextToken });
    expect(names(second)).toEqual(["gamma"]);
    expect(second).not.toHaveProperty("NextToken");
    expect(await errorOf("ListHyperParameterTuningJobs", { NextToken: "not-a-token" })).toMatchObject({
      code: "ValidationException",
      message: "1 validation error detected: Value 'not-a-token' at 'nextToken' failed to satisfy constraint: Member must be a token from a previous response",
    });
  });

  it("list a tuning job's training jobs: by name by default, by status filter, by final objective (those with one), in pages", async () => {
    await call("CreateHyperParameterTuningJob", request("tune"));
    api.addTrial("tune", 1, "Completed", 0.4, 300);
    api.addTrial("tune", 2, "Failed", undefined, 100);
    api.addTrial("tune", 3, "Completed", 0.1, 200);
    api.addTrial("tune", 4, "InProgress", 0.05, 400);
    api.addTrial("tune", 5, "Stopped", 0.3, 500);
    const list = async (input: Record<string, unknown>) => await call("ListTrainingJobsForHyperParameterTuningJob", { HyperParameterTuningJobName: "tune", ...input });
    const seqs = (answer: Record<string, any>) => answer.TrainingJobSummaries.map((s: any) => Number(s.TrainingJobName.split("-")[1]));

    expect(seqs(await list({}))).toEqual([1, 2, 3, 4, 5]);
    expect(seqs(await list({ SortOrder: "Descending" }))).toEqual([5, 4, 3, 2, 1]);
    expect(seqs(await list({ SortBy: "CreationTime" }))).toEqual([2, 3, 1, 4, 5]);
    expect(seqs(await list({ SortBy: "Status" }))).toEqual([1, 3, 2, 4, 5]);
    expect(seqs(await list({ SortBy: "FinalObjectiveMetricValue" }))).toEqual([3, 5, 1]);
    expect(seqs(await list({ SortBy: "FinalObjectiveMetricValue", SortOrder: "Descending" }))).toEqual([1, 5, 3]);
    expect(seqs(await list({ StatusEquals: "Completed" }))).toEqual([1, 3]);

    const first = await list({ MaxResults: 2 });
    expect(seqs(first)).toEqual([1, 2]);
    const second = await list({ MaxResults: 2, NextToken: first.NextToken });
    const third = await list({ MaxResults: 2, NextToken: second.NextToken });
    expect([seqs(second), seqs(third)]).toEqual([[3, 4], [5]]);
    expect(third).not.toHaveProperty("NextToken");

    expect((await list({})).TrainingJobSummaries[0]).toMatchObject({
      TrainingJobName: "tune-001-0a1b2c3d",
      TuningJobName: "tune",
      TunedHyperParameters: { lr: "0.1" },
      ObjectiveStatus: "Succeeded",
      FinalHyperParameterTuningJobObjectiveMetric: { Type: "Minimize", MetricName: "loss", Value: 0.4 },
    });
    expect(await errorOf("ListTrainingJobsForHyperParameterTuningJob", { HyperParameterTuningJobName: "nope" })).toMatchObject({ code: "ResourceNotFound" });
  });

  it("stop and delete through the control plane, which refuses what the status does not allow", async () => {
    await call("CreateHyperParameterTuningJob", request("tune"));
    expect(await errorOf("DeleteHyperParameterTuningJob", { HyperParameterTuningJobName: "tune" })).toMatchObject({ code: "ValidationException" });
    expect(await call("StopHyperParameterTuningJob", { HyperParameterTuningJobName: "tune" })).toEqual({});
    expect(store.tuning.get("tune")?.status).toBe("Stopping");
    expect((await errorOf("StopHyperParameterTuningJob", { HyperParameterTuningJobName: "tune" })).message).toContain("is in status Stopping");
    store.tuning.update("tune", { status: "Stopped" });
    expect(await call("DeleteHyperParameterTuningJob", { HyperParameterTuningJobName: "tune" })).toEqual({});
    expect(await errorOf("DescribeHyperParameterTuningJob", { HyperParameterTuningJobName: "tune" })).toMatchObject({ code: "ResourceNotFound" });
    expect(await errorOf("StopHyperParameterTuningJob", { HyperParameterTuningJobName: "bad_name" })).toMatchObject({ code: "ValidationException" });
  });
});
