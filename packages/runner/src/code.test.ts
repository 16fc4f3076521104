import { describe, expect, it } from "vitest";
import { codeSource } from "./code.js";
import { RunnerError } from "./errors.js";

describe("codeSource", () => {
  it("knows S3 objects, local paths and file:// URIs", () => {
    expect(codeSource("s3://b/job/source/sourcedir.tar.gz", "/opt/ml/code")).toEqual({
      kind: "s3",
      uri: "s3://b/job/source/sourcedir.tar.gz",
      location: { bucket: "b", key: "job/source/sourcedir.tar.gz" },
    });
    expect(codeSource("/src/code.tar.gz", "/opt/ml/code")).toEqual({ kind: "local", path: "/src/code.tar.gz" });
    expect(codeSource("file:///src/my%20code", "/opt/ml/code")).toEqual({ kind: "local", path: "/src/my code" });
  });

  it("needs nothing when the source is absent or is the code dir itself", () => {
    expect(codeSource(undefined, "/opt/ml/code")).toEqual({ kind: "code-dir" });
    expect(codeSource("/opt/ml/code/", "/opt/ml/code")).toEqual({ kind: "code-dir" });
    expect(codeSource("file:///opt/ml/code", "/opt/ml/code")).toEqual({ kind: "code-dir" });
  });

  it("refuses other schemes and S3 URIs without a key", () => {
    expect(() => codeSource("https://example.com/code.tar.gz", "/c")).toThrow(RunnerError);
    expect(() => codeSource("s3://bucket-only", "/c")).toThrow("is not supported");
  });
});
