/**
 * Test jobs: a temporary base dir with the three config files and the code, and the built runner
 * (`dist/train.cjs`, the bundle that `train` starts) run against it as a separate process.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseProcStat } from "../src/process-group.js";

export const RUNNER_MAIN = fileURLToPath(new URL("../dist/train.cjs", import.meta.url));

export interface CodeFile {
  readonly content: string;
  readonly mode?: number;
}

export interface JobSpec {
  /** hyperparameters.json values as written (JSON-encoded strings, as the SageMaker SDK sends). */
  readonly hyperparameters?: Record<string, unknown>;
  readonly channels?: readonly string[];
  readonly hosts?: readonly string[];
  readonly currentHost?: string;
  /** Files of `<base>/code`, by relative path. */
  readonly code?: Record<string, string | CodeFile>;
}

export class TestJob {
  readonly base: string;

  constructor(spec: JobSpec = {}) {
    this.base = mkdtempSync(join(tmpdir(), "optml-runner-job-"));
    const hosts = spec.hosts ?? ["algo-1"];
    this.write("input/config/hyperparameters.json", JSON.stringify(spec.hyperparameters ?? {}));
    this.write(
      "input/config/inputdataconfig.json",
      JSON.stringify(Object.fromEntries((spec.channels ?? ["train"]).map((c) => [c, { TrainingInputMode: "File" }]))),
    );
    this.write(
      "input/config/resourceconfig.json",
      JSON.stringify({ current_host: spec.currentHost ?? hosts[0], hosts, network_interface_name: "eth0" }),
    );
    mkdirSync(this.path("code"), { recursive: true });
    for (const [name, file] of Object.entries(spec.code ?? {})) this.writeCode(name, file);
  }

  path(...parts: string[]): string {
    return join(this.base, ...parts);
  }

  write(relative: string, content: string | Buffer): string {
    const file = this.path(relative);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, content);
    return file;
  }

  writeCode(name: string, file: string | CodeFile): void {
    const { content, mode } = typeof file === "string" ? { content: file, mode: undefined } : file;
    const path = this.write(join("code", name), content);
    if (mode !== undefined) chmodSync(path, mode);
  }

  read(relative: string): string | undefined {
    const file = this.path(relative);
    return existsSync(file) ? readFileSync(file, "utf8") : undefined;
  }

  get failure(): string | undefined {
    return this.read("output/failure");
  }

  get success(): string | undefined {
    return this.read("output/success");
  }

  /** Start the runner on this job. */
  start(env: Record<string, string | undefined> = {}): RunnerProcess {
    return new RunnerProcess(this.base, env);
  }

  /** Run the runner to the end. */
  run(env: Record<string, string | undefined> = {}): Promise<RunnerExit> {
    return this.start(env).exit;
  }

  remove(): void {
    rmSync(this.base, { recursive: true, force: true });
  }
}

export interface RunnerExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Variables of the test's own environment that would change what a job does. */
const JOB_VARIABLES = /^(?:SM_|SAGEMAKER_|OPTML_|TRAINING_JOB_)/;

/** The environment the runner gets: the test's, without job variables, plus the base dir. */
export function runnerEnv(base: string, extra: Record<string, string | undefined> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !JOB_VARIABLES.test(k)) env[k] = v;
  env.SAGEMAKER_BASE_DIR = base;
  for (const [k, v] of Object.entries(extra)) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  return env;
}

export class RunnerProcess {
  readonly child: ChildProcess;
  readonly exit: Promise<RunnerExit>;
  readonly env: Record<string, string>;
  #stdout = "";
  #stderr = "";
  #waiters: { pattern: RegExp; resolve: () => void }[] = [];

  constructor(base: string, extra: Record<string, string | undefined>) {
    this.env = runnerEnv(base, extra);
    this.child = spawn(process.execPath, [RUNNER_MAIN], { env: this.env, stdio: ["ignore", "pipe", "pipe"] });
    this.child.stdout!.setEncoding("utf8").on("data", (s: string) => {
      this.#stdout += s;
      this.#check();
    });
    this.child.stderr!.setEncoding("utf8").on("data", (s: string) => {
      this.#stderr += s;
      this.#check();
    });
    this.exit = new Promise((resolve) =>
      this.child.once("close", (code, signal) => resolve({ code, signal, stdout: this.#stdout, stderr: this.#stderr })),
    );
  }

  /** Resolves when stdout + stderr so far match the pattern. */
  waitFor(pattern: RegExp): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#waiters.push({ pattern, resolve });
      this.#check();
      void this.exit.then((e) => reject(new Error(`runner exited (${e.code}) before ${pattern}:\n${e.stdout}\n${e.stderr}`)));
    });
  }

  #check(): void {
    const all = this.#stdout + this.#stderr;
    this.#waiters = this.#waiters.filter((w) => {
      if (!w.pattern.test(all)) return true;
      w.resolve();
      return false;
    });
  }
}

/** Whether a process with this pid is running (a zombie waiting to be reaped is not). */
export function processRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
  try {
    return parseProcStat(readFileSync(`/proc/${pid}/stat`, "utf8"))?.state !== "Z";
  } catch {
    return false;
  }
}
