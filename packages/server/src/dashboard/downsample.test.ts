import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { seedJob } from "../../../../test-support/dashboard.js";
import { ControlPlane } from "../control-plane.js";
import { downsampleMinMax } from "./downsample.js";
import { finalMetrics, metricSeries } from "./views.js";

describe("downsampleMinMax", () => {
  it("keeps a short series as it is", () => {
    expect(downsampleMinMax([1, 2, 3], [5, 6, 7], 10)).toEqual({ t: [1, 2, 3], v: [5, 6, 7], i: [0, 1, 2] });
  });

  it("keeps each bucket's min and max in time order, and the last point", () => {
    const t = Array.from({ length: 1000 }, (_, k) => k);
    const v = t.map((k) => (k === 437 ? 100 : k === 438 ? -100 : Math.sin(k)));
    const d = downsampleMinMax(t, v, 50);
    expect(d.t.length).toBeLessThanOrEqual(101);
    expect(Math.max(...d.v)).toBe(100);
    expect(Math.min(...d.v)).toBe(-100);
    expect(d.t).toEqual([...d.t].sort((a, b) => a - b));
    expect(d.i[d.i.length - 1]).toBe(999);
    d.i.forEach((k, j) => expect([d.t[j], d.v[j]]).toEqual([t[k], v[k]]));
  });
});

describe("metric series for the dashboard", () => {
  const home = mkdtempSync(join(tmpdir(), "optml-dashboard-series-"));
  const cp = ControlPlane.open({ home, log: () => undefined });
  afterAll(async () => {
    await cp.close();
    rmSync(home, { recursive: true, force: true });
  });

  it("downsamples 100,000 samples in SQLite to ~2 per bucket, keeping the extremes, their times and sample numbers", () => {
    seedJob(cp, "series-big", { lines: 10, points: 100_000 });
    const [loss] = metricSeries(cp, "series-big", 500);
    expect(loss).toMatchObject({ name: "loss", host: "algo-1", count: 100_000 });
    expect(loss!.t.length).toBeGreaterThan(500);
    expect(loss!.t.length).toBeLessThanOrEqual(1000);
    const all = cp.store.metrics.samples("series-big", "loss");
    const values = all.map((s) => s.value);
    expect(Math.max(...loss!.v)).toBe(Math.max(...values));
    expect(Math.min(...loss!.v)).toBe(Math.min(...values));
    // Each point is a real sample: its number gives its time and value.
    loss!.i.forEach((k, j) => expect([loss!.t[j], loss!.v[j]]).toEqual([all[k]!.timestamp, all[k]!.value]));
    expect(finalMetrics(cp, "series-big")).toEqual({ loss: all[all.length - 1]!.value });
  });

  it("sends a short series whole", () => {
    seedJob(cp, "series-small", { lines: 10, points: 300 });
    const [loss] = metricSeries(cp, "series-small", 500);
    expect(loss!.t.length).toBe(300);
    expect(loss!.i).toEqual(Array.from({ length: 300 }, (_, k) => k));
  });
});
