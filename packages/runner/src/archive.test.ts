import { describe, expect, it } from "vitest";
import { ArchiveEntryCheck, looksLikeArchive, type ArchiveEntry } from "./archive.js";
import { RunnerError } from "./errors.js";

function check(...entries: ArchiveEntry[]): void {
  const checker = new ArchiveEntryCheck("code.tar.gz", "/opt/ml/code");
  for (const entry of entries) checker.check(entry);
}

const file = (path: string): ArchiveEntry => ({ path, type: "File" });

describe("ArchiveEntryCheck", () => {
  it("accepts ordinary entries and links that stay inside", () => {
    expect(() =>
      check(
        { path: "./", type: "Directory" },
        file("./train.py"),
        { path: "lib/", type: "Directory" },
        file("lib/model.py"),
        file("lib/..data"),
        { path: "lib/current", type: "SymbolicLink", linkpath: "model.py" },
        { path: "lib/up", type: "SymbolicLink", linkpath: "../train.py" },
        { path: "abs", type: "SymbolicLink", linkpath: "/opt/ml/code/lib" },
        { path: "hard", type: "Link", linkpath: "lib/model.py" },
      ),
    ).not.toThrow();
  });

  it.each<[string, ArchiveEntry[], string]>([
    ["an absolute path", [file("/etc/passwd")], 'entry "/etc/passwd": its path is absolute'],
    ["a .. component", [file("lib/../../x")], "its path has a '..' component"],
    ["a leading ..", [file("../x")], "its path has a '..' component"],
    ["a symbolic link outside", [{ path: "l", type: "SymbolicLink", linkpath: "../../etc" }], 'symbolic link to "../../etc", outside the code dir'],
    ["an absolute symbolic link outside", [{ path: "l", type: "SymbolicLink", linkpath: "/etc/passwd" }], "outside the code dir"],
    ["a link to the code dir's sibling", [{ path: "l", type: "SymbolicLink", linkpath: "/opt/ml/code2" }], "outside the code dir"],
    ["a hard link outside", [{ path: "h", type: "Link", linkpath: "/etc/shadow" }], 'hard link to "/etc/shadow"'],
    [
      "a path through a link in the archive",
      [{ path: "here", type: "SymbolicLink", linkpath: "." }, { path: "here/x", type: "SymbolicLink", linkpath: ".." }],
      'through the symbolic link "here"',
    ],
    ["a device", [{ path: "dev", type: "CharacterDevice" }], "it is a CharacterDevice"],
  ])("refuses %s", (_, entries, message) => {
    expect(() => check(...entries)).toThrow(RunnerError);
    expect(() => check(...entries)).toThrow(message);
  });
});

describe("looksLikeArchive", () => {
  it("knows gzip and tar headers", () => {
    expect(looksLikeArchive(Buffer.from([0x1f, 0x8b, 8]))).toBe(true);
    const tar = Buffer.alloc(512);
    tar.write("ustar", 257, "latin1");
    expect(looksLikeArchive(tar)).toBe(true);
    expect(looksLikeArchive(Buffer.from("print('hi')\n"))).toBe(false);
  });
});
