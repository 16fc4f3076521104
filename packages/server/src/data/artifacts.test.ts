import { mkdirSync, mkdtempSync, readdirSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { isPartialOf, removeStalePartials } from "./artifacts.js";

const root = mkdtempSync(join(tmpdir(), "optml-artifacts-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe("removeStalePartials", () => {
  it("removes only the destination's temporary files and directories changed before the attempt", async () => {
    const dir = join(root, "out");
    mkdirSync(join(dir, ".model.partial-00000000"), { recursive: true });
    for (const f of [".model.tar.gz.partial-0a1b2c3d", ".model.tar.gz.partial-11111111", ".model.tar.gz.partial-xyz", ".x.model.tar.gz.partial-0a1b2c3d", "model.tar.gz"]) {
      writeFileSync(join(dir, f), "");
    }
    const old = new Date(Date.now() - 60_000);
    for (const f of [".model.tar.gz.partial-0a1b2c3d", ".model.partial-00000000", ".model.tar.gz.partial-xyz", ".x.model.tar.gz.partial-0a1b2c3d"]) utimesSync(join(dir, f), old, old);
    const attempt = Date.now() - 30_000;

    expect(await removeStalePartials(join(dir, "model.tar.gz"), attempt)).toEqual([join(dir, ".model.tar.gz.partial-0a1b2c3d")]);
    expect(await removeStalePartials(join(dir, "model"), attempt)).toEqual([join(dir, ".model.partial-00000000")]);
    // One written since the attempt began (a running upload's) stays, as do names that only look alike.
    expect(readdirSync(dir).sort()).toEqual([".model.tar.gz.partial-11111111", ".model.tar.gz.partial-xyz", ".x.model.tar.gz.partial-0a1b2c3d", "model.tar.gz"]);
    expect(await removeStalePartials(join(root, "missing", "model.tar.gz"), Date.now())).toEqual([]);
  });

  it("knows the temporary names", () => {
    expect(isPartialOf(".model.tar.gz.partial-0a1b2c3d", "model.tar.gz")).toBe(true);
    expect(isPartialOf(".model.tar.gz.partial-0A1B2C3D", "model.tar.gz")).toBe(false);
    expect(isPartialOf(".output.tar.gz.partial-0a1b2c3d", "model.tar.gz")).toBe(false);
  });
});
