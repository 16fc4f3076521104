/**
 * Every shell command in the README is run: the README's ```sh blocks, in order, as a new user
 * would type them after `npm run install-cli` (`optml` on PATH) with a virtual environment active,
 * in a fresh HOME and a scratch directory holding a copy of examples/ and python/.
 *
 * A comment just before a block says how it is covered, when it is not simply run:
 * - `<!-- readme: ci -->`: the quick start; every command in it is a line of .ci/run, which CI runs.
 * - `<!-- readme: tested-by PATH -->`: the test file PATH runs each of the block's commands verbatim.
 * - `<!-- readme: background -->`: "in one terminal": the block runs in the background until the
 *   test ends, and the next block starts once the control plane it started answers.
 * Each other block runs in `bash -euo pipefail`; a failing command fails the test with its output.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { chmodSync, cpSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { OPTML_BIN, tempDir } from "./run-optml.js";

const ROOT = join(import.meta.dirname, "..", "..", "..");
const README = readFileSync(join(ROOT, "README.md"), "utf8");

export interface ReadmeBlock {
  readonly index: number;
  readonly line: number;
  readonly heading: string;
  readonly directive: string | undefined;
  readonly text: string;
}

/** The README's shell blocks, with the directive comment before each and the heading above it. */
export function shellBlocks(markdown: string): ReadmeBlock[] {
  const blocks: ReadmeBlock[] = [];
  const lines = markdown.split("\n");
  let heading = "";
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (/^#{1,6} /.test(line)) heading = line.replace(/^#+ /, "");
    const fence = /^```(\w*)\s*$/.exec(line);
    if (!fence) continue;
    const end = lines.findIndex((l, j) => j > i && /^```\s*$/.test(l));
    if (end < 0) throw new Error(`README line ${i + 1}: a code block that is never closed`);
    if (fence[1] === "sh" || fence[1] === "bash") {
      let before = i - 1;
      while (before >= 0 && lines[before]!.trim() === "") before--;
      const directive = before >= 0 ? /^<!--\s*readme:\s*(.*?)\s*-->$/.exec(lines[before]!.trim())?.[1] : undefined;
      blocks.push({ index: blocks.length, line: i + 1, heading, directive, text: lines.slice(i + 1, end).join("\n") });
    }
    i = end;
  }
  return blocks;
}

