/**
 * Tuning strategies and endings end to end, through the real JS SDK v3 client, on a cheap
 * objective script run as ordinary training jobs: Hyperband stopping bad trials at its rungs while
 * good ones run every epoch, the completion criteria BestObjectiveNotImproving and
 * ConvergenceDetected, a training definition that cannot run (the tuning job fails, saying why),
 * failing trials (counted as SageMaker counts them, while the tuner goes on), and trials on the
 * instance type of a HyperParameterTuningResourceConfig (what the SageMaker Python SDK sends).
 */
import { DescribeLogStreamsCommand, GetLogEventsCommand } from "@aws-sdk/client-cloudwatch-logs";
import {
  CreateHyperParameterTuningJobCommand,
  DescribeHyperParameterTuningJobCommand,
  DescribeTrainingJobCommand,
  ListTrainingJobsForHyperParameterTuningJobCommand,
  type CreateHyperParameterTuningJobCommandInput,
  type DescribeHyperParameterTuningJobCommandOutput,
  type HyperParameterTrainingJobSummary,
} from "@aws-sdk/client-sagemaker";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startHarness, type Harness } from "./harness.js";

let h: Harness;
let code: string;

/**
 * The objective: loss = (x - 0.3)^2 at the last epoch, approached from above as the epochs go by
 * (at epoch e of E: final + (E - e) / E), so a worse x is worse at every epoch. One line per epoch,
 * `pause` seconds apart; `save` seconds after the last epoch (saving the model). x above
 * `fail_above` exits 1 before printing anything.
 */
const OBJECTIVE = `
import json, os, sys, time
hp = json.loads(os.environ["SM_HPS"])
x = float(hp.get("x", 0.5))
if x > float(hp.get("fail_above", "inf")):
    print(f"x = {x} is too large", file=sys.stderr, flush=True)
    sys.exit(1)
epochs = int(hp.get("epochs", 1))
pause = float(hp.get("pause", 0))
final = (x - 0.3) ** 2
for e in range(1, epochs + 1):
    print(f"epoch {e} loss={final + (epochs - e) / epochs:.6f}", flush=True)
    time.sleep(pause)
time.sleep(float(hp.get("save", 0)))
`;

beforeAll(async () => {
  h = await startHarness({ capacity: 4 });
  code = h.code({ "objective.py": OBJECTIVE });
}, 60_000);
afterAll(async () => h?.close(), 120_000);

type Config = CreateHyperParameterTuningJobCommandInput["HyperParameterTuningJobConfig"];

function tuningRequest(name: string, config: Partial<Config> & { Strategy: NonNullable<Config>["Strategy"] }, statics: Record<string, string> = {}): CreateHyperParameterTuningJobCommandInput {
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

/** A Grid request over the categorical values of x, in that order (Grid keeps it). */
function gridOver(name: string, xs: string[], config: Partial<Config> = {}, statics: Record<string, string> = {}): CreateHyperParameterTuningJobCommandInput {
  return tuningRequest(
    name,
    { Strategy: "Grid", ResourceLimits: { MaxParallelTrainingJobs: 1 }, ParameterRanges: { CategoricalParameterRanges: [{ Name: "x", Values: xs }] }, ...config },
    statics,
  );
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
      new ListTrainingJobsForHyperParameterTuningJobCommand({ HyperParameterTuningJobName: name, SortBy: "CreationTime", SortOrder: "Ascending", ...(token ? { NextToken: token } : {}) }),
    );
    all.push(...page.TrainingJobSummaries!);
    token = page.NextToken;
  } while (token);
  return all;
}

/** How many epochs a training job reported: its `epoch N` log lines. */
async function epochsOf(job: string): Promise<number> {
  const group = "/aws/sagemaker/TrainingJobs";
  const streams = (await h.logs.send(new DescribeLogStreamsCommand({ logGroupName: group, logStreamNamePrefix: `${job}/` }))).logStreams ?? [];
  let n = 0;
  for (const s of streams) {
    const events = await h.logs.send(new GetLogEventsCommand({ logGroupName: group, logStreamName: s.logStreamName!, startFromHead: true }));
    n += events.events!.filter((e) => /^epoch \d+ loss=/.test(e.message!)).length;
  }
  return n;
}

const lossOf = (t: HyperParameterTrainingJobSummary) => (Number(t.TunedHyperParameters!.x) - 0.3) ** 2;

