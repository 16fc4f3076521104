import { describe, expect, it } from "vitest";
import { createRng } from "./prng.js";
import { SearchSpace, SearchSpaceError } from "./space.js";

const space = SearchSpace.fromRanges({
  IntegerParameterRanges: [
    { Name: "depth", MinValue: "1", MaxValue: "10" },
    { Name: "trees", MinValue: "1", MaxValue: "1000", ScalingType: "Logarithmic" },
  ],
  ContinuousParameterRanges: [
    { Name: "eta", MinValue: "0.1", MaxValue: "0.5", ScalingType: "Linear" },
    { Name: "lr", MinValue: "0.0001", MaxValue: "1", ScalingType: "Logarithmic" },
    { Name: "momentum", MinValue: "0.9", MaxValue: "0.9999", ScalingType: "ReverseLogarithmic" },
  ],
  CategoricalParameterRanges: [{ Name: "booster", Values: ["gbtree", "dart", "gblinear"] }],
});

function medianOf(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return (s[(s.length - 1) >> 1]! + s[s.length >> 1]!) / 2;
}

describe("parameter space", () => {
  it("decodes points into text values within the ranges, and encodes them back to the same point", () => {
    const rng = createRng(5);
    for (let i = 0; i < 500; i++) {
      const raw = space.canonical(space.sample(rng));
      const h = space.decode(raw);
      expect(Object.keys(h)).toEqual(["depth", "trees", "eta", "lr", "momentum", "booster"]);
      expect(h.depth).toMatch(/^\d+$/);
      expect(Number(h.depth)).toBeGreaterThanOrEqual(1);
      expect(Number(h.depth)).toBeLessThanOrEqual(10);
      expect(Number(h.trees)).toBeGreaterThanOrEqual(1);
      expect(Number(h.trees)).toBeLessThanOrEqual(1000);
      expect(Number(h.eta)).toBeGreaterThanOrEqual(0.1);
      expect(Number(h.eta)).toBeLessThanOrEqual(0.5);
      expect(Number(h.momentum)).toBeGreaterThanOrEqual(0.9);
      expect(Number(h.momentum)).toBeLessThanOrEqual(0.9999);
      expect(["gbtree", "dart", "gblinear"]).toContain(h.booster);
      const back = space.encode(h)!;
      back.forEach((c, j) => expect(c).toBeCloseTo(raw[j]!, 12));
      expect(space.decode(back)).toEqual(h);
    }
  });

  it("samples each scaling type uniformly on its scale", () => {
    const rng = createRng(9);
    const samples = Array.from({ length: 4000 }, () => space.decode(space.sample(rng)));
    const col = (name: string) => samples.map((h) => Number(h[name]));
    // Linear: median at the midpoint; Logarithmic: at the geometric mean; ReverseLogarithmic: 1 - geometric mean of 1 - x.
    expect(medianOf(col("eta"))).toBeCloseTo(0.3, 1);
    expect(Math.abs(Math.log10(medianOf(col("lr"))) + 2)).toBeLessThan(0.15);
    const momentum = medianOf(col("momentum"));
    expect(Math.abs(Math.log10(1 - momentum) + 2.5)).toBeLessThan(0.15);
    // A quarter of a log range's draws fall in its lowest quarter of decades (0.0001..0.001).
    expect(col("lr").filter((x) => x < 0.001).length / 4000).toBeGreaterThan(0.22);
    expect(col("lr").filter((x) => x < 0.001).length / 4000).toBeLessThan(0.28);
    // Integers: every value, in equal shares on a linear scale; on a log scale, each value v in
    // proportion to its bin [v - 0.5, v + 0.5] on the log scale of [0.5, 1000.5].
    const depths = col("depth");
    for (let v = 1; v <= 10; v++) expect(Math.abs(depths.filter((d) => d === v).length / 4000 - 0.1)).toBeLessThan(0.02);
    const trees = col("trees");
    const share = (lo: number, hi: number) => Math.log((hi + 0.5) / (lo - 0.5)) / Math.log(1000.5 / 0.5);
    expect(Math.abs(trees.filter((t) => t <= 9).length / 4000 - share(1, 9))).toBeLessThan(0.03);
    expect(Math.abs(trees.filter((t) => t >= 100).length / 4000 - share(100, 1000))).toBeLessThan(0.03);
    expect(Math.abs(trees.filter((t) => t === 1).length / 4000 - share(1, 1))).toBeLessThan(0.03);
    expect(new Set(samples.map((h) => h.booster)).size).toBe(3);
  });

  it("gives the model unit columns and one-hot categories, and names a trial by its values", () => {
    expect(space.width).toBe(8);
    expect(space.columns).toEqual([[0], [1], [2], [3], [4], [5, 6, 7]]);
    const raw = space.encode({ depth: "10", trees: "1", eta: "0.1", lr: "1", momentum: "0.9", booster: "dart" })!;
    const trees1 = (Math.log(1.5) - Math.log(0.5)) / 2 / (Math.log(1000.5) - Math.log(0.5)); // the centre of 1's bin on the log scale
    const f = Array.from(space.features(raw));
    expect(f[1]).toBeCloseTo(trees1, 12);
    expect([f[0], f[2], f[3], f[4], f[5], f[6], f[7]]).toEqual([0.95, 0, 1, 0, 0, 1, 0]);
    // Out of range values are clamped; an integer written as a decimal is rounded; missing or unknown values are unreadable.
    expect(space.decode(space.encode({ depth: "12.4", trees: "5000", eta: "9", lr: "1e-9", momentum: "0.5", booster: "dart" })!)).toEqual({
      depth: "10",
      trees: "1000",
      eta: "0.5",
      lr: "0.0001",
      momentum: "0.9",
      booster: "dart",
    });
    expect(space.encode({ depth: "3" })).toBeUndefined();
    expect(space.encode({ depth: "3", trees: "2", eta: "0.2", lr: "0.1", momentum: "0.95", booster: "xgb" })).toBeUndefined();
    expect(space.encode({ depth: "x", trees: "2", eta: "0.2", lr: "0.1", momentum: "0.95", booster: "dart" })).toBeUndefined();
    const h = { depth: "3", trees: "2", eta: "0.2", lr: "0.1", momentum: "0.95", booster: "dart" };
    expect(space.key(h)).toBe(space.key({ ...h, depth: "3.0" }));
    expect(space.key(h)).not.toBe(space.key({ ...h, depth: "4" }));
  });

  it("counts the points of a finite space", () => {
    expect(space.size()).toBe(Number.POSITIVE_INFINITY);
    const finite = SearchSpace.fromRanges({
      IntegerParameterRanges: [{ Name: "a", MinValue: "-2", MaxValue: "2" }],
      ContinuousParameterRanges: [{ Name: "c", MinValue: "0.5", MaxValue: "0.5" }],
      CategoricalParameterRanges: [{ Name: "b", Values: ["x", "y"] }],
    });
    expect(finite.size()).toBe(10);
    expect(finite.decode(finite.sample(createRng(1))).c).toBe("0.5");
  });

  it("refuses ranges it cannot search, naming the range", () => {
    const bad = (ranges: Parameters<typeof SearchSpace.fromRanges>[0]) => () => SearchSpace.fromRanges(ranges);
    expect(bad({})).toThrow(SearchSpaceError);
    expect(bad({ IntegerParameterRanges: [{ Name: "n", MinValue: "5", MaxValue: "2" }] })).toThrow(/IntegerParameterRange 'n': MinValue 5 is greater than MaxValue 2/);
    expect(bad({ IntegerParameterRanges: [{ Name: "n", MinValue: "1.5", MaxValue: "2" }] })).toThrow(/'1.5' is not an integer/);
    expect(bad({ ContinuousParameterRanges: [{ Name: "lr", MinValue: "0", MaxValue: "1", ScalingType: "Logarithmic" }] })).toThrow(
      /ContinuousParameterRange 'lr': Logarithmic scaling needs values greater than 0/,
    );
    expect(bad({ ContinuousParameterRanges: [{ Name: "m", MinValue: "0.5", MaxValue: "1", ScalingType: "ReverseLogarithmic" }] })).toThrow(
      /within 0 <= x < 1.0/,
    );
    expect(bad({ IntegerParameterRanges: [{ Name: "k", MinValue: "0", MaxValue: "0", ScalingType: "ReverseLogarithmic" }] })).toThrow(
      /ReverseLogarithmic scaling is only for continuous ranges/,
    );
    expect(bad({ ContinuousParameterRanges: [{ Name: "m", MinValue: "0", MaxValue: "1", ScalingType: "Exponential" }] })).toThrow(/unknown ScalingType 'Exponential'/);
    expect(bad({ ContinuousParameterRanges: [{ Name: "m", MinValue: "zero", MaxValue: "1" }] })).toThrow(/MinValue 'zero' is not a number/);
    expect(bad({ CategoricalParameterRanges: [{ Name: "c", Values: [] }] })).toThrow(/'c': Values is empty/);
    expect(
      bad({ IntegerParameterRanges: [{ Name: "x", MinValue: "0", MaxValue: "1" }], CategoricalParameterRanges: [{ Name: "x", Values: ["a"] }] }),
    ).toThrow(/'x' has more than one range/);
  });
});