/** A block's commands: comments and blank lines dropped, continuation lines joined. */
export function commandsOf(text: string): string[] {
  const joined = text.replace(/\\\n\s*/g, " ");
  return joined
    .split("\n")
    .map((l) => l.replace(/\s+#.*$/, "").trim())
    .filter((l) => l !== "" && !l.startsWith("#"));
}

const blocks = shellBlocks(README);
const sandbox = tempDir("optml-readme-");
const home = join(sandbox, "home");
const work = join(sandbox, "work");
const bin = join(sandbox, "bin");
const background: ChildProcess[] = [];

function setUp(): NodeJS.ProcessEnv {
  mkdirSync(home, { recursive: true });
  // The machine's pip configuration (its package index) is the user's, as it would be.
  for (const config of [".config/pip/pip.conf", ".pip/pip.conf"]) {
    const mine = join(homedir(), config);
    if (existsSync(mine)) cpSync(mine, join(home, config));
  }
  mkdirSync(bin, { recursive: true });
  for (const dir of ["examples", "python"]) {
    cpSync(join(ROOT, dir), join(work, dir), { recursive: true, filter: (src) => !/[/\\](optml-out|node_modules|build|__pycache__|[^/\\]*\.egg-info)$/.test(src) });
  }
  // The README's pip and python3 commands run in a virtual environment, as a user's would (never
  // in the machine's Python); it sees the machine's packages (boto3).
  const venv = join(sandbox, "venv");
  const made = spawnSync("python3", ["-m", "venv", "--system-site-packages", venv], { encoding: "utf8" });
  if (made.status !== 0) throw new Error(`python3 -m venv failed (Debian: apt-get install -y python3-venv): ${made.stderr}`);
  // `optml` on PATH, as `npm run install-cli` leaves it; the AWS CLI as Debian installs it.
  writeFileSync(join(bin, "optml"), `#!/bin/sh\nexec "${process.execPath}" "${OPTML_BIN}" "$@"\n`);
  chmodSync(join(bin, "optml"), 0o755);
  if (!existsSync("/usr/bin/aws")) throw new Error("the README's AWS CLI commands need /usr/bin/aws: apt-get install -y awscli");
  spawnSync("ln", ["-sf", "/usr/bin/aws", join(bin, "aws")]);
  const env: NodeJS.ProcessEnv = { PATH: `${bin}:${join(venv, "bin")}:${process.env.PATH}`, VIRTUAL_ENV: venv, HOME: home, LANG: "C.UTF-8", NO_COLOR: "1", PIP_RETRIES: "0" };
  // The machine's own settings for pyenv and pip (its package index) are the user's, as they would be.
  for (const [key, value] of Object.entries(process.env)) if (/^(PYENV_|PIP_)|^(TMPDIR|OPTML_RUNNER)$/.test(key) && key !== "PIP_RETRIES") env[key] = value;
  return env;
}

/** Wait until the control plane under $HOME/.optml answers (a background block started it). */
async function controlPlaneAnswers(timeoutMs = 30_000): Promise<void> {
  const lease = join(home, ".optml", "control-plane.json");
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (existsSync(lease)) {
      const { endpoint } = JSON.parse(readFileSync(lease, "utf8")) as { endpoint: string };
      const up = await fetch(endpoint, { method: "GET" }).then(
        () => true,
        () => false,
      );
      if (up) return;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`the background block started no control plane within ${timeoutMs} ms (${lease})`);
}

function runBlock(block: ReadmeBlock, env: NodeJS.ProcessEnv): Promise<{ code: number | null; output: string }> {
  const child = spawn("bash", ["-euo", "pipefail", "-c", block.text], { cwd: work, env, stdio: ["ignore", "pipe", "pipe"], detached: true });
  let output = "";
  child.stdout.setEncoding("utf8").on("data", (d: string) => (output += d));
  child.stderr.setEncoding("utf8").on("data", (d: string) => (output += d));
  return new Promise((resolve) => child.on("close", (code) => resolve({ code, output })));
}

afterAll(async () => {
  for (const child of background) {
    if (child.pid !== undefined && child.exitCode === null) {
      try {
        process.kill(-child.pid, "SIGTERM");
      } catch {
        // already gone
      }
    }
  }
  await Promise.all(background.map((c) => (c.exitCode === null ? new Promise((r) => c.once("close", r)) : undefined)));
});

describe("README", () => {
  it("has shell blocks, each with a known directive", () => {
    expect(blocks.length).toBeGreaterThan(5);
    for (const b of blocks) {
      expect(b.directive === undefined || /^(ci|background|tested-by \S+)$/.test(b.directive), `README line ${b.line}: ${b.directive}`).toBe(true);
    }
  });

  it("runs every shell block in order, as a user would", { timeout: 600_000 }, async () => {
    const env = setUp();
    const ciScript = readFileSync(join(ROOT, ".ci", "run"), "utf8").split("\n").map((l) => l.trim());
    for (const block of blocks) {
      const where = `README line ${block.line} (${block.heading})`;
      if (block.directive === "ci") {
        for (const command of commandsOf(block.text)) {
          for (const part of command.split("&&").map((p) => p.trim())) {
            expect(ciScript.some((l) => l === part || l.startsWith(`${part} `)), `${where}: .ci/run does not run '${part}'`).toBe(true);
          }
        }
        continue;
      }
      const testedBy = /^tested-by (\S+)$/.exec(block.directive ?? "")?.[1];
      if (testedBy) {
        const test = readFileSync(join(ROOT, testedBy), "utf8");
        for (const command of commandsOf(block.text)) expect(test.includes(command), `${where}: ${testedBy} does not run '${command}'`).toBe(true);
        continue;
      }
      if (block.directive === "background") {
        const child = spawn("bash", ["-euo", "pipefail", "-c", block.text], { cwd: work, env, stdio: "ignore", detached: true });
        background.push(child);
        await controlPlaneAnswers();
        continue;
      }
      const { code, output } = await runBlock(block, env);
      expect(code, `${where} failed:\n${block.text}\n--- output ---\n${output}`).toBe(0);
    }
  });
});
