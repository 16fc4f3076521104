import { describe, expect, it } from "vitest";
import type { TrainingJob, Trial, TuningJob, TuningJobSummary } from "./connection.js";
import { style } from "./display.js";
import {
  bestTrial,
  describeTuningText,
  LiveBlock,
  objectiveOf,
  orderTrials,
  parameterNames,
  progressLine,
  screenRows,
  shortValue,
  statusesOf,
  trialEvents,
  trialTable,
  tuningJobsTable,
  tuningSummary,
  visibleLength,
} from "./tuning-display.js";

const plain = style(false);
const T0 = new Date(2025, 0, 31, 12, 0, 0).getTime();

function trial(seq: number, status: string, tuned: Record<string, string>, objective?: number, extra: Partial<Trial> = {}): Trial {
  const name = `branin-250131-120000-${String(seq).padStart(3, "0")}-${"abcdef01".slice(0, 8)}`;
  return {
    TrainingJobName: name,
    TrainingJobArn: `arn:aws:sagemaker:us-east-1:000000000000:training-job/${name}`,
    TuningJobName: "branin-250131-120000",
    CreationTime: new Date(T0 + seq * 1000),
    TrainingJobStatus: status as Trial["TrainingJobStatus"],
    TunedHyperParameters: tuned,
    ...(objective !== undefined ? { FinalHyperParameterTuningJobObjectiveMetric: { Type: "Minimize", MetricName: "objective", Value: objective } } : {}),
    ...extra,
  };
}

const tuning: TuningJob = {
  HyperParameterTuningJobName: "branin-250131-120000",
  HyperParameterTuningJobArn: "arn:aws:sagemaker:us-east-1:000000000000:hyper-parameter-tuning-job/branin-250131-120000",
  HyperParameterTuningJobStatus: "InProgress",
  CreationTime: new Date(T0),
  HyperParameterTuningJobConfig: {
    Strategy: "Bayesian",
    HyperParameterTuningJobObjective: { Type: "Minimize", MetricName: "objective" },
    ResourceLimits: { MaxNumberOfTrainingJobs: 12, MaxParallelTrainingJobs: 3 },
    ParameterRanges: {
      ContinuousParameterRanges: [
        { Name: "x1", MinValue: "-5", MaxValue: "10" },
        { Name: "x2", MinValue: "0", MaxValue: "15" },
      ],
      CategoricalParameterRanges: [{ Name: "noise", Values: ["0", "0.1"] }],
    },
  },
  TrainingJobStatusCounters: { Completed: 2, InProgress: 1, NonRetryableError: 1, RetryableError: 0, Stopped: 0 },
  ObjectiveStatusCounters: { Succeeded: 2, Pending: 1, Failed: 1 },
};

const trials = [
  trial(1, "Completed", { x1: "2.5", x2: "7.5", noise: "0" }, 24.129964),
  trial(2, "Completed", { x1: "3.1415926535897", x2: "2.275", noise: "0.1" }, 0.39788735772973816),
  trial(3, "Failed", { x1: "-5", x2: "0", noise: "0" }, undefined, { FailureReason: "AlgorithmError: ExecuteUserScriptError:\nExitCode 1\nErrorMessage \"ValueError: no\"\nCommand \"python3 branin.py\"" }),
  trial(4, "InProgress", { x1: "9.42", x2: "2.47", noise: "0" }),
];

