import { describe, expect, it } from "vitest";
import { createRng, hash32 } from "./prng.js";

describe("seeded generator", () => {
  it("gives the same numbers for the same key and different ones for another", () => {
    const draw = (...key: number[]) => {
      const r = createRng(...key);
      return Array.from({ length: 5 }, () => r.next());
    };
    expect(draw(42, 7)).toEqual(draw(42, 7));
    expect(draw(42, 7)).not.toEqual(draw(42, 8));
    expect(draw(42, 7)).not.toEqual(draw(43, 7));
    expect(draw(2 ** 40 + 1)).not.toEqual(draw(1)); // high words count
    expect(hash32(1, 2)).not.toBe(hash32(2, 1));
  });

  it("draws uniform numbers in [0, 1), integers in range, and standard normals", () => {
    const r = createRng(123);
    const n = 20_000;
    let sum = 0;
    let sumSq = 0;
    const deciles = new Array<number>(10).fill(0);
    let lo = 1;
    let hi = 0;
    for (let i = 0; i < n; i++) {
      const u = r.next();
      lo = Math.min(lo, u);
      hi = Math.max(hi, u);
      deciles[Math.floor(u * 10)]!++;
      const z = r.normal();
      sum += z;
      sumSq += z * z;
    }
    expect(lo).toBeGreaterThanOrEqual(0);
    expect(hi).toBeLessThan(1);
    for (const c of deciles) expect(Math.abs(c - n / 10)).toBeLessThan(n / 10 / 8); // within 12.5%
    expect(Math.abs(sum / n)).toBeLessThan(0.03);
    expect(Math.abs(sumSq / n - 1)).toBeLessThan(0.05);
    const seen = new Set<number>();
    for (let i = 0; i < 1000; i++) seen.add(r.int(7));
    expect([...seen].sort()).toEqual([0, 1, 2, 3, 4, 5, 6]);
  });
});
