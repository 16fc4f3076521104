import { describe, expect, it } from "vitest";
import { createStrategy, type Hyperparameters, type ParameterRangesInput, type TrialState } from "./index.js";

const ranges: ParameterRangesInput = {
  IntegerParameterRanges: [{ Name: "layers", MinValue: "1", MaxValue: "4" }],
  ContinuousParameterRanges: [
    { Name: "dropout", MinValue: "0", MaxValue: "0.5" },
    { Name: "lr", MinValue: "0.00001", MaxValue: "0.1", ScalingType: "Logarithmic" },
  ],
  CategoricalParameterRanges: [{ Name: "optimizer", Values: ["sgd", "adam"] }],
};

function run(seed: number, n: number, strategy: "Random" | "Hyperband" = "Random"): Hyperparameters[] {
  const s = createStrategy({ strategy, ranges, objectiveType: "Minimize", seed });
  const trials: TrialState[] = [];
  for (let i = 0; i < n; i++) {
    const p = s.next(trials);
    if (p === "exhausted") throw new Error("a continuous space is never exhausted");
    trials.push({ hyperparameters: p.hyperparameters, objective: i, running: false });
  }
  return trials.map((t) => t.hyperparameters);
}

describe("Random search", () => {
  it("proposes the same values for the same seed and history, others for another seed", () => {
    expect(run(7, 20)).toEqual(run(7, 20));
    expect(run(7, 20)).not.toEqual(run(8, 20));
    // A restarted tuner asks with the same history and gets the same proposal.
    const s = createStrategy({ strategy: "Random", ranges, objectiveType: "Minimize", seed: 7 });
    const history = run(7, 5).map((h) => ({ hyperparameters: h, running: true }));
    expect(s.next(history)).toEqual(s.next(history));
    expect(s.next(history)).toEqual({ hyperparameters: run(7, 6)[5] });
    // Hyperband proposes as Random does (its pruning is early stopping).
    expect(run(7, 10, "Hyperband")).toEqual(run(7, 10));
  });

  it("covers the space on every parameter's scale", () => {
    const hs = run(1, 2000);
    const dropout = hs.map((h) => Number(h.dropout));
    const lr = hs.map((h) => Math.log10(Number(h.lr)));
    for (let k = 0; k < 5; k++) {
      const inBin = dropout.filter((d) => d >= k * 0.1 && d < (k + 1) * 0.1).length;
      expect(Math.abs(inBin / 2000 - 0.2)).toBeLessThan(0.03);
      const inDecade = lr.filter((d) => d >= -5 + k && d < -4 + k).length;
      expect(Math.abs(inDecade / 2000 - 0.25 * (k < 4 ? 1 : 0))).toBeLessThan(0.03);
    }
    expect(new Set(hs.map((h) => h.layers))).toEqual(new Set(["1", "2", "3", "4"]));
    expect(new Set(hs.map((h) => h.optimizer))).toEqual(new Set(["sgd", "adam"]));
    expect(Math.min(...dropout)).toBeLessThan(0.005);
    expect(Math.max(...dropout)).toBeGreaterThan(0.495);
  });

  it("does not repeat a point of a finite space, and is exhausted when all were tried", () => {
    const finite = { IntegerParameterRanges: [{ Name: "k", MinValue: "1", MaxValue: "3" }], CategoricalParameterRanges: [{ Name: "c", Values: ["a", "b"] }] };
    const s = createStrategy({ strategy: "Random", ranges: finite, objectiveType: "Maximize", seed: 3 });
    const trials: TrialState[] = [];
    for (let i = 0; i < 6; i++) {
      const p = s.next(trials);
      if (p === "exhausted") throw new Error(`exhausted after ${i} of 6 points`);
      trials.push({ hyperparameters: p.hyperparameters, running: i % 2 === 0 }); // running or failed: tried all the same
    }
    expect(new Set(trials.map((t) => `${t.hyperparameters.k}/${t.hyperparameters.c}`)).size).toBe(6);
    expect(s.next(trials)).toBe("exhausted");
  });
});
