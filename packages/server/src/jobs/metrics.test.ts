import { describe, expect, it } from "vitest";
import { compileMetricDefinitions, matchMetrics } from "./metrics.js";

describe("metric definitions", () => {
  it("takes the first group of each matching regex as the value", () => {
    const m = compileMetricDefinitions([
      { name: "train:loss", regex: "loss=([0-9.eE+-]+)" },
      { name: "validation:accuracy", regex: "val_acc: (?P<acc>[0-9.]+)" },
    ]);
    expect(matchMetrics(m, "epoch=3 loss=0.125 val_acc: 0.91")).toEqual([
      { name: "train:loss", value: 0.125 },
      { name: "validation:accuracy", value: 0.91 },
    ]);
    expect(matchMetrics(m, "loss=1e-3")).toEqual([{ name: "train:loss", value: 0.001 }]);
    expect(matchMetrics(m, "nothing here")).toEqual([]);
  });

  it("names the metric whose regex does not compile", () => {
    expect(() => compileMetricDefinitions([{ name: "bad", regex: "loss=([0-9" }])).toThrow(/metric 'bad' is not a valid regular expression/);
  });
});
