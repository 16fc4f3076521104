/**
 * Installing the code's dependencies before launch (the plan is dependencies.ts's): each step
 * run like the program (output streamed, stop signals honoured), Python's into a shared virtual
 * environment when OPTML_VENVS is set (requirements-venv.ts), and a failed pip run reported as one
 * message naming what could not be installed and where pip looked (pip-output.ts).
 */
import { execFile } from "node:child_process";
import { readFile } from "node:fs/promises";
import { delimiter, join } from "node:path";
import { promisify } from "node:util";
import { planInstalls, readDependencyFacts, type InstallStep } from "./dependencies.js";
import { processFailureReport, processFailureSummary, stoppedEarly } from "./failure.js";
import { launch, type LaunchOptions } from "./launch.js";
import type { Log } from "./log.js";
import type { ByteSink } from "./output-stream.js";
import { isPipSummaryLine, pipFailureMessage } from "./pip-output.js";
import type { PythonFacts } from "./python-interpreter.js";
import { requirementsVenv } from "./requirements-venv.js";
import type { TrainingOutcome } from "./run.js";
import type { RunnerSettings } from "./settings.js";
import { commandLine } from "./shell-quote.js";

const run = promisify(execFile);

export interface InstallContext {
  readonly codeDir: string;
  /** Where a setup.py package goes for this job alone (under OPTML_VENVS). */
  readonly packagePrefix: string;
  readonly settings: RunnerSettings;
  readonly env: Readonly<Record<string, string>>;
  readonly log: Log;
  /** How steps run: cwd, stderr, stop, grace; stdout is the program's sink or this process's. */
  readonly launch: Omit<LaunchOptions, "env">;
  readonly stdout: ByteSink;
  /** The job's Python, probed (and named in the log) on first use. */
  readonly python: () => Promise<PythonFacts>;
}

export interface InstalledDependencies {
  /** The Python the program runs: the virtual environment's when there is one, else the job's. */
  readonly python: string;
  /** Variables the program gets on top of the runner's (PATH, VIRTUAL_ENV). */
  readonly environment: Readonly<Record<string, string>>;
  /** Dirs that go on PYTHONPATH after the code dir (a setup.py package installed for this job). */
  readonly pythonPath: readonly string[];
}

export async function installDependencies(c: InstallContext): Promise<InstalledDependencies | { readonly failed: TrainingOutcome }> {
  const facts = await readDependencyFacts(c.codeDir);
  const runStep = (step: InstallStep) => runInstallStep(step, c);
  let python = c.settings.python;
  let environment: Record<string, string> = {};
  const venvs = c.settings.venvs;
  const usesPip = facts.requirementsTxt || facts.setupPy;
  if (usesPip) await c.python();
  if (venvs !== undefined && usesPip) {
    const requirements = facts.requirementsTxt ? await readFile(join(c.codeDir, "requirements.txt")) : undefined;
    const venv = await requirementsVenv({ python: await c.python(), venvsDir: venvs, requirements, env: c.env, log: c.log, runStep });
    if ("failed" in venv) return venv;
    python = venv.python;
    const bin = join(venv.dir, "bin");
    environment = { PATH: c.env.PATH ? `${bin}${delimiter}${c.env.PATH}` : bin, VIRTUAL_ENV: venv.dir };
  }
  const packagePrefix = venvs !== undefined ? c.packagePrefix : undefined;
  for (const step of planInstalls(facts, { python, npm: c.settings.npm, env: c.env, ...(packagePrefix ? { packagePrefix } : {}) })) {
    const failed = await runStep(step);
    if (failed !== undefined) return { failed };
  }
  if (packagePrefix === undefined || !facts.setupPy) return { python, environment, pythonPath: [] };
  const dirs = await prefixDirs(python, packagePrefix, c.env);
  const path = environment.PATH ?? c.env.PATH;
  return { python, environment: { ...environment, PATH: path ? `${dirs.scripts}${delimiter}${path}` : dirs.scripts }, pythonPath: dirs.libraries };
}

/** Where `pip install --prefix` puts libraries and scripts, as the interpreter's install scheme says. */
async function prefixDirs(python: string, prefix: string, env: Readonly<Record<string, string>>): Promise<{ libraries: string[]; scripts: string }> {
  const script =
    "import json, sys, sysconfig; v = {'base': sys.argv[1], 'platbase': sys.argv[1]}; " +
    "print(json.dumps([sysconfig.get_path(n, vars=v) for n in ('purelib', 'platlib', 'scripts')]))";
  const { stdout } = await run(python, ["-c", script, prefix], { env, encoding: "utf8" });
  const [purelib, platlib, scripts] = JSON.parse(stdout.trim().split("\n").pop()!) as [string, string, string];
  return { libraries: [...new Set([purelib, platlib])], scripts };
}

async function runInstallStep(step: InstallStep, c: InstallContext): Promise<TrainingOutcome | undefined> {
  const stop = c.launch.stop;
  if (stop.signal !== undefined) return stoppedEarly(stop.signal);
  const argv = [step.command, ...step.args];
  c.log(`installing dependencies: ${commandLine(argv)}`);
  // pip names the index it looks in on stdout; the failure message needs it.
  const notes: string[] = [];
  const stdout: ByteSink = {
    write(chunk) {
      if (step.pip !== undefined) for (const line of Buffer.from(chunk).toString("utf8").split("\n")) if (isPipSummaryLine(line)) notes.push(line);
      return c.stdout.write(chunk);
    },
  };
  const result = await launch(step.command, step.args, { ...c.launch, stdout, env: c.env });
  if (result.stopped) return stoppedEarly(result.stopped.signal);
  if (result.exitCode === 0) return undefined;
  const { exitCode, signal, stderrTail: stderr } = result;
  const message = step.pip !== undefined ? pipFailureMessage([...notes, stderr].join("\n"), step.pip) : step.failureMessage?.(stderr);
  if (message !== undefined) c.log(message);
  const failure = { errorClass: step.errorClass, exitCode, signal, stderr, command: argv, ...(message !== undefined ? { message } : {}) };
  // pip's output is in the log just above: the log names the failure in a line, the report keeps it all.
  return { status: "Failed", report: processFailureReport(failure), summary: processFailureSummary(failure) };
}
