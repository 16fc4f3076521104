import { describe, expect, it } from "vitest";
import { DataError } from "./errors.js";
import { findCollision, relativePathOfKey, safeRelativePath, unsafeRelativePath } from "./object-paths.js";

describe("where an object lands", () => {
  it("is its key after the prefix, with the separating slash dropped", () => {
    expect(relativePathOfKey("data/train/", "data/train/a.csv")).toBe("a.csv");
    expect(relativePathOfKey("data/train", "data/train/sub/a.csv")).toBe("sub/a.csv");
    expect(relativePathOfKey("data/train", "data/train-extra.csv")).toBe("-extra.csv");
    expect(relativePathOfKey("", "a/b")).toBe("a/b");
  });

  it("is the object's name when the prefix names the object itself", () => {
    expect(relativePathOfKey("data/train.csv", "data/train.csv")).toBe("train.csv");
  });

  it("skips folder markers", () => {
    expect(relativePathOfKey("data/", "data/sub/")).toBeUndefined();
  });

  it("refuses paths that leave the directory", () => {
    expect(unsafeRelativePath("../x")).toBe("its path has a '..' component");
    expect(unsafeRelativePath("a/../../x")).toBe("its path has a '..' component");
    expect(unsafeRelativePath("/etc/passwd")).toBe("its path is absolute");
    expect(unsafeRelativePath("a..b/c")).toBeUndefined();
    const refused = safeRelativePath("../../etc/cron.d/x", "s3://b/p/../../etc/cron.d/x", "the channel directory");
    expect(refused).toBeInstanceOf(DataError);
    expect((refused as DataError).message).toBe(
      `Refusing "s3://b/p/../../etc/cron.d/x": it would be written outside the channel directory (its path has a '..' component)`,
    );
    expect(safeRelativePath("a//b/./c", "u", "d")).toBe("a/b/c");
    expect(safeRelativePath("./", "u", "d")).toBeInstanceOf(DataError);
  });

  it("finds a file that another's path needs as a directory", () => {
    const entries = [
      { path: "a", uri: "s3://b/a" },
      { path: "a/b", uri: "s3://b/a/b" },
    ];
    expect(findCollision(entries, "the channel directory")?.message).toBe(
      `"s3://b/a" and "s3://b/a/b" cannot both be files in the channel directory: one's path is a directory of the other`,
    );
    expect(findCollision([{ path: "a/b", uri: "1" }, { path: "a/c", uri: "2" }, { path: "ab", uri: "3" }], "d")).toBeUndefined();
  });
});
