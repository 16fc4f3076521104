import { describe, expect, it } from "vitest";
import { LocationError, parseLocation } from "./location.js";

describe("parseLocation", () => {
  it("normalises file:// paths: '..', '.', repeated and trailing slashes", () => {
    expect(parseLocation("file:///tmp/a/../b")).toEqual({ kind: "file", path: "/tmp/b" });
    expect(parseLocation("file:///tmp/a/./b//c/")).toEqual({ kind: "file", path: "/tmp/a/b/c" });
    expect(parseLocation("file:///tmp/a/b/../../c/%2e%2e/d")).toEqual({ kind: "file", path: "/tmp/d" });
    expect(parseLocation("file:///../../etc")).toEqual({ kind: "file", path: "/etc" });
    expect(parseLocation("file:///tmp/..")).toEqual({ kind: "file", path: "/" });
    expect(parseLocation("file:///")).toEqual({ kind: "file", path: "/" });
    expect(parseLocation("file:///data/my%20set")).toEqual({ kind: "file", path: "/data/my set" });
  });

  it("leaves S3 keys as they are", () => {
    expect(parseLocation("s3://bucket/a/../b")).toEqual({ kind: "s3", bucket: "bucket", key: "a/../b" });
  });

  it("refuses relative file:// URIs and broken escapes", () => {
    expect(() => parseLocation("file://tmp/x")).toThrow(LocationError);
    expect(() => parseLocation("file:///tmp/%zz")).toThrow("broken %-escape");
  });
});