describe("tuning strategies and endings", () => {
  it("Hyperband: trials worse at a rung are stopped there; the best runs all MaxResource epochs and Completes", async () => {
    // Rungs at 1 and 3 epochs (eta 3 below MaxResource 9). Each trial saves for a while after its
    // last epoch, so the tuner sees it running with all 9 values: it must let it complete.
    const request = tuningRequest(
      "tune-hyperband",
      { Strategy: "Hyperband", RandomSeed: 3, StrategyConfig: { HyperbandStrategyConfig: { MinResource: 1, MaxResource: 9 } } },
      { epochs: "9", pause: "0.4", save: "1.5" },
    );
    await h.sagemaker.send(new CreateHyperParameterTuningJobCommand(request));
    const d = await waitForTuning("tune-hyperband", 240_000);
    expect(d.FailureReason).toBeUndefined();
    expect(d.HyperParameterTuningJobStatus).toBe("Completed");
    const trials = await trialsOf("tune-hyperband");
    expect(trials).toHaveLength(6);
    const epochs = new Map<string, number>();
    for (const t of trials) epochs.set(t.TrainingJobName!, await epochsOf(t.TrainingJobName!));
    const report = trials.map((t) => `${t.TrainingJobName} x=${t.TunedHyperParameters!.x} ${t.TrainingJobStatus} epochs=${epochs.get(t.TrainingJobName!)}`).join("\n");
    for (const t of trials) {
      const n = epochs.get(t.TrainingJobName!)!;
      if (t.TrainingJobStatus === "Stopped") {
        // Stopped at a rung: at least MinResource epochs, fewer than MaxResource.
        expect(n, report).toBeGreaterThanOrEqual(1);
        expect(n, report).toBeLessThan(9);
      } else {
        expect(t.TrainingJobStatus, report).toBe("Completed");
        expect(n, report).toBe(9);
      }
      // A stopped trial's objective is its last value: it counts.
      expect(t.ObjectiveStatus, report).toBe("Succeeded");
    }
    const stopped = trials.filter((t) => t.TrainingJobStatus === "Stopped");
    expect(stopped.length, report).toBeGreaterThan(0);
    expect(d.TrainingJobStatusCounters!.Stopped).toBe(stopped.length);
    // The best x is ahead at every rung: never stopped, it runs every epoch and is the best job.
    const best = trials.reduce((a, b) => (lossOf(b) < lossOf(a) ? b : a));
    expect(best.TrainingJobStatus, report).toBe("Completed");
    expect(epochs.get(best.TrainingJobName!), report).toBe(9);
    expect(d.BestTrainingJob!.TrainingJobName).toBe(best.TrainingJobName);
    expect(d.BestTrainingJob!.FinalHyperParameterTuningJobObjectiveMetric!.Value).toBeCloseTo(lossOf(best), 5);
  }, 300_000);

  it("BestObjectiveNotImproving ends a Grid job early and reports NumberOfTrainingJobsObjectiveNotImproving", async () => {
    // SageMaker's minimum is 3.
    const tooFew = gridOver("tune-notimp-2", ["0.3", "0.9", "0.8"], { TuningJobCompletionCriteria: { BestObjectiveNotImproving: { MaxNumberOfTrainingJobsNotImproving: 2 } } });
    await expect(h.sagemaker.send(new CreateHyperParameterTuningJobCommand(tooFew))).rejects.toMatchObject({ name: "ValidationException" });

    // x = 0.3 is the best there is: every trial after it does not improve.
    const request = gridOver("tune-notimp", ["0.3", "0.9", "0.8", "0.7", "0.6", "0.5", "0.4"], {
      TuningJobCompletionCriteria: { BestObjectiveNotImproving: { MaxNumberOfTrainingJobsNotImproving: 3 } },
    });
    await h.sagemaker.send(new CreateHyperParameterTuningJobCommand(request));
    const d = await waitForTuning("tune-notimp");
    expect(d.HyperParameterTuningJobStatus).toBe("Completed");
    const trials = await trialsOf("tune-notimp");
    expect(trials.map((t) => t.TunedHyperParameters!.x)).toEqual(["0.3", "0.9", "0.8", "0.7"]);
    expect(trials.every((t) => t.TrainingJobStatus === "Completed")).toBe(true);
    expect(d.TuningJobCompletionDetails?.NumberOfTrainingJobsObjectiveNotImproving).toBe(3);
    expect(d.BestTrainingJob!.TunedHyperParameters).toEqual({ x: "0.3" });
  }, 120_000);

  it("ConvergenceDetected (CompleteOnConvergence Enabled) ends the job once the second half of the trials gains nothing", async () => {
    // tuner.ts converged(): at least max(10, 5 per tuned parameter) objectives, and the best of the
    // later half no better than the best of the earlier half (by 0.1% of their spread). With the
    // best x among the first five, that is so at the 10th trial, two before the grid's end.
    const xs = ["0.9", "0.3", "0.8", "0.7", "0.6", "0.55", "0.65", "0.75", "0.85", "0.95", "0.31", "0.29"];
    const request = gridOver("tune-converge", xs, { TuningJobCompletionCriteria: { ConvergenceDetected: { CompleteOnConvergence: "Enabled" } } });
    const before = new Date();
    await h.sagemaker.send(new CreateHyperParameterTuningJobCommand(request));
    const d = await waitForTuning("tune-converge", 180_000);
    expect(d.HyperParameterTuningJobStatus).toBe("Completed");
    const trials = await trialsOf("tune-converge");
    expect(trials.map((t) => t.TunedHyperParameters!.x)).toEqual(xs.slice(0, 10));
    const detected = d.TuningJobCompletionDetails?.ConvergenceDetectedTime;
    expect(detected).toBeInstanceOf(Date);
    expect(detected!.getTime()).toBeGreaterThanOrEqual(before.getTime() - 1000);
    expect(detected!.getTime()).toBeLessThanOrEqual(d.HyperParameterTuningEndTime!.getTime());
    // The best (x = 0.3) is the 2nd trial: eight since.
    expect(d.TuningJobCompletionDetails!.NumberOfTrainingJobsObjectiveNotImproving).toBe(8);
  }, 240_000);

  it("a training job definition that cannot run fails the tuning job with a ClientError reason", async () => {
    const request = tuningRequest("tune-cannot", { Strategy: "Random", RandomSeed: 1 });
    delete request.TrainingJobDefinition!.StaticHyperParameters!.sagemaker_program;
    await h.sagemaker.send(new CreateHyperParameterTuningJobCommand(request));
    const d = await waitForTuning("tune-cannot");
    expect(d.HyperParameterTuningJobStatus).toBe("Failed");
    expect(d.FailureReason).toMatch(/^ClientError: /);
    expect(d.FailureReason).toContain("sagemaker_program");
    expect(d.HyperParameterTuningEndTime).toBeInstanceOf(Date);
    expect(await trialsOf("tune-cannot")).toEqual([]);
    expect(d.TrainingJobStatusCounters).toEqual({ Completed: 0, InProgress: 0, RetryableError: 0, NonRetryableError: 0, Stopped: 0 });
  }, 60_000);

  it("failing trials count as NonRetryableError with ObjectiveStatus Failed, and the tuner goes on", async () => {
    const request = gridOver("tune-failing", ["0.95", "0.3", "0.99", "0.5"], { ResourceLimits: { MaxParallelTrainingJobs: 2 } }, { fail_above: "0.9" });
    await h.sagemaker.send(new CreateHyperParameterTuningJobCommand(request));
    const d = await waitForTuning("tune-failing");
    expect(d.FailureReason).toBeUndefined();
    expect(d.HyperParameterTuningJobStatus).toBe("Completed");
    expect(d.TrainingJobStatusCounters).toEqual({ Completed: 2, InProgress: 0, RetryableError: 0, NonRetryableError: 2, Stopped: 0 });
    expect(d.ObjectiveStatusCounters).toEqual({ Succeeded: 2, Pending: 0, Failed: 2 });
    const byX = new Map((await trialsOf("tune-failing")).map((t) => [t.TunedHyperParameters!.x, t]));
    expect([...byX.keys()].sort()).toEqual(["0.3", "0.5", "0.95", "0.99"]);
    for (const x of ["0.95", "0.99"]) {
      const t = byX.get(x)!;
      expect(t.TrainingJobStatus).toBe("Failed");
      expect(t.ObjectiveStatus).toBe("Failed");
      expect(t.FailureReason).toBeTruthy();
      expect(t.FinalHyperParameterTuningJobObjectiveMetric).toBeUndefined();
    }
    for (const x of ["0.3", "0.5"]) expect(byX.get(x)!.ObjectiveStatus).toBe("Succeeded");
    expect(d.BestTrainingJob!.TunedHyperParameters).toEqual({ x: "0.3" });
  }, 120_000);

  it("HyperParameterTuningResourceConfig: trials run on its instance type, and Describe answers it as a ResourceConfig too", async () => {
    const request = gridOver("tune-hporesource", ["0.3"]);
    delete request.TrainingJobDefinition!.ResourceConfig;
    request.TrainingJobDefinition!.HyperParameterTuningResourceConfig = { InstanceType: "ml.m5.xlarge", InstanceCount: 1, VolumeSizeInGB: 2 };
    await h.sagemaker.send(new CreateHyperParameterTuningJobCommand(request));
    const d = await waitForTuning("tune-hporesource");
    expect(d.HyperParameterTuningJobStatus).toBe("Completed");
    expect(d.TrainingJobDefinition!.HyperParameterTuningResourceConfig).toEqual({ InstanceType: "ml.m5.xlarge", InstanceCount: 1, VolumeSizeInGB: 2 });
    expect(d.TrainingJobDefinition!.ResourceConfig).toEqual({ InstanceType: "ml.m5.xlarge", InstanceCount: 1, VolumeSizeInGB: 2 });
    const [trial] = await trialsOf("tune-hporesource");
    const job = await h.sagemaker.send(new DescribeTrainingJobCommand({ TrainingJobName: trial!.TrainingJobName }));
    expect(job.ResourceConfig).toMatchObject({ InstanceType: "ml.m5.xlarge", InstanceCount: 1, VolumeSizeInGB: 2 });
  }, 60_000);
});
