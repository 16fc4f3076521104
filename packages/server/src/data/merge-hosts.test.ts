import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { mergeHostDirs, sortHosts } from "./merge-hosts.js";

const root = mkdtempSync(join(tmpdir(), "optml-merge-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function dir(name: string, files: Record<string, string>): string {
  const d = join(root, name);
  mkdirSync(d, { recursive: true });
  for (const [f, text] of Object.entries(files)) {
    mkdirSync(join(d, f, ".."), { recursive: true });
    writeFileSync(join(d, f), text);
  }
  return d;
}

describe("mergeHostDirs", () => {
  it("orders hosts by number", () => {
    expect(sortHosts(["algo-10", "algo-2", "algo-1"])).toEqual(["algo-1", "algo-2", "algo-10"]);
  });

  it("uses the only non-empty dir as it is", async () => {
    const a = dir("a1", { "model.bin": "m" });
    const b = dir("b1", {});
    expect(await mergeHostDirs([a, b], join(root, "s1"))).toBe(a);
  });

  it("merges several, the first host's file winning", async () => {
    const a = dir("a2", { "model.bin": "from algo-1", "a.txt": "a" });
    const b = dir("b2", { "model.bin": "from algo-2", "sub/b.txt": "b" });
    const merged = await mergeHostDirs([a, b], join(root, "s2"));
    expect(readFileSync(join(merged, "model.bin"), "utf8")).toBe("from algo-1");
    expect(readFileSync(join(merged, "a.txt"), "utf8")).toBe("a");
    expect(readFileSync(join(merged, "sub/b.txt"), "utf8")).toBe("b");
  });
});
