import { describe, expect, it } from "vitest";
import { DataError } from "./errors.js";
import { parseManifest } from "./manifest.js";

describe("parseManifest", () => {
  it("reads SageMaker's format: the prefix, then relative keys", () => {
    const m = parseManifest(JSON.stringify([{ prefix: "s3://bucket/some/prefix/" }, "relative/path/custdata-1", "custdata-2", "custdata-2"]), "s3://b/m.json");
    expect(m).toEqual({
      prefixUri: "s3://bucket/some/prefix/",
      prefix: { kind: "s3", bucket: "bucket", key: "some/prefix/" },
      keys: ["relative/path/custdata-1", "custdata-2"],
    });
  });

  it("takes a file:// prefix", () => {
    expect(parseManifest('[{"prefix": "file:///data/x/"}, "a"]', "file:///m")).toMatchObject({ prefix: { kind: "file", path: "/data/x" }, keys: ["a"] });
  });

  it("says what is wrong with a broken manifest", () => {
    const cases: [string, RegExp][] = [
      ["not json", /is not valid: it is not JSON/],
      ["{}", /it is not a non-empty JSON list/],
      ["[]", /it is not a non-empty JSON list/],
      ['["s3://b/x"]', /its first element must be \{"prefix": "s3:\/\/\.\.\."\}/],
      ['[{"prefix": "ftp://x"}]', /its prefix "ftp:\/\/x" is neither an s3:\/\/ nor a file:\/\/ URI/],
      ['[{"prefix": "s3://b/"}, 3]', /element 2 is not a string/],
    ];
    for (const [text, message] of cases) {
      const m = parseManifest(text, "s3://b/m.json");
      expect(m).toBeInstanceOf(DataError);
      expect((m as DataError).message).toMatch(/^The manifest file "s3:\/\/b\/m\.json" is not valid: /);
      expect((m as DataError).message).toMatch(message);
    }
  });
});
