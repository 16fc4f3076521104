import { mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, symlinkSync, truncateSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { byteSize, codeFilter, copyCode, largeCodeWarning, measureCode } from "./code-copy.js";

const root = mkdtempSync(join(tmpdir(), "optml-code-copy-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function tree(dir: string, files: Record<string, string>): string {
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(dir, name, ".."), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return dir;
}

/** Every file under `dir`, relative, sorted. */
function files(dir: string, prefix = ""): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? files(join(dir, e.name), `${prefix}${e.name}/`) : [`${prefix}${e.name}`]))
    .sort();
}

const IGNORE_TEXT = "# not for the job\ndata/\n!data/keep.csv\n*.pt\n/notes\n";
const project = tree(join(root, "project"), {
  "train.py": "print('hi')\n",
  "lib/model.py": "x = 1\n",
  "lib/__pycache__/model.cpython-312.pyc": "compiled",
  ".git/HEAD": "ref: refs/heads/main\n",
  ".venv/bin/python": "#!",
  "venv/lib/site.py": "",
  "node_modules/left-pad/index.js": "",
  "web/node_modules/x/index.js": "",
  "optml-out/old-job/output/model.tar.gz": "old",
  "data/big.csv": "a,b\n1,2\n",
  "data/keep.csv": "a\n",
  "notes/todo.md": "",
  "checkpoints/epoch-1.pt": "weights",
  ".optmlignore": IGNORE_TEXT,
});

describe("the code directory rule", () => {
  it("leaves out version control, environments, caches, packages, optml-out and what .optmlignore lists", async () => {
    const into = join(root, "copy");
    await copyCode(project, into, await codeFilter(project));
    expect(files(into)).toEqual([".optmlignore", "lib/model.py", "train.py"]);
    expect(readFileSync(join(into, "train.py"), "utf8")).toBe("print('hi')\n");
  });

  it("takes patterns beside the directory's own, and a '!' line takes a default back", async () => {
    const dir = tree(join(root, "negated"), { "train.py": "", "venv/keep.py": "", "results/r.txt": "", "sub/results/s.txt": "", ".optmlignore": "!venv\n" });
    const filter = await codeFilter(dir, ["/results/"]);
    expect(filter("venv", true)).toBe(false);
    expect(filter("results", true)).toBe(true);
    // Anchored: only the top-level results/.
    expect(filter("sub/results", true)).toBe(false);
    const into = join(root, "negated-copy");
    await copyCode(dir, into, filter);
    expect(files(into)).toEqual([".optmlignore", "sub/results/s.txt", "train.py", "venv/keep.py"]);
  });

  it("copies symbolic links as links", async () => {
    const dir = tree(join(root, "links"), { "train.py": "" });
    symlinkSync("train.py", join(dir, "main.py"));
    const into = join(root, "links-copy");
    await copyCode(dir, into, await codeFilter(dir));
    expect(readlinkSync(join(into, "main.py"))).toBe("train.py");
  });

  it("measures what goes into a job, largest first", async () => {
    const size = await measureCode(project, await codeFilter(project));
    expect(size).toEqual({
      bytes: IGNORE_TEXT.length + "x = 1\n".length + "print('hi')\n".length,
      files: 3,
      entries: [
        { path: ".optmlignore", bytes: IGNORE_TEXT.length, directory: false },
        { path: "train.py", bytes: 12, directory: false },
        { path: "lib", bytes: 6, directory: true },
        // What is left of them: empty directories.
        { path: "checkpoints", bytes: 0, directory: true },
        { path: "web", bytes: 0, directory: true },
      ],
    });
  });
});

describe("largeCodeWarning", () => {
  it("says nothing up to 100 MiB, and above it what is big and how to leave it out", async () => {
    const dir = tree(join(root, "big"), { "train.py": "print('hi')\n" });
    mkdirSync(join(dir, "data"));
    // Sparse files: their size without their bytes.
    writeFileSync(join(dir, "data", "images.bin"), "");
    truncateSync(join(dir, "data", "images.bin"), 90 * 1024 * 1024);
    writeFileSync(join(dir, "weights.pt"), "");
    truncateSync(join(dir, "weights.pt"), 9 * 1024 * 1024);
    expect(largeCodeWarning(dir, await measureCode(dir, await codeFilter(dir)))).toBeUndefined();
    truncateSync(join(dir, "weights.pt"), 20 * 1024 * 1024);
    const size = await measureCode(dir, await codeFilter(dir));
    expect(largeCodeWarning(dir, size)).toBe(
      `the code directory ${dir} holds 110.0 MiB in 3 file(s), copied into every job (largest: data/ 90.0 MiB, weights.pt 20.0 MiB, train.py 12 bytes); ` +
        `list what the job does not need in ${dir}/.optmlignore (gitignore syntax, e.g. 'data/'), or give it as a channel instead`,
    );
    writeFileSync(join(dir, ".optmlignore"), "data/\n");
    expect(largeCodeWarning(dir, await measureCode(dir, await codeFilter(dir)))).toBeUndefined();
  });

  it("sizes in binary units", () => {
    expect([byteSize(0), byteSize(1023), byteSize(1536), byteSize(110 * 1024 * 1024), byteSize(3 * 1024 ** 3)]).toEqual(["0 bytes", "1023 bytes", "1.5 KiB", "110.0 MiB", "3.0 GiB"]);
  });
});