describe("the tuning job's objective, parameters and best trial", () => {
  it("reads the objective from the config, else from the definitions", () => {
    expect(objectiveOf(tuning)).toEqual({ type: "Minimize", metric: "objective" });
    const definitions: TuningJob = {
      ...tuning,
      HyperParameterTuningJobConfig: { ...tuning.HyperParameterTuningJobConfig!, HyperParameterTuningJobObjective: undefined },
      TrainingJobDefinitions: [
        { DefinitionName: "a", AlgorithmSpecification: undefined, RoleArn: undefined, OutputDataConfig: undefined, StoppingCondition: undefined },
        { DefinitionName: "b", TuningObjective: { Type: "Maximize", MetricName: "acc" }, AlgorithmSpecification: undefined, RoleArn: undefined, OutputDataConfig: undefined, StoppingCondition: undefined },
      ],
    };
    expect(objectiveOf(definitions)).toEqual({ type: "Maximize", metric: "acc" });
  });

  it("lists the ranges' names in order, then any other tuned name a trial has", () => {
    expect(parameterNames(tuning, [...trials, trial(5, "InProgress", { x1: "1", epochs: "9" })])).toEqual(["x1", "x2", "noise", "epochs"]);
  });

  it("picks the lowest (Minimize) or highest (Maximize) final objective; a tie goes to the earlier trial", () => {
    expect(bestTrial(trials, "Minimize")?.TrainingJobName).toMatch(/-002-/);
    expect(bestTrial(trials, "Maximize")?.TrainingJobName).toMatch(/-001-/);
    const tie = [trial(1, "Completed", {}, 1), trial(2, "Completed", {}, 1)];
    expect(bestTrial(tie, "Minimize")?.TrainingJobName).toMatch(/-001-/);
    expect(bestTrial(tie, "Maximize")?.TrainingJobName).toMatch(/-001-/);
    expect(bestTrial([trials[2]!, trials[3]!], "Minimize")).toBeUndefined();
  });

  it("orders trials by creation, then name", () => {
    expect(orderTrials([trials[3]!, trials[0]!, trials[2]!, trials[1]!]).map((t) => t.TrainingJobName)).toEqual(trials.map((t) => t.TrainingJobName));
  });

  it("shortens long decimals to 6 significant digits, and nothing else", () => {
    expect(["2.5", "3.1415926535897", "0.000012345678901", "categorical-value-x", "12345678901"].map(shortValue)).toEqual([
      "2.5",
      "3.14159",
      "0.0000123457",
      "categorical-value-x",
      "12345700000",
    ]);
  });
});

describe("the table of trials", () => {
  const params = ["x1", "x2", "noise"];

  it("has a column per tuned hyperparameter, numbers right-aligned, the best marked, no colour off a terminal", () => {
    expect(trialTable(plain, trials, { params, best: trials[1]!.TrainingJobName })).toEqual([
      "  TRAINING JOB                            x1     x2  noise  OBJECTIVE  STATUS",
      "  branin-250131-120000-001-abcdef01      2.5    7.5      0      24.13  Completed",
      "* branin-250131-120000-002-abcdef01  3.14159  2.275    0.1   0.397887  Completed",
      "  branin-250131-120000-003-abcdef01       -5      0      0          -  Failed",
      "  branin-250131-120000-004-abcdef01     9.42   2.47      0          -  InProgress",
    ]);
  });

  it("keeps its widths when rows are left out, and the best row, under a line that counts the rest", () => {
    const many = [...trials, ...[5, 6, 7, 8].map((n) => trial(n, "InProgress", { x1: "1", x2: "2", noise: "0" }))];
    const lines = trialTable(plain, many, { params, best: trials[1]!.TrainingJobName, maxRows: 4 });
    expect(lines).toEqual([
      "  TRAINING JOB                            x1     x2  noise  OBJECTIVE  STATUS",
      "  ... 5 more training jobs not shown",
      "* branin-250131-120000-002-abcdef01  3.14159  2.275    0.1   0.397887  Completed",
      "  branin-250131-120000-007-abcdef01        1      2      0          -  InProgress",
      "  branin-250131-120000-008-abcdef01        1      2      0          -  InProgress",
    ]);
    expect(trialTable(plain, many, { params, maxRows: 3 }).slice(1)).toEqual([
      "  ... 6 more training jobs not shown",
      "  branin-250131-120000-007-abcdef01        1      2      0          -  InProgress",
      "  branin-250131-120000-008-abcdef01        1      2      0          -  InProgress",
    ]);
  });

  it("has a DEFINITION column for several training job definitions, '-' for a parameter a trial lacks", () => {
    const lines = trialTable(plain, [trial(1, "Completed", { lr: "0.1" }, 0.5, { TrainingJobDefinitionName: "xgb" }), trial(2, "Stopped", {}, undefined, { TrainingJobDefinitionName: "linear" })], {
      params: ["lr"],
      definitions: true,
    });
    expect(lines).toEqual([
      "  TRAINING JOB                       DEFINITION   lr  OBJECTIVE  STATUS",
      "  branin-250131-120000-001-abcdef01  xgb         0.1        0.5  Completed",
      "  branin-250131-120000-002-abcdef01  linear        -          -  Stopped",
    ]);
  });

  it("colours statuses and the best row on a terminal, without changing the widths", () => {
    const coloured = trialTable(style(true), trials, { params, best: trials[1]!.TrainingJobName });
    expect(coloured[2]).toContain("\x1b[32m*\x1b[39m");
    expect(coloured[3]).toContain("\x1b[31mFailed\x1b[39m");
    expect(coloured.map(visibleLength)).toEqual(trialTable(plain, trials, { params, best: trials[1]!.TrainingJobName }).map((l) => l.length));
  });
});

