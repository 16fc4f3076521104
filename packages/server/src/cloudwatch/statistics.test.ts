import { describe, expect, it } from "vitest";
import { bucketize, datapointsRequested, isValidPeriod, percentile, percentileOf, roundedStart, statistic, statValue } from "./statistics.js";

const NOW = 1_800_000_000;

describe("CloudWatch statistics", () => {
  it("accepts the periods CloudWatch accepts: 1, 5, 10, 30 and multiples of 60", () => {
    expect([1, 5, 10, 30, 60, 120, 3600, 86400].every(isValidPeriod)).toBe(true);
    expect([0, -60, 2, 20, 45, 61, 90, 1.5].some(isValidPeriod)).toBe(false);
  });

  it("rounds the start as CloudWatch does: by the period under a minute, to the minute under 15 days, 5 minutes under 63, the hour beyond", () => {
    expect(roundedStart(NOW - 100 + 0.7, 10, NOW)).toBe(NOW - 100);
    expect(roundedStart(1_799_999_934, 60, NOW)).toBe(1_799_999_880);
    expect(roundedStart(1_799_999_934, 300, NOW)).toBe(1_799_999_880); // the period does not matter from a minute up
    const twentyDays = NOW - 20 * 86400 + 17;
    expect(roundedStart(twentyDays, 60, NOW) % 300).toBe(0);
    expect(roundedStart(twentyDays, 60, NOW)).toBeGreaterThan(twentyDays - 300);
    const hundredDays = NOW - 100 * 86400 + 1234;
    expect(roundedStart(hundredDays, 60, NOW) % 3600).toBe(0);
  });

  it("counts the datapoints a request can give (what the 1,440 limit is checked against)", () => {
    expect(datapointsRequested(0, 86400, 60)).toBe(1440);
    expect(datapointsRequested(0, 86401, 60)).toBe(1441);
    expect(datapointsRequested(0, 86400, 1)).toBe(86400);
  });

  it("buckets samples by period from the start: StartTime inclusive, EndTime exclusive, empty buckets left out", () => {
    const samples = [
      { timestamp: 99.9, value: 100 }, // before the start
      { timestamp: 100, value: 1 },
      { timestamp: 159.999, value: 2 },
      { timestamp: 160, value: 3 },
      { timestamp: 290, value: 4 },
      { timestamp: 300, value: 5 }, // at EndTime: out
    ];
    expect(bucketize(samples, 100, 300, 60)).toEqual([
      { timestamp: 100, values: [1, 2] },
      { timestamp: 160, values: [3] },
      { timestamp: 280, values: [4] },
    ]);
  });

  it("computes SampleCount, Sum, Average, Minimum and Maximum", () => {
    const v = [3, 1, 4, 1, 5, 9, 2, 6];
    expect(statistic(v, "SampleCount")).toBe(8);
    expect(statistic(v, "Sum")).toBe(31);
    expect(statistic(v, "Average")).toBe(3.875);
    expect(statistic(v, "Minimum")).toBe(1);
    expect(statistic(v, "Maximum")).toBe(9);
    expect(statistic(Array(10).fill(0.1), "Sum")).toBe(1); // compensated: plain addition gives 0.9999999999999999
  });

  it("computes percentiles by nearest rank, none when a value is negative", () => {
    const v = [15, 20, 35, 40, 50];
    expect(percentile(v, 0)).toBe(15);
    expect(percentile(v, 30)).toBe(20);
    expect(percentile(v, 40)).toBe(20);
    expect(percentile(v, 50)).toBe(35);
    expect(percentile(v, 99.9)).toBe(50);
    expect(percentile(v, 100)).toBe(50);
    expect(percentile([1, -1], 50)).toBeUndefined();
    expect(percentileOf("p99.99")).toBe(99.99);
    expect(percentileOf("p0")).toBe(0);
    for (const bad of ["p101", "p", "P50", "p50.123", "tm99", "p-1"]) expect(percentileOf(bad)).toBeUndefined();
  });

  it("gives GetMetricData's Stat: a statistic or a percentile", () => {
    expect(statValue([1, 2, 3, 4], "Average")).toBe(2.5);
    expect(statValue([1, 2, 3, 4], "p75")).toBe(3);
    expect(statValue([1, 2, 3, 4], "IQM")).toBeUndefined();
  });
});
