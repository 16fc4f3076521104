/**
 * Hyperparameter tuning jobs end to end, through the real JS SDK v3 client: every strategy on a
 * cheap objective script run as ordinary training jobs, early stopping that really stops trials,
 * completion criteria, warm start, stop, and what Describe and ListTrainingJobsForHyperParameterTuningJob
 * answer about it all.
 */
import {
  CreateHyperParameterTuningJobCommand,
  DescribeHyperParameterTuningJobCommand,
  DescribeTrainingJobCommand,
  ListHyperParameterTuningJobsCommand,
  ListTrainingJobsForHyperParameterTuningJobCommand,
  StopHyperParameterTuningJobCommand,
  type CreateHyperParameterTuningJobCommandInput,
  type DescribeHyperParameterTuningJobCommandOutput,
  type HyperParameterTrainingJobSummary,
} from "@aws-sdk/client-sagemaker";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startHarness, type Harness } from "./harness.js";

let h: Harness;
let code: string;

/**
 * The objective: loss = (x - 0.3)^2 + (y == "b" ? 0 : 0.5), reported once per epoch as it
 * "improves" towards that value, then finally. `slow` makes each epoch take 0.3 s.
 */
const OBJECTIVE = `
import json, os, time
hp = json.loads(os.environ["SM_HPS"])
x = float(hp.get("x", "0.5"))
y = hp.get("y", "b")
epochs = int(hp.get("epochs", "1"))
final = (x - 0.3) ** 2 + (0 if y == "b" else 0.5)
for e in range(epochs):
    print(f"epoch {e} loss={final + 1.0 / (e + 1):.6f}", flush=True)
    if str(hp.get("slow")) == "1":
        time.sleep(0.3)
print(f"final loss={final:.6f}", flush=True)
`;

beforeAll(async () => {
  h = await startHarness({ capacity: 4 });
  code = h.code({ "objective.py": OBJECTIVE });
}, 60_000);
afterAll(async () => h?.close(), 120_000);

function tuningRequest(name: string, config: Partial<CreateHyperParameterTuningJobCommandInput["HyperParameterTuningJobConfig"]> & { Strategy: "Bayesian" | "Random" | "Grid" | "Hyperband" }, statics: Record<string, string> = {}): CreateHyperParameterTuningJobCommandInput {
  return {
    HyperParameterTuningJobName: name,
    HyperParameterTuningJobConfig: {
      HyperParameterTuningJobObjective: { Type: "Minimize", MetricName: "loss" },
      ResourceLimits: { MaxNumberOfTrainingJobs: 6, MaxParallelTrainingJobs: 2 },
      ParameterRanges: { ContinuousParameterRanges: [{ Name: "x", MinValue: "0", MaxValue: "1", ScalingType: "Linear" }] },
      ...config,
    },
    TrainingJobDefinition: {
      StaticHyperParameters: {
        sagemaker_program: '"objective.py"',
        sagemaker_submit_directory: JSON.stringify(`file://${code}`),
        ...statics,
      },
      AlgorithmSpecification: { TrainingImage: "optml/run:local", TrainingInputMode: "File", MetricDefinitions: [{ Name: "loss", Regex: "loss=([0-9.]+)" }] },
      RoleArn: "arn:aws:iam::123456789012:role/SageMakerRole",
      OutputDataConfig: { S3OutputPath: `file://${h.output()}` },
      ResourceConfig: { InstanceType: "ml.m5.large", InstanceCount: 1, VolumeSizeInGB: 1 },
      StoppingCondition: { MaxRuntimeInSeconds: 600 },
    },
  };
}