describe("a pipe's display: a line per trial that starts or ends", () => {
  const at = new Date(2025, 0, 31, 12, 0, 5);
  const params = ["x1", "x2", "noise"];

  it("says each new trial and each change of status, once", () => {
    const first = trialEvents(plain, new Map(), trials.slice(0, 2).map((t) => ({ ...t, TrainingJobStatus: "InProgress", FinalHyperParameterTuningJobObjectiveMetric: undefined })), { params, at });
    expect(first).toEqual([
      "12:00:05 InProgress   branin-250131-120000-001-abcdef01  x1=2.5 x2=7.5 noise=0",
      "12:00:05 InProgress   branin-250131-120000-002-abcdef01  x1=3.14159 x2=2.275 noise=0.1",
    ]);
    const before = new Map([
      [trials[0]!.TrainingJobName!, "InProgress"],
      [trials[1]!.TrainingJobName!, "InProgress"],
    ]);
    expect(trialEvents(plain, before, trials, { params, best: trials[1]!.TrainingJobName, at })).toEqual([
      "12:00:05 Completed    branin-250131-120000-001-abcdef01  x1=2.5 x2=7.5 noise=0  objective 24.129964",
      "12:00:05 Completed    branin-250131-120000-002-abcdef01  x1=3.14159 x2=2.275 noise=0.1  objective 0.39788735772973816 (best so far)",
      "12:00:05 Failed       branin-250131-120000-003-abcdef01  x1=-5 x2=0 noise=0  AlgorithmError: ExecuteUserScriptError: exit code 1",
      "12:00:05 InProgress   branin-250131-120000-004-abcdef01  x1=9.42 x2=2.47 noise=0",
    ]);
    expect(trialEvents(plain, statusesOf(trials), trials, { params, at })).toEqual([]);
  });
});

describe("the progress line and the summary", () => {
  it("counts the training jobs made, of the most", () => {
    expect(progressLine(plain, tuning, T0 + 62_000)).toBe("InProgress 1 min 2 s: 4 of 12 training jobs: 2 Completed, 1 InProgress, 1 Failed");
  });

  it("ends with the best training job, its tuned values, objective and artifacts", () => {
    const ended: TuningJob = {
      ...tuning,
      HyperParameterTuningJobStatus: "Completed",
      HyperParameterTuningEndTime: new Date(T0 + 45_200),
      TrainingJobStatusCounters: { Completed: 11, NonRetryableError: 1 },
      BestTrainingJob: trials[1]!,
    };
    const best = { TrainingJobName: trials[1]!.TrainingJobName, ModelArtifacts: { S3ModelArtifacts: "s3://bucket/out/b/output/model.tar.gz" } } as TrainingJob;
    expect(tuningSummary(plain, ended, best)).toBe(
      [
        "Completed branin-250131-120000 in 45 s: 12 training jobs (11 Completed, 1 Failed)",
        "  Best training job: branin-250131-120000-002-abcdef01",
        "    x1    = 3.1415926535897",
        "    x2    = 2.275",
        "    noise = 0.1",
        "  Objective: objective = 0.39788735772973816 (Minimize)",
        "  Model:  s3://bucket/out/b/output/model.tar.gz",
        "",
      ].join("\n"),
    );
  });

  it("says why a tuning job failed, and when no trial reported the objective", () => {
    const failed: TuningJob = {
      ...tuning,
      HyperParameterTuningJobStatus: "Failed",
      HyperParameterTuningEndTime: new Date(T0 + 3_000),
      TrainingJobStatusCounters: { NonRetryableError: 3 },
      FailureReason: "All training jobs failed.",
    };
    expect(tuningSummary(plain, failed)).toBe(
      [
        "Failed branin-250131-120000 in 3.0 s: 3 training jobs (3 Failed)",
        "  Failure reason: All training jobs failed.",
        "  No training job reported the objective metric objective: the MetricDefinitions' regex must match a line the program prints",
        "",
      ].join("\n"),
    );
  });
});

