/**
 * Code acquisition: sagemaker_submit_directory as a local tar.gz, a directory, a file:// URI or a
 * single file; the code dir filled only when empty; unsafe archives refused with nothing written.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { TestJob } from "./job.js";
import { tarGz, type TarEntry } from "./tar-writer.js";

const cleanups: (() => void)[] = [];
afterEach(() => {
  while (cleanups.length) cleanups.pop()!();
});

function scratch(): string {
  const dir = mkdtempSync(join(tmpdir(), "optml-runner-src-"));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function job(submitDirectory: string | undefined, code: Record<string, string> = {}) {
  const j = new TestJob({
    hyperparameters: {
      sagemaker_program: JSON.stringify("train.py"),
      ...(submitDirectory === undefined ? {} : { sagemaker_submit_directory: JSON.stringify(submitDirectory) }),
    },
    code,
  });
  cleanups.push(() => j.remove());
  return j;
}

const TRAIN = "import os\nprint('trained from', os.getcwd(), sorted(os.listdir('.')))\n";

describe("code from sagemaker_submit_directory", () => {
  it("unpacks a local tar.gz, links inside the code dir included", async () => {
    const src = scratch();
    const archive = join(src, "sourcedir.tar.gz");
    writeFileSync(
      archive,
      tarGz([
        { name: "train.py", content: "import lib.util\nprint(lib.util.VALUE, open('current').read())\n" },
        { name: "lib/", type: "dir" },
        { name: "lib/__init__.py", content: "" },
        { name: "lib/util.py", content: "VALUE = 'from archive'\n" },
        { name: "current", type: "symlink", linkname: "lib/util.py" },
      ]),
    );
    const j = job(archive);
    const exit = await j.run();
    expect(exit.code).toBe(0);
    expect(exit.stdout).toBe("from archive VALUE = 'from archive'\n\n");
    expect(exit.stderr).toContain(`[optml-train] unpacking ${archive} into ${j.path("code")}`);
  });

  it("copies a local directory, given as a path or a file:// URI", async () => {
    for (const uri of [(dir: string) => dir, (dir: string) => pathToFileURL(dir).href]) {
      const src = scratch();
      mkdirSync(join(src, "pkg"));
      writeFileSync(join(src, "train.py"), TRAIN);
      writeFileSync(join(src, "pkg", "data.txt"), "x");
      const j = job(uri(src));
      const exit = await j.run();
      expect(exit.code).toBe(0);
      expect(exit.stdout).toBe(`trained from ${j.path("code")} ['pkg', 'train.py']\n`);
    }
  });

  it("copies a single file that is not an archive", async () => {
    const src = scratch();
    writeFileSync(join(src, "train.py"), TRAIN);
    const j = job(join(src, "train.py"));
    const exit = await j.run();
    expect(exit.code).toBe(0);
    expect(exit.stdout).toBe(`trained from ${j.path("code")} ['train.py']\n`);
  });

  it("uses the code already in <base>/code when it is not empty, and says so", async () => {
    const src = scratch();
    const archive = join(src, "sourcedir.tar.gz");
    writeFileSync(archive, tarGz([{ name: "train.py", content: "print('from the archive')\n" }]));
    const j = job(archive, { "train.py": "print('already there')\n" });
    const exit = await j.run();
    expect(exit.code).toBe(0);
    expect(exit.stdout).toBe("already there\n");
    expect(exit.stderr).toContain(`[optml-train] ${j.path("code")} is not empty: using the code already there, not ${archive}\n`);
  });

  it("writes a Framework Error for a missing source or an unsupported URI", async () => {
    const missing = job("/nonexistent/sourcedir.tar.gz");
    expect((await missing.run()).code).toBe(1);
    expect(missing.failure).toBe('Framework Error: sagemaker_submit_directory "/nonexistent/sourcedir.tar.gz": no such file or directory');
    const https = job("https://example.com/code.tar.gz");
    expect((await https.run()).code).toBe(1);
    expect(https.failure).toMatch(/^Framework Error: sagemaker_submit_directory "https:\/\/example.com\/code.tar.gz" is not supported/);
  });

  it("writes a Framework Error for a corrupt archive", async () => {
    const src = scratch();
    const archive = join(src, "sourcedir.tar.gz");
    writeFileSync(archive, Buffer.concat([Buffer.from([0x1f, 0x8b]), Buffer.from("not really gzip")]));
    const j = job(archive);
    expect((await j.run()).code).toBe(1);
    expect(j.failure).toMatch(new RegExp(`^Framework Error: ${archive}: not a readable tar archive: `));
  });
});

describe("unsafe archives", () => {
  const outsideName = `optml-escape-${process.pid}-${Date.now()}`;

  const cases: [string, (outside: string) => TarEntry[], string][] = [
    ["an absolute path", (outside) => [{ name: "train.py", content: "" }, { name: join(outside, "abs"), content: "pwned" }], "its path is absolute"],
    ["a .. component", () => [{ name: "train.py", content: "" }, { name: "../escaped", content: "pwned" }], "its path has a '..' component"],
    ["a nested .. component", () => [{ name: "lib/../../escaped", content: "pwned" }], "its path has a '..' component"],
    [
      "a symbolic link out of the code dir, then a file through it",
      (outside) => [
        { name: "train.py", content: "" },
        { name: "link", type: "symlink", linkname: outside },
        { name: "link/through", content: "pwned" },
      ],
      "is a symbolic link to",
    ],
    ["a relative symbolic link out of the code dir", () => [{ name: "up", type: "symlink", linkname: "../../.." }], "outside the code dir"],
    [
      "a file through a link that stays inside",
      () => [
        { name: "here", type: "symlink", linkname: "." },
        { name: "here/x", type: "symlink", linkname: ".." },
      ],
      'goes through the symbolic link "here"',
    ],
    ["a hard link to a file outside", () => [{ name: "h", type: "hardlink", linkname: "/etc/passwd" }], "is a hard link to"],
  ];

  it.each(cases)("refuses %s, writing nothing anywhere", async (_, entries, reason) => {
    const src = scratch();
    const outside = join(scratch(), outsideName);
    mkdirSync(outside);
    const archive = join(src, "sourcedir.tar.gz");
    writeFileSync(archive, tarGz(entries(outside)));
    const j = job(archive);
    const before = readdirSync(j.base).sort();
    const exit = await j.run();
    expect(exit.code).toBe(1);
    expect(j.failure).toMatch(new RegExp(`^Framework Error: ${archive}: refusing to unpack entry .*: `));
    expect(j.failure).toContain(reason);
    expect(j.failure).toContain("nothing was unpacked");
    expect(readdirSync(j.path("code"))).toEqual([]);
    expect(readdirSync(outside)).toEqual([]);
    expect(readdirSync(j.base).sort()).toEqual([...new Set([...before, "model", "output"])].sort());
    expect(existsSync(join(j.base, "escaped"))).toBe(false);
  });

  it("refuses a .. path even where it would land in a linked directory", async () => {
    // A link from the base dir to elsewhere must not matter: entries are checked by name.
    const src = scratch();
    const elsewhere = scratch();
    const j = job(join(src, "sourcedir.tar.gz"));
    symlinkSync(elsewhere, j.path("sibling"));
    writeFileSync(join(src, "sourcedir.tar.gz"), tarGz([{ name: "../sibling/x", content: "pwned" }]));
    expect((await j.run()).code).toBe(1);
    expect(readdirSync(elsewhere)).toEqual([]);
  });
});
