import { describe, expect, it } from "vitest";
import { compareKeys, hostIndex, shardItems, shardKeys, sortKeys } from "./sharding.js";

describe("ShardedByS3Key", () => {
  const keys = sortKeys(Array.from({ length: 10 }, (_, i) => `data/part-${String(i).padStart(2, "0")}.csv`));

  it("deals the sorted keys round-robin: host i of n takes positions i, i+n, ...", () => {
    expect(shardKeys(keys, 0, 3)).toEqual(["data/part-00.csv", "data/part-03.csv", "data/part-06.csv", "data/part-09.csv"]);
    expect(shardKeys(keys, 1, 3)).toEqual(["data/part-01.csv", "data/part-04.csv", "data/part-07.csv"]);
    expect(shardKeys(keys, 2, 3)).toEqual(["data/part-02.csv", "data/part-05.csv", "data/part-08.csv"]);
  });

  it("gives every key to exactly one host, shares differing by at most one", () => {
    for (const n of [1, 2, 3, 4, 7, 10, 13]) {
      const shares = Array.from({ length: n }, (_, i) => shardKeys(keys, i, n));
      expect(shares.flat().sort()).toEqual([...keys].sort());
      const sizes = shares.map((s) => s.length);
      expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
    }
    expect(shardKeys(keys, 0, 1)).toEqual(keys);
    expect(shardKeys(["a"], 1, 2)).toEqual([]);
  });

  it("sorts by UTF-8 bytes, as S3 lists keys (not by UTF-16 code units)", () => {
    // U+FF5E is one UTF-16 unit above a surrogate pair's first unit, but below it in UTF-8.
    const astral = "\u{1F600}";
    const bmp = "\uFF5E";
    expect([astral, bmp].sort()).toEqual([astral, bmp]);
    expect(sortKeys([astral, bmp])).toEqual([bmp, astral]);
    expect(compareKeys("a/b", "a-b")).toBeGreaterThan(0);
  });

  it("keeps the items' own order and shards on their keys", () => {
    const items = [{ k: "c" }, { k: "a" }, { k: "b" }, { k: "d" }];
    expect(shardItems(items, (i) => i.k, { index: 0, count: 2 }).map((i) => i.k)).toEqual(["c", "a"]);
    expect(shardItems(items, (i) => i.k, { index: 1, count: 2 }).map((i) => i.k)).toEqual(["b", "d"]);
    expect(shardItems(items, (i) => i.k, undefined)).toEqual(items);
  });

  it("refuses a host outside the cluster", () => {
    expect(() => shardKeys(keys, 3, 3)).toThrow(RangeError);
    expect(() => shardKeys(keys, 0, 0)).toThrow(RangeError);
  });

  it("numbers hosts from their names", () => {
    expect([hostIndex("algo-1"), hostIndex("algo-10")]).toEqual([0, 9]);
    expect(() => hostIndex("worker")).toThrow();
  });
});
