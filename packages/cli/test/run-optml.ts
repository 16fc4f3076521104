import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export const OPTML_BIN = join(import.meta.dirname, "..", "bin", "optml.js");

/** Run the built `optml` as a user would, with a controlled environment. */
export function optml(args: string[], env: Record<string, string | undefined> = {}, cwd?: string) {
  const result = spawnSync(process.execPath, [OPTML_BIN, ...args], {
    encoding: "utf8",
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
    ...(cwd ? { cwd } : {}),
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

export interface RunningOptml {
  readonly child: ChildProcess;
  stdout: string;
  stderr: string;
  /** Resolves when stdout or stderr has matched. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  readonly exited: Promise<{ code: number | null; stdout: string; stderr: string }>;
}

/** Start the built `optml` in the background. */
export function startOptml(args: string[], env: Record<string, string | undefined> = {}, cwd?: string): RunningOptml {
  const child = spawn(process.execPath, [OPTML_BIN, ...args], {
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
    ...(cwd ? { cwd } : {}),
    stdio: ["ignore", "pipe", "pipe"],
  });
  const waiters: (() => boolean)[] = [];
  const running: RunningOptml = {
    child,
    stdout: "",
    stderr: "",
    waitFor(pattern, timeoutMs = 30_000) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no ${pattern} in ${timeoutMs} ms; stdout: ${running.stdout}\nstderr: ${running.stderr}`)), timeoutMs);
        const check = () => {
          const m = pattern.exec(running.stdout) ?? pattern.exec(running.stderr);
          if (!m) return false;
          clearTimeout(timer);
          resolve(m);
          return true;
        };
        if (!check()) waiters.push(check);
      });
    },
    exited: new Promise((resolve) => child.on("close", (code) => resolve({ code, stdout: running.stdout, stderr: running.stderr }))),
  };
  const fire = () => {
    for (const w of [...waiters]) if (w()) waiters.splice(waiters.indexOf(w), 1);
  };
  child.stdout!.setEncoding("utf8").on("data", (d: string) => {
    running.stdout += d;
    fire();
  });
  child.stderr!.setEncoding("utf8").on("data", (d: string) => {
    running.stderr += d;
    fire();
  });
  return running;
}

/** A temporary tree of files. */
export function tree(root: string, files: Record<string, string>): string {
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(root, name, ".."), { recursive: true });
    writeFileSync(join(root, name), text);
  }
  return root;
}

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** The repository's root (examples/ lives there). */
export const REPO_ROOT = join(import.meta.dirname, "..", "..", "..");

/**
 * A scratch directory holding a copy of `examples/<example>` at `<work>/examples/<example>` (its
 * outputs and caches left out), so that a README command runs there as written; the test removes
 * `root` when it is done.
 */
export function exampleWorkspace(example: string, prefix: string): { root: string; work: string } {
  const root = tempDir(prefix);
  const work = join(root, "work");
  cpSync(join(REPO_ROOT, "examples", example), join(work, "examples", example), { recursive: true, filter: (src) => !/[/\\](optml-out|__pycache__)$/.test(src) });
  return { root, work };
}
