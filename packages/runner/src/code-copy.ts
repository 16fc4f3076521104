/**
 * What of a local code directory goes into a job (sagemaker_submit_directory as a directory): all
 * but version control, virtual environments, caches, installed packages and optml's own output
 * (DEFAULT_CODE_EXCLUDES), and what the directory's .optmlignore lists, in gitignore's syntax (a
 * `!pattern` line takes a default back). One rule for every copy optml makes of a code directory:
 * the runner's acquisition (code.ts) and `optml run`'s copy. Copies keep permission bits only:
 * setuid, setgid and sticky bits are dropped (a copy made as root would otherwise keep a
 * setuid-root program).
 */
import { chmod, cp, lstat, readdir, readFile } from "node:fs/promises";
import { join, relative, sep } from "node:path";
import ignore from "ignore";

export const DEFAULT_CODE_EXCLUDES: readonly string[] = [".git", ".venv", "venv", "__pycache__", "node_modules", "optml-out"];
export const CODE_IGNORE_FILE = ".optmlignore";
/** Above this, a code directory is worth a warning: it is copied into every job. */
export const LARGE_CODE_BYTES = 100 * 1024 * 1024;

/** Whether a path (relative to the code directory, '/'-separated) stays out of a job. */
export type CodeFilter = (relativePath: string, isDirectory: boolean) => boolean;

/**
 * The rule for `root`: the defaults, then `root`/.optmlignore, then `extra` (patterns relative to
 * `root`, such as an output directory that lies inside it).
 */
export async function codeFilter(root: string, extra: readonly string[] = []): Promise<CodeFilter> {
  const rules = ignore().add([...DEFAULT_CODE_EXCLUDES]);
  const listed = await readFile(join(root, CODE_IGNORE_FILE), "utf8").catch((e: NodeJS.ErrnoException) => {
    if (e.code === "ENOENT" || e.code === "EISDIR") return "";
    throw e;
  });
  rules.add(listed).add([...extra]);
  return (path, isDirectory) => path !== "" && rules.ignores(isDirectory ? `${path}/` : path);
}

function relativePath(root: string, path: string): string {
  return relative(root, path).split(sep).join("/");
}

export interface CodeSize {
  /** Bytes of the files that go into a job (symbolic links count as themselves, not followed). */
  readonly bytes: number;
  readonly files: number;
  /** The top-level entries that go into a job, largest first, with their bytes. */
  readonly entries: readonly { readonly path: string; readonly bytes: number; readonly directory: boolean }[];
}

/** What of `root` goes into a job, measured (nothing is copied). */
export async function measureCode(root: string, filter: CodeFilter): Promise<CodeSize> {
  let files = 0;
  const walk = async (dir: string): Promise<number> => {
    let bytes = 0;
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      const directory = entry.isDirectory();
      if (filter(relativePath(root, path), directory)) continue;
      if (directory) bytes += await walk(path);
      else {
        files++;
        bytes += (await lstat(path)).size;
      }
    }
    return bytes;
  };
  const entries: { path: string; bytes: number; directory: boolean }[] = [];
  for (const entry of await readdir(root, { withFileTypes: true })) {
    const directory = entry.isDirectory();
    if (filter(entry.name, directory)) continue;
    const path = join(root, entry.name);
    if (directory) entries.push({ path: entry.name, bytes: await walk(path), directory });
    else {
      files++;
      entries.push({ path: entry.name, bytes: (await lstat(path)).size, directory });
    }
  }
  entries.sort((a, b) => b.bytes - a.bytes || a.path.localeCompare(b.path));
  return { bytes: entries.reduce((sum, e) => sum + e.bytes, 0), files, entries };
}

/** Copy what of `root` goes into a job to `into` (symbolic links as they are, times kept). */
export async function copyCode(root: string, into: string, filter: CodeFilter): Promise<void> {
  await cp(root, into, {
    recursive: true,
    verbatimSymlinks: true,
    preserveTimestamps: true,
    filter: async (source) => {
      const path = relativePath(root, source);
      if (path === "") return true;
      return !filter(path, (await lstat(source)).isDirectory());
    },
  });
  await dropSpecialModeBits(into);
}

/** A mode's permission bits, without setuid, setgid, sticky and file type bits. */
export function permissionBits(mode: number): number {
  return mode & 0o777;
}

/** Clear setuid, setgid and sticky bits on `path` and, for a directory, all under it (links are not followed). */
export async function dropSpecialModeBits(path: string): Promise<void> {
  const info = await lstat(path);
  if (info.isSymbolicLink()) return;
  if ((info.mode & 0o7000) !== 0) await chmod(path, permissionBits(info.mode));
  if (!info.isDirectory()) return;
  for (const entry of await readdir(path)) await dropSpecialModeBits(join(path, entry));
}

/** 1536 -> "1.5 KiB". */
export function byteSize(bytes: number): string {
  const units = ["bytes", "KiB", "MiB", "GiB", "TiB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${bytes} bytes` : `${value.toFixed(1)} ${units[unit]}`;
}

/** The warning for a code directory above LARGE_CODE_BYTES, saying what is big and how to leave it out; else undefined. */
export function largeCodeWarning(root: string, size: CodeSize, limit: number = LARGE_CODE_BYTES): string | undefined {
  if (size.bytes <= limit) return undefined;
  const biggest = size.entries.slice(0, 3).map((e) => `${e.path}${e.directory ? "/" : ""} ${byteSize(e.bytes)}`);
  const example = size.entries[0] ? `${size.entries[0].path}${size.entries[0].directory ? "/" : ""}` : "data/";
  return (
    `the code directory ${root} holds ${byteSize(size.bytes)} in ${size.files} file(s), copied into every job (largest: ${biggest.join(", ")}); ` +
    `list what the job does not need in ${join(root, CODE_IGNORE_FILE)} (gitignore syntax, e.g. '${example}'), or give it as a channel instead`
  );
}
