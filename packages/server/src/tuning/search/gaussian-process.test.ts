import { describe, expect, it } from "vitest";
import { fitGaussianProcess, GaussianProcess, objective, pairwiseGroupDistances } from "./gaussian-process.js";
import { cholesky, choleskyInverse, choleskySolve } from "./linalg.js";
import { logExpectedImprovement, normalCdf, normalPdf } from "./normal.js";
import { createRng } from "./prng.js";

function randomSpd(n: number, seed: number): Float64Array {
  const r = createRng(seed);
  const b = Array.from({ length: n * n }, () => r.normal());
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++) {
      let s = i === j ? n : 0;
      for (let k = 0; k < n; k++) s += b[i * n + k]! * b[j * n + k]!;
      a[i * n + j] = s;
    }
  return a;
}

describe("linear algebra", () => {
  it("factors a positive definite matrix, solves with it and inverts it", () => {
    const n = 12;
    const a = randomSpd(n, 3);
    const l = cholesky(a, n)!;
    const b = Array.from({ length: n }, (_, i) => Math.sin(i));
    const x = choleskySolve(l, n, b);
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let k = 0; k < n; k++) s += a[i * n + k]! * x[k]!;
      expect(s).toBeCloseTo(b[i]!, 10);
    }
    const inv = choleskyInverse(l, n);
    for (let i = 0; i < n; i++)
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let k = 0; k < n; k++) s += a[i * n + k]! * inv[k * n + j]!;
        expect(s).toBeCloseTo(i === j ? 1 : 0, 10);
      }
    expect(cholesky(new Float64Array([1, 2, 2, 1]), 2)).toBeUndefined();
  });
});

describe("normal distribution and expected improvement", () => {
  it("matches known values", () => {
    expect(normalCdf(0)).toBeCloseTo(0.5, 7);
    expect(normalCdf(1.959963985)).toBeCloseTo(0.975, 6);
    expect(normalCdf(-3)).toBeCloseTo(0.0013498980316, 8);
    expect(normalPdf(1)).toBeCloseTo(0.2419707245, 9);
  });

  it("gives log EI that agrees with EI, is continuous where the formula changes, and stays ordered far away", () => {
    // EI of N(0, 1) below best = 0 is φ(0).
    expect(Math.exp(logExpectedImprovement(0, 1, 0))).toBeCloseTo(normalPdf(0), 7);
    expect(Math.exp(logExpectedImprovement(0, 2, 1))).toBeCloseTo(2 * (0.5 * normalCdf(0.5) + normalPdf(0.5)), 7);
    const below = logExpectedImprovement(8 - 1e-9, 1, 0);
    const above = logExpectedImprovement(8 + 1e-9, 1, 0);
    expect(Math.abs(below - above)).toBeLessThan(1e-3);
    expect(logExpectedImprovement(40, 1, 0)).toBeGreaterThan(logExpectedImprovement(41, 1, 0));
    expect(Number.isFinite(logExpectedImprovement(60, 1, 0))).toBe(true);
  });
});

describe("Gaussian process", () => {
  const f = (x: number) => Math.sin(6 * x) + 0.5 * x;
  const xs = Array.from({ length: 12 }, (_, i) => new Float64Array([i / 11]));
  const ys = xs.map((x) => f(x[0]!));

  it("computes the gradient of its fitting objective correctly", () => {
    const x = Array.from({ length: 9 }, (_, i) => new Float64Array([(i * 0.37) % 1, (i * 0.61) % 1, i % 2, 1 - (i % 2)]));
    const y = x.map((r) => Math.sin(3 * r[0]!) + r[1]! * r[2]!);
    const groups = [[0], [1], [2, 3]];
    const pairs = pairwiseGroupDistances(x, groups);
    const theta = new Float64Array([Math.log(0.4), Math.log(0.7), Math.log(1.3), Math.log(0.8), Math.log(0.01)]);
    const { gradient } = objective(theta, y, pairs, 3)!;
    for (let i = 0; i < theta.length; i++) {
      const h = 1e-6;
      const up = theta.slice();
      up[i]! += h;
      const down = theta.slice();
      down[i]! -= h;
      const numeric = (objective(up, y, pairs, 3)!.value - objective(down, y, pairs, 3)!.value) / (2 * h);
      expect(gradient[i]).toBeCloseTo(numeric, 4);
    }
  });

  it("fits a smooth function: predicts between the points, and is sure only near them", () => {
    const gp = fitGaussianProcess(xs, ys, [[0]]);
    for (const t of [0.05, 0.33, 0.52, 0.77, 0.95]) {
      const p = gp.predict(new Float64Array([t]));
      expect(Math.abs(p.mean - f(t))).toBeLessThan(0.05);
    }
    const at = gp.predict(xs[4]!);
    const away = gp.predict(new Float64Array([3]));
    expect(at.variance).toBeLessThan(1e-3);
    expect(away.variance).toBeGreaterThan(100 * at.variance);
    expect(Math.abs(away.mean)).toBeLessThan(Math.abs(at.mean) + 1); // back towards the zero prior mean
  });

  it("keeps its hyperparameters when given more data, and believes what it is told", () => {
    const gp = fitGaussianProcess(xs, ys, [[0]]);
    const more = gp.with([new Float64Array([0.5])], [3]);
    expect(more).toBeInstanceOf(GaussianProcess);
    expect(more.hyper).toEqual(gp.hyper);
    expect(more.predict(new Float64Array([0.5])).mean).toBeGreaterThan(gp.predict(new Float64Array([0.5])).mean + 1);
  });
});
