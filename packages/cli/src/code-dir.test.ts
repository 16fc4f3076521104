import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { codeWithout, excludedInside, localCodeDir } from "./code-dir.js";

const root = mkdtempSync(join(tmpdir(), "optml-code-dir-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe("codeWithout", () => {
  const dir = join(root, "code");
  mkdirSync(join(dir, "optml-out", "old-job"), { recursive: true });
  mkdirSync(join(dir, "results", "old-job"), { recursive: true });
  mkdirSync(join(dir, "lib"), { recursive: true });
  mkdirSync(join(dir, ".venv", "bin"), { recursive: true });
  writeFileSync(join(dir, "train.py"), "");
  writeFileSync(join(dir, "lib", "util.py"), "");
  writeFileSync(join(dir, ".venv", "bin", "python"), "");

  it("copies the code without an output dir that lies inside and that the rule keeps, and without what the rule leaves out", async () => {
    const extra = excludedInside(dir, [join(dir, "results"), join(root, "elsewhere")]);
    expect(extra).toEqual(["/results/"]);
    const copy = await codeWithout(dir, extra, join(root, "copy"));
    expect(copy).toBe(join(root, "copy"));
    expect(readdirSync(copy!).sort()).toEqual(["lib", "train.py"]);
    expect(existsSync(join(copy!, "lib", "util.py"))).toBe(true);
  });

  it("makes no copy when the rule already leaves the output dir out (./optml-out) or nothing lies inside", async () => {
    expect(await codeWithout(dir, excludedInside(dir, [join(dir, "optml-out")]), join(root, "unused"))).toBeUndefined();
    expect(await codeWithout(dir, excludedInside(dir, [join(root, "elsewhere")]), join(root, "unused"))).toBeUndefined();
    expect(existsSync(join(root, "unused"))).toBe(false);
  });
});

describe("localCodeDir", () => {
  it("is the JSON-encoded file:// directory of sagemaker_submit_directory, else undefined", () => {
    const dir = join(root, "code");
    const request = (value: string) => ({ HyperParameters: { sagemaker_submit_directory: value } });
    expect(localCodeDir(request(JSON.stringify(pathToFileURL(dir).href)))).toBe(dir);
    expect(localCodeDir(request(pathToFileURL(dir).href))).toBe(dir);
    expect(localCodeDir(request(JSON.stringify("s3://bucket/code/sourcedir.tar.gz")))).toBeUndefined();
    expect(localCodeDir(request(JSON.stringify(pathToFileURL(join(dir, "train.py")).href)))).toBeUndefined();
    expect(localCodeDir({})).toBeUndefined();
  });
});
