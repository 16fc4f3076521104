import { execFileSync } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { acquireCode, codeSource } from "./code.js";
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

describe("acquireCode drops setuid, setgid and sticky bits", () => {
  const root = mkdtempSync(join(tmpdir(), "optml-code-modes-"));
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  /** A source tree with a setuid program, a setgid directory and a sticky directory. */
  function specialTree(dir: string): string {
    mkdirSync(join(dir, "shared"), { recursive: true });
    mkdirSync(join(dir, "tmp"));
    writeFileSync(join(dir, "tool"), "#!/bin/sh\n");
    writeFileSync(join(dir, "shared", "data"), "x");
    chmodSync(join(dir, "tool"), 0o4755);
    chmodSync(join(dir, "shared"), 0o2775);
    chmodSync(join(dir, "tmp"), 0o1777);
    return dir;
  }

  const mode = (path: string) => statSync(path).mode & 0o7777;

  async function acquire(submitDirectory: string, codeDir: string): Promise<void> {
    await acquireCode({ submitDirectory, codeDir, env: {}, region: undefined, log: () => {}, signal: new AbortController().signal });
  }

  it("from a tar.gz holding a 04755 file, unpacked as root", async () => {
    expect(process.getuid?.(), "this test needs root: setuid bits in an archive are kept only when unpacked as root").toBe(0);
    const source = specialTree(join(root, "archive-src"));
    const archive = join(root, "sourcedir.tar.gz");
    // The system tar, so that the archive is as a user's tool writes it (modes with their special bits).
    execFileSync("tar", ["-czf", archive, "-C", source, "."]);
    const listing = execFileSync("tar", ["-tvzf", archive], { encoding: "utf8" });
    expect(listing).toMatch(/-rwsr-xr-x .* \.\/tool/);
    const codeDir = join(root, "archive-code");
    await acquire(archive, codeDir);
    expect(mode(join(codeDir, "tool"))).toBe(0o755);
    expect(mode(join(codeDir, "shared")) & 0o7000).toBe(0);
    expect(mode(join(codeDir, "tmp")) & 0o7000).toBe(0);
    expect(readFileSync(join(codeDir, "shared", "data"), "utf8")).toBe("x");
  });

  it("from a local directory and from a single file", async () => {
    const source = specialTree(join(root, "dir-src"));
    const codeDir = join(root, "dir-code");
    await acquire(source, codeDir);
    expect(mode(join(codeDir, "tool"))).toBe(0o755);
    expect(mode(join(codeDir, "shared"))).toBe(0o775);
    expect(mode(join(codeDir, "tmp"))).toBe(0o777);
    const fileCode = join(root, "file-code");
    await acquire(join(source, "tool"), fileCode);
    expect(mode(join(fileCode, "tool"))).toBe(0o755);
  });
});
