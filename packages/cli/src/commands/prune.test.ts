import { describe, expect, it } from "vitest";
import { CliError } from "../cli-error.js";
import type { JobSummary, ProcessingJobSummary } from "../connection.js";
import { jobsToPrune, parseAge, prunableProcessing, prunableTraining } from "./prune.js";

const now = Date.UTC(2025, 0, 31, 12, 0, 0);
const day = 86_400_000;

function job(name: string, status: string, endedDaysAgo: number | undefined): JobSummary {
  return {
    TrainingJobName: name,
    TrainingJobArn: `arn:aws:sagemaker:us-east-1:000000000000:training-job/${name}`,
    TrainingJobStatus: status as JobSummary["TrainingJobStatus"],
    CreationTime: new Date(now - 30 * day),
    LastModifiedTime: new Date(now - (endedDaysAgo ?? 0) * day),
    ...(endedDaysAgo !== undefined ? { TrainingEndTime: new Date(now - endedDaysAgo * day) } : {}),
  };
}

describe("parseAge", () => {
  it("takes a number and a unit", () => {
    expect([parseAge("7d"), parseAge("12h"), parseAge("30m"), parseAge("90s"), parseAge("2w"), parseAge("1.5d")]).toEqual([604_800, 43_200, 1_800, 90, 1_209_600, 129_600]);
  });

  it("says what it takes otherwise", () => {
    for (const bad of ["7", "7x", "d", "-1d", ""]) {
      expect(() => parseAge(bad)).toThrow(CliError);
      expect(() => parseAge(bad)).toThrow(`--older-than takes a number and a unit (s, m, h, d or w), like 7d or 12h; got '${bad}'`);
    }
  });
});

function processing(name: string, status: string, endedDaysAgo: number | undefined): ProcessingJobSummary {
  return {
    ProcessingJobName: name,
    ProcessingJobArn: `arn:aws:sagemaker:us-east-1:000000000000:processing-job/${name}`,
    ProcessingJobStatus: status as ProcessingJobSummary["ProcessingJobStatus"],
    CreationTime: new Date(now - 30 * day),
    LastModifiedTime: new Date(now - (endedDaysAgo ?? 0) * day),
    ...(endedDaysAgo !== undefined ? { ProcessingEndTime: new Date(now - endedDaysAgo * day) } : {}),
  };
}

describe("jobsToPrune", () => {
  const jobs = [
    ...[job("old-ok", "Completed", 10), job("old-failed", "Failed", 8), job("new-stopped", "Stopped", 1), job("running", "InProgress", undefined), job("stopping", "Stopping", undefined)].map(
      prunableTraining,
    ),
    ...[processing("old-split", "Completed", 9.5), processing("splitting", "InProgress", undefined)].map(prunableProcessing),
  ];

  it("takes ended jobs of both kinds in the given statuses, never running ones", () => {
    expect(jobsToPrune(jobs, ["Completed", "Failed", "Stopped"], undefined, now).map((j) => j.name)).toEqual(["old-ok", "old-failed", "new-stopped", "old-split"]);
    expect(jobsToPrune(jobs, ["Failed"], undefined, now).map((j) => j.name)).toEqual(["old-failed"]);
  });

  it("takes those that ended longer ago than --older-than", () => {
    expect(jobsToPrune(jobs, ["Completed", "Failed", "Stopped"], 7 * 86_400, now).map((j) => j.name)).toEqual(["old-ok", "old-failed", "old-split"]);
    expect(jobsToPrune(jobs, ["Completed", "Failed", "Stopped"], 9 * 86_400, now).map((j) => j.name)).toEqual(["old-ok", "old-split"]);
  });
});