async function waitForTuning(name: string, timeoutMs = 120_000): Promise<DescribeHyperParameterTuningJobCommandOutput> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const d = await h.sagemaker.send(new DescribeHyperParameterTuningJobCommand({ HyperParameterTuningJobName: name }));
    if (!["InProgress", "Stopping"].includes(d.HyperParameterTuningJobStatus!)) return d;
    if (Date.now() > deadline) throw new Error(`tuning job ${name} still ${d.HyperParameterTuningJobStatus} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function trialsOf(name: string): Promise<HyperParameterTrainingJobSummary[]> {
  const all: HyperParameterTrainingJobSummary[] = [];
  let token: string | undefined;
  do {
    const page = await h.sagemaker.send(
      new ListTrainingJobsForHyperParameterTuningJobCommand({ HyperParameterTuningJobName: name, MaxResults: 2, SortBy: "CreationTime", SortOrder: "Ascending", ...(token ? { NextToken: token } : {}) }),
    );
    all.push(...page.TrainingJobSummaries!);
    token = page.NextToken;
  } while (token);
  return all;
}

const objectiveOf = (t: HyperParameterTrainingJobSummary) => t.FinalHyperParameterTuningJobObjectiveMetric?.Value;

describe("hyperparameter tuning jobs", () => {
  it("Bayesian: runs MaxNumberOfTrainingJobs trials as ordinary training jobs, two at a time, and names the best", async () => {
    await h.sagemaker.send(new CreateHyperParameterTuningJobCommand(tuningRequest("tune-bayes", { Strategy: "Bayesian", RandomSeed: 7 })));
    const d = await waitForTuning("tune-bayes");
    expect(d.FailureReason).toBeUndefined();
    expect(d.HyperParameterTuningJobStatus).toBe("Completed");
    expect(d.TrainingJobStatusCounters).toEqual({ Completed: 6, InProgress: 0, RetryableError: 0, NonRetryableError: 0, Stopped: 0 });
    expect(d.ObjectiveStatusCounters).toEqual({ Succeeded: 6, Pending: 0, Failed: 0 });
    const trials = await trialsOf("tune-bayes");
    expect(trials).toHaveLength(6);
    for (const [i, t] of trials.entries()) {
      expect(t.TrainingJobName).toMatch(new RegExp(`^tune-bayes-${String(i + 1).padStart(3, "0")}-[0-9a-f]{8}$`));
      const x = Number(t.TunedHyperParameters!.x);
      expect(objectiveOf(t)).toBeCloseTo((x - 0.3) ** 2, 5);
    }
    const best = trials.reduce((a, b) => (objectiveOf(b)! < objectiveOf(a)! ? b : a));
    expect(d.BestTrainingJob!.TrainingJobName).toBe(best.TrainingJobName);
    expect(d.BestTrainingJob!.FinalHyperParameterTuningJobObjectiveMetric).toEqual({ Type: "Minimize", MetricName: "loss", Value: objectiveOf(best) });
    // The training job knows its tuning job.
    const job = await h.sagemaker.send(new DescribeTrainingJobCommand({ TrainingJobName: best.TrainingJobName }));
    expect(job.TuningJobArn).toBe(d.HyperParameterTuningJobArn);
    expect(job.HyperParameters!.x).toBe(best.TunedHyperParameters!.x);
    const listed = await h.sagemaker.send(new ListHyperParameterTuningJobsCommand({ NameContains: "tune-bayes" }));
    expect(listed.HyperParameterTuningJobSummaries!.map((s) => s.HyperParameterTuningJobName)).toEqual(["tune-bayes"]);
  }, 180_000);

  it("Random: the same RandomSeed proposes the same values", async () => {
    const config = { Strategy: "Random" as const, RandomSeed: 42, ResourceLimits: { MaxNumberOfTrainingJobs: 3, MaxParallelTrainingJobs: 3 } };
    await h.sagemaker.send(new CreateHyperParameterTuningJobCommand(tuningRequest("tune-rand-a", config)));
    await h.sagemaker.send(new CreateHyperParameterTuningJobCommand(tuningRequest("tune-rand-b", config)));
    await waitForTuning("tune-rand-a");
    await waitForTuning("tune-rand-b");
    const values = async (name: string) => (await trialsOf(name)).map((t) => t.TunedHyperParameters!.x);
    expect(await values("tune-rand-a")).toEqual(await values("tune-rand-b"));
    expect(new Set(await values("tune-rand-a")).size).toBe(3);
  }, 120_000);

  it("Grid: every combination of the categorical values once, then Completed", async () => {
    const request = tuningRequest("tune-grid", {
      Strategy: "Grid",
      ResourceLimits: { MaxParallelTrainingJobs: 2 },
      ParameterRanges: { CategoricalParameterRanges: [{ Name: "x", Values: ["0.1", "0.3"] }, { Name: "y", Values: ["a", "b"] }] },
    });
    await h.sagemaker.send(new CreateHyperParameterTuningJobCommand(request));
    const d = await waitForTuning("tune-grid");
    expect(d.HyperParameterTuningJobStatus).toBe("Completed");
    const combos = (await trialsOf("tune-grid")).map((t) => `${t.TunedHyperParameters!.x}/${t.TunedHyperParameters!.y}`).sort();
    expect(combos).toEqual(["0.1/a", "0.1/b", "0.3/a", "0.3/b"]);
    expect(d.BestTrainingJob!.TunedHyperParameters).toEqual({ x: "0.3", y: "b" });
  }, 120_000);

  it("TargetObjectiveMetricValue ends the tuning job as Completed before its budget is spent", async () => {
    const request = tuningRequest("tune-target", {
      Strategy: "Grid",
      ResourceLimits: { MaxParallelTrainingJobs: 1 },
      ParameterRanges: { CategoricalParameterRanges: [{ Name: "x", Values: ["0.3", "0.9", "0.8", "0.7"] }] },
      TuningJobCompletionCriteria: { TargetObjectiveMetricValue: 0.01 },
    });
    await h.sagemaker.send(new CreateHyperParameterTuningJobCommand(request));
    const d = await waitForTuning("tune-target");
    expect(d.HyperParameterTuningJobStatus).toBe("Completed");
    expect((await trialsOf("tune-target")).length).toBe(1);
  }, 120_000);

  it("early stopping (Auto): trials doing worse than the median at the same epoch are stopped", async () => {
    const request = tuningRequest(
      "tune-early",
      {
        Strategy: "Grid",
        ResourceLimits: { MaxParallelTrainingJobs: 1 },
        ParameterRanges: { CategoricalParameterRanges: [{ Name: "x", Values: ["0.3", "0.35", "0.25", "5", "6"] }] },
        TrainingJobEarlyStoppingType: "Auto",
      },
      { epochs: "10", slow: "1" },
    );
    await h.sagemaker.send(new CreateHyperParameterTuningJobCommand(request));
    const d = await waitForTuning("tune-early", 240_000);
    expect(d.HyperParameterTuningJobStatus).toBe("Completed");
    const byX = new Map((await trialsOf("tune-early")).map((t) => [t.TunedHyperParameters!.x, t]));
    // The good ones ran to the end; the bad ones were stopped early.
    for (const x of ["0.3", "0.35", "0.25"]) expect(byX.get(x)!.TrainingJobStatus).toBe("Completed");
    for (const x of ["5", "6"]) expect(byX.get(x)!.TrainingJobStatus).toBe("Stopped");
    expect(d.TrainingJobStatusCounters!.Stopped).toBe(2);
  }, 300_000);

  it("warm start: the parents' trials seed the search and OverallBestTrainingJob spans them", async () => {
    await h.sagemaker.send(
      new CreateHyperParameterTuningJobCommand(
        tuningRequest("tune-parent", { Strategy: "Grid", ResourceLimits: { MaxParallelTrainingJobs: 2 }, ParameterRanges: { CategoricalParameterRanges: [{ Name: "x", Values: ["0.3", "0.9"] }] } }),
      ),
    );
    await waitForTuning("tune-parent");
    const child = tuningRequest("tune-child", { Strategy: "Random", RandomSeed: 1, ResourceLimits: { MaxNumberOfTrainingJobs: 2, MaxParallelTrainingJobs: 2 } });
    child.WarmStartConfig = { ParentHyperParameterTuningJobs: [{ HyperParameterTuningJobName: "tune-parent" }], WarmStartType: "IdenticalDataAndAlgorithm" };
    await h.sagemaker.send(new CreateHyperParameterTuningJobCommand(child));
    const d = await waitForTuning("tune-child");
    expect(d.HyperParameterTuningJobStatus).toBe("Completed");
    expect(d.WarmStartConfig!.ParentHyperParameterTuningJobs).toEqual([{ HyperParameterTuningJobName: "tune-parent" }]);
    // The parent's x = 0.3 has loss 0: no child trial beats it.
    expect(d.OverallBestTrainingJob!.TrainingJobName).toMatch(/^tune-parent-/);
    expect(d.OverallBestTrainingJob!.TunedHyperParameters).toEqual({ x: "0.3" });
    expect(d.BestTrainingJob!.TrainingJobName).toMatch(/^tune-child-/);
  }, 180_000);

  it("StopHyperParameterTuningJob stops the running trials and ends Stopped", async () => {
    const request = tuningRequest("tune-stop", { Strategy: "Random", ResourceLimits: { MaxNumberOfTrainingJobs: 10, MaxParallelTrainingJobs: 2 } }, { epochs: "100", slow: "1" });
    await h.sagemaker.send(new CreateHyperParameterTuningJobCommand(request));
    for (let i = 0; (await trialsOf("tune-stop")).filter((t) => t.TrainingJobStatus === "InProgress").length < 2; i++) {
      if (i > 300) throw new Error("the trials did not start");
      await new Promise((r) => setTimeout(r, 100));
    }
    await h.sagemaker.send(new StopHyperParameterTuningJobCommand({ HyperParameterTuningJobName: "tune-stop" }));
    const d = await waitForTuning("tune-stop", 60_000);
    expect(d.HyperParameterTuningJobStatus).toBe("Stopped");
    const trials = await trialsOf("tune-stop");
    expect(trials).toHaveLength(2);
    expect(trials.map((t) => t.TrainingJobStatus)).toEqual(["Stopped", "Stopped"]);
  }, 120_000);
});
