import { describe, expect, it } from "vitest";
import { hyperbandRungs, hyperbandStops, medianStoppingRule } from "./index.js";

describe("median stopping rule (TrainingJobEarlyStoppingType Auto)", () => {
  // Finished trials' losses per epoch; running averages at epoch 2: 0.9, 0.7, 0.5 -> median 0.7;
  // at epoch 3: 0.8, 0.6, 0.4 -> median 0.6.
  const finished = [
    { id: "a", running: false, values: [1.0, 0.8, 0.6] },
    { id: "b", running: false, values: [0.8, 0.6, 0.4] },
    { id: "c", running: false, values: [0.6, 0.4, 0.2] },
  ];

  it("stops a running trial whose objective at epoch t is worse than the median of the finished trials' running averages up to t", () => {
    const trials = [
      ...finished,
      { id: "worse", running: true, values: [0.9, 0.75] }, // 0.75 > 0.7
      { id: "better", running: true, values: [0.9, 0.65] }, // 0.65 < 0.7
      { id: "equal", running: true, values: [0.9, 0.7] }, // not worse
      { id: "late", running: true, values: [2, 2, 0.59] }, // epoch 3: 0.59 < 0.6, its bad start does not count
    ];
    expect(medianStoppingRule(trials, "Minimize").sort()).toEqual(["worse"]);
  });

  it("reads 'worse' by the objective's direction", () => {
    const trials = [...finished, { id: "low", running: true, values: [0.5, 0.6] }, { id: "high", running: true, values: [0.9, 0.8] }];
    expect(medianStoppingRule(trials, "Maximize")).toEqual(["low"]); // 0.6 < 0.7
    expect(medianStoppingRule(trials, "Minimize")).toEqual(["high"]); // 0.8 > 0.7
  });

  it("counts a shorter finished trial by the average of what it reported, and stops nothing without finished trials", () => {
    const trials = [
      { id: "short", running: false, values: [0.2] }, // stopped after one epoch: average 0.2 at every epoch
      { id: "long", running: false, values: [1, 1, 1, 1] },
      { id: "run", running: true, values: [0.5, 0.5, 0.5, 0.7] }, // median of (0.2, 1) = 0.6
    ];
    expect(medianStoppingRule(trials, "Minimize")).toEqual(["run"]);
    expect(medianStoppingRule([{ id: "x", running: true, values: [9] }], "Minimize")).toEqual([]);
    expect(medianStoppingRule([...finished, { id: "new", running: true, values: [] }], "Minimize")).toEqual([]);
  });
});

describe("Hyperband early stopping (asynchronous successive halving)", () => {
  it("puts rungs at minResource * eta^k below maxResource", () => {
    expect(hyperbandRungs(1, 27)).toEqual([1, 3, 9]);
    expect(hyperbandRungs(2, 20, 2)).toEqual([2, 4, 8, 16]);
    expect(hyperbandRungs(5, 5)).toEqual([]);
  });

  it("stops a trial outside the best 1/eta at its highest rung, never one below minResource, and one at maxResource", () => {
    const config = { minResource: 1, maxResource: 27 };
    const trials = [
      // Thirteen values at rung 1 (epoch 1); the best third (accuracy, Maximize) is from the 2/3 quantile up:
      // 0.05 0.1 0.2 0.3 0.4 0.5 0.6 0.65 [0.7] 0.9 0.95 0.97 0.99.
      ...[0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.95, 0.97].map((v, i) => ({ id: `done${i}`, running: false, values: [v] })),
      { id: "top", running: true, values: [0.9] },
      { id: "cut", running: true, values: [0.65] },
      { id: "edge", running: true, values: [0.7, 0.1] }, // at rung 1 exactly the cutoff: goes on, whatever epoch 2 says
      { id: "young", running: true, values: [] },
      { id: "full", running: true, values: Array.from({ length: 27 }, () => 0.99) },
    ];
    expect(hyperbandStops(trials, "Maximize", config).sort()).toEqual(["cut", "full"]);
  });

  it("judges at the highest rung reached, against the trials that reached it, in the objective's direction", () => {
    const config = { minResource: 2, maxResource: 20, eta: 2 }; // rungs 2, 4, 8, 16
    const trials = [
      { id: "a", running: false, values: [5, 4, 3, 2] }, // loss at epoch 4: 2
      { id: "b", running: false, values: [5, 4, 3, 1] }, // 1
      // At rung 4 (epoch 4) the values are 2, 1, 1.2 and 1.9: the best half is below the median, 1.55.
      { id: "c", running: true, values: [9, 9, 9, 1.2, 1.1] }, // 1.2 at its highest rung: goes on, whatever its first epochs were
      { id: "d", running: true, values: [1, 1, 1, 1.9] }, // 1.9: stopped
      { id: "e", running: true, values: [0.1] }, // below minResource
    ];
    expect(hyperbandStops(trials, "Minimize", config)).toEqual(["d"]);
  });

  it("refuses a configuration that makes no rungs", () => {
    expect(() => hyperbandStops([], "Minimize", { minResource: 0, maxResource: 10 })).toThrow(/1 <= minResource <= maxResource/);
    expect(() => hyperbandStops([], "Minimize", { minResource: 5, maxResource: 2 })).toThrow(/minResource 5, maxResource 2/);
  });
});
