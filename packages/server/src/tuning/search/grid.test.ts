import { describe, expect, it } from "vitest";
import { createStrategy, gridSize, SearchSpaceError, type TrialState } from "./index.js";

const ranges = {
  CategoricalParameterRanges: [
    { Name: "optimizer", Values: ["sgd", "adam"] },
    { Name: "batch", Values: ["32", "64", "128"] },
  ],
};

describe("Grid search", () => {
  it("proposes every combination once, in the cartesian product's order (last range fastest), then is exhausted", () => {
    const s = createStrategy({ strategy: "Grid", ranges, objectiveType: "Minimize", seed: 0 });
    const trials: TrialState[] = [];
    for (;;) {
      const p = s.next(trials);
      if (p === "exhausted") break;
      trials.push({ hyperparameters: p.hyperparameters, running: true });
    }
    expect(trials.map((t) => t.hyperparameters)).toEqual([
      { optimizer: "sgd", batch: "32" },
      { optimizer: "sgd", batch: "64" },
      { optimizer: "sgd", batch: "128" },
      { optimizer: "adam", batch: "32" },
      { optimizer: "adam", batch: "64" },
      { optimizer: "adam", batch: "128" },
    ]);
    expect(gridSize(ranges)).toBe(6);
  });

  it("goes on from whatever was tried (a restarted tuner, a failed trial), whatever the order", () => {
    const s = createStrategy({ strategy: "Grid", ranges, objectiveType: "Maximize", seed: 0 });
    const trials: TrialState[] = [
      { hyperparameters: { optimizer: "sgd", batch: "64" }, running: false }, // failed: not run again
      { hyperparameters: { optimizer: "sgd", batch: "32" }, objective: 0.5, running: false },
    ];
    expect(s.next(trials)).toEqual({ hyperparameters: { optimizer: "sgd", batch: "128" } });
    expect(s.next(trials)).toEqual(s.next(trials));
  });

  it("supports only categorical parameters", () => {
    expect(() =>
      createStrategy({
        strategy: "Grid",
        ranges: { ...ranges, IntegerParameterRanges: [{ Name: "epochs", MinValue: "1", MaxValue: "3" }] },
        objectiveType: "Minimize",
        seed: 0,
      }),
    ).toThrow(SearchSpaceError);
    expect(() => gridSize({ ContinuousParameterRanges: [{ Name: "lr", MinValue: "0", MaxValue: "1" }] })).toThrow(
      /Grid search supports only categorical parameters, and 'lr' is a ContinuousParameterRange/,
    );
  });
});