describe("optml jobs' tuning section and optml describe", () => {
  it("lists tuning jobs with their strategy and how many training jobs they made", () => {
    const summaries: TuningJobSummary[] = [
      {
        HyperParameterTuningJobName: "branin-250131-120000",
        HyperParameterTuningJobArn: "arn",
        HyperParameterTuningJobStatus: "InProgress",
        Strategy: "Bayesian",
        CreationTime: new Date(T0),
        TrainingJobStatusCounters: { Completed: 3, InProgress: 2 },
        ObjectiveStatusCounters: {},
        ResourceLimits: { MaxNumberOfTrainingJobs: 12, MaxParallelTrainingJobs: 2 },
      },
      {
        HyperParameterTuningJobName: "old",
        HyperParameterTuningJobArn: "arn2",
        HyperParameterTuningJobStatus: "Completed",
        Strategy: "Random",
        CreationTime: new Date(T0 - 3_600_000),
        HyperParameterTuningEndTime: new Date(T0 - 3_540_000),
        TrainingJobStatusCounters: { Completed: 4 },
        ObjectiveStatusCounters: {},
        ResourceLimits: { MaxNumberOfTrainingJobs: 4, MaxParallelTrainingJobs: 1 },
      },
    ];
    expect(tuningJobsTable(plain, summaries, T0 + 10_000)).toBe(
      [
        "TUNING JOB            STATUS      STRATEGY  TRAINING JOBS     CREATED              DURATION",
        "branin-250131-120000  InProgress  Bayesian  5/12 (2 running)  2025-01-31 12:00:00  10 s",
        "old                   Completed   Random    4/4               2025-01-31 11:00:00  1 min 0 s",
        "",
      ].join("\n"),
    );
  });

  it("describes a tuning job: search, ranges, counters, best, and the trials", () => {
    const text = describeTuningText(plain, { ...tuning, BestTrainingJob: trials[1]! }, trials, T0 + 5_000);
    expect(text).toContain("Search:        Bayesian search, Minimize objective, up to 12 training jobs, 3 at a time\n");
    expect(text).toContain("Ranges:\n  x1: Continuous -5 to 10\n  x2: Continuous 0 to 15\n  noise: Categorical 0, 0.1\n");
    expect(text).toContain("Training jobs: 4 (2 Completed, 1 InProgress, 1 Failed)\n");
    expect(text).toContain("Best training job: branin-250131-120000-002-abcdef01\n  x1    = 3.1415926535897\n");
    expect(text).toContain("\n* branin-250131-120000-002-abcdef01  3.14159  2.275    0.1   0.397887  Completed\n");
  });
});

describe("the live block on a terminal", () => {
  function terminal(columns: number, rows = 24) {
    const writes: string[] = [];
    return { writes, screen: { isTTY: true, columns, rows, write: (t: string) => writes.push(t) } };
  }

  it("redraws in place: up over the rows it took (wrapped lines count twice), clear, the new lines", () => {
    const { writes, screen } = terminal(20);
    const block = new LiveBlock(screen);
    block.draw(["short", "x".repeat(25)]);
    block.draw(["next"]);
    expect(writes).toEqual(["short\nxxxxxxxxxxxxxxxxxxxxxxxxx\n", "\x1b[3A\r\x1b[Jnext\n"]);
  });

  it("prints text above the block, then draws the block again", () => {
    const { writes, screen } = terminal(80);
    const block = new LiveBlock(screen);
    block.draw(["a", "b"]);
    const other: string[] = [];
    block.print({ write: (t: string) => other.push(t) }, "message\n");
    expect(writes).toEqual(["a\nb\n", "\x1b[2A\r\x1b[J", "a\nb\n"]);
    expect(other).toEqual(["message\n"]);
    expect(block.height).toBe(23);
  });

  it("counts screen rows by visible width", () => {
    expect(screenRows(["\x1b[31m" + "x".repeat(10) + "\x1b[39m", "", "y".repeat(11)], 10)).toBe(4);
    expect(screenRows(["a", "b"], undefined)).toBe(2);
  });
});
