/**
 * The `train` runner, start to finish: read the contract, fetch the code, install its
 * dependencies, wait for the other hosts, run the user program, and report the result in
 * `output/success` or `output/failure` and the exit code.
 */
import { existsSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import {
  baseDirFromEnv,
  checkTrainStart,
  computeContract,
  contractPaths,
  decodeHyperparameters,
  detectHostFacts,
  pyStr,
  readConfigFiles,
  type HostFacts,
  type ProcessEnv,
} from "@optml/contract";
import { acquireCode } from "./code.js";
import { installDependencies } from "./dependency-installs.js";
import { planArgv } from "./entry-point.js";
import { RunnerError } from "./errors.js";
import { frameworkErrorReport, normalisedExitCode, processFailureReport, processFailureSummary, stoppedEarly, stoppedReport, type ProcessFailure } from "./failure.js";
import { launch } from "./launch.js";
import { prepareLaunch } from "./launchers/index.js";
import { streamLog, type Log } from "./log.js";
import type { ByteSink } from "./output-stream.js";
import { prepareProgram } from "./program.js";
import { probePython, pythonLogLine, type PythonFacts } from "./python-interpreter.js";
import { writeFailureFile, writeSuccessFile } from "./result-files.js";
import { runnerSettings } from "./settings.js";
import { commandLine } from "./shell-quote.js";
import { StopRequests } from "./stop.js";
import { platformValue, userEnvironment } from "./user-environment.js";

export interface RunTrainingOptions {
  /** The runner's environment (SAGEMAKER_BASE_DIR, OPTML_*, AWS_*); default process.env. */
  readonly env?: ProcessEnv;
  /**
   * Where the user program's stdout and stderr go; default this process's (stdout handed to the
   * program as is; stderr passed through, its tail kept for the failure file).
   */
  readonly stdout?: ByteSink;
  readonly stderr?: ByteSink;
  /** The runner's own log lines; default stderr, prefixed `[optml-train] `. */
  readonly log?: Log;
  /** Aborting stops the run as SIGTERM does (the reason may name another signal, e.g. "SIGINT"). */
  readonly signal?: AbortSignal;
  /** Treat SIGTERM and SIGINT sent to this process as stop requests (the `train` executable does). */
  readonly handleProcessSignals?: boolean;
  /** The machine's facts for SM_NUM_CPUS etc.; default detected. */
  readonly hostFacts?: HostFacts;
}

/** How a run ended. */
export type TrainingOutcome =
  | { readonly status: "Completed" }
  /** `summary`: what the log says instead of the report, when the report repeats what the log just showed. */
  | { readonly status: "Failed"; readonly report: string; readonly summary?: string }
  | { readonly status: "Stopped"; readonly signal: NodeJS.Signals; readonly report: string };

/** The runner's exit code for an outcome: 0, 1, or 128 + the signal number for a stop. */
export function exitCodeFor(outcome: TrainingOutcome): number {
  if (outcome.status === "Completed") return 0;
  if (outcome.status === "Failed") return 1;
  return normalisedExitCode(null, outcome.signal);
}

/** Run the job in the environment's base dir; resolves to the runner's exit code. */
export async function runTraining(options: RunTrainingOptions = {}): Promise<number> {
  const env = options.env ?? process.env;
  const log = options.log ?? streamLog(process.stderr);
  const paths = contractPaths(baseDirFromEnv(env));
  const stop = new StopRequests();
  const detach = connectStopSources(stop, options);
  let outcome: TrainingOutcome;
  try {
    outcome = await train({ ...options, env, log }, paths.base, stop);
  } catch (e) {
    // A stop abandons downloads and waits by throwing: it is a stop, not an error.
    outcome = stop.signal !== undefined ? stoppedEarly(stop.signal) : { status: "Failed", report: frameworkErrorReport(describeError(e)) };
  } finally {
    detach();
  }
  try {
    if (outcome.status === "Completed") {
      await writeSuccessFile(paths);
      log("training succeeded: wrote " + paths.successFile);
    } else {
      const summary = outcome.status === "Failed" ? outcome.summary : undefined;
      log(summary === undefined ? `training ${outcome.status === "Failed" ? "failed" : "stopped"}:\n${outcome.report}` : `training failed: ${summary}`);
      if (await writeFailureFile(paths, outcome.report, log)) log(`wrote ${paths.failureFile} (the job's failure reason)`);
    }
  } catch (e) {
    log(`cannot write the result file in ${paths.output}: ${(e as Error).message}`);
    return outcome.status === "Completed" ? 1 : exitCodeFor(outcome);
  }
  return exitCodeFor(outcome);
}

function definedOnly(env: ProcessEnv): Record<string, string> {
  return Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined));
}

function describeError(e: unknown): string {
  if (e instanceof RunnerError || (e instanceof Error && e.name === "ContractError")) return e.message;
  if (e instanceof Error) return e.stack ?? `${e.name}: ${e.message}`;
  return String(e);
}

/**
 * The executor's stop marker (OPTML_STOP_FILE): a stop asked for while this process was still
 * being started (its SIGTERM went to a shell that ignored it) is found here once the handlers are in.
 */
export const STOP_FILE_VARIABLE = "OPTML_STOP_FILE";

function connectStopSources(stop: StopRequests, options: RunTrainingOptions): () => void {
  const undo: (() => void)[] = [];
  if (options.handleProcessSignals) {
    for (const name of ["SIGTERM", "SIGINT"] as const) {
      const handler = () => stop.request(name);
      process.on(name, handler);
      undo.push(() => process.off(name, handler));
    }
    const stopFile = (options.env ?? process.env)[STOP_FILE_VARIABLE];
    if (stopFile && existsSync(stopFile)) stop.request("SIGTERM");
  }
  const abort = options.signal;
  if (abort !== undefined) {
    const onAbort = () => stop.request(abort.reason === "SIGINT" ? "SIGINT" : "SIGTERM");
    if (abort.aborted) onAbort();
    else {
      abort.addEventListener("abort", onAbort, { once: true });
      undo.push(() => abort.removeEventListener("abort", onAbort));
    }
  }
  return () => undo.forEach((f) => f());
}

interface TrainContext extends RunTrainingOptions {
  readonly env: ProcessEnv;
  readonly log: Log;
}

async function train(ctx: TrainContext, baseDir: string, stop: StopRequests): Promise<TrainingOutcome> {
  const { env, log } = ctx;
  const paths = contractPaths(baseDir);
  const settings = runnerSettings(env);
  const config = readConfigFiles(baseDir);
  const contract = computeContract(config, { baseDir, env, host: ctx.hostFacts ?? detectHostFacts(env) });
  // What SageMaker's toolkit fails on once the environment is computed fails here too, named.
  checkTrainStart(contract, config.fileNames);
  const te = contract.trainingEnvironment;
  const hyperparameters = decodeHyperparameters(config.hyperparameters);
  // The job's Python, named in the log before anything runs in it.
  let pythonFacts: Promise<PythonFacts> | undefined;
  const python = () =>
    (pythonFacts ??= probePython(settings.python, definedOnly(env)).then((facts) => {
      log(pythonLogLine(facts));
      return facts;
    }));
  const entryPoint = te.userEntryPoint === null ? "" : pyStr(te.userEntryPoint);
  if (te.frameworkModule === null && entryPoint.endsWith(".py")) await python();

  await Promise.all([paths.model, paths.outputData, paths.outputIntermediate].map((dir) => mkdir(dir, { recursive: true })));
  await acquireCode({
    submitDirectory: platformValue(hyperparameters, "sagemaker_submit_directory"),
    codeDir: paths.code,
    env,
    region: platformValue(hyperparameters, "sagemaker_region"),
    log,
    signal: stop.abortSignal,
  });
  const launchOptions = {
    cwd: paths.code,
    stdout: ctx.stdout ?? ("inherit" as const),
    stderr: ctx.stderr ?? process.stderr,
    stop,
    graceSeconds: settings.stopGraceSeconds,
    log,
  };

  const installEnv = definedOnly(env);
  const installed = await installDependencies({
    codeDir: paths.code,
    packagePrefix: join(baseDir, ".optml", "python-packages"),
    settings,
    env: installEnv,
    log,
    launch: launchOptions,
    stdout: ctx.stdout ?? process.stdout,
    python,
  });
  if ("failed" in installed) return installed.failed;

  if (te.hosts.length > 1) {
    const { waitForHosts } = await import("./wait-for-hosts.js");
    await waitForHosts(te.hosts, { timeoutSeconds: settings.hostWaitSeconds, log, signal: stop.abortSignal });
  }

  const interpreters = {
    python: installed.python,
    node: settings.node,
    // Looked up on first use, as settings does: only TypeScript entry points need it.
    get typescriptLoader() {
      return settings.typescriptLoader;
    },
  };
  const plan = await prepareProgram({ trainingEnvironment: te, cmdArgs: contract.cmdArgs, codeDir: paths.code, interpreters });
  if (plan.command === installed.python) await python();
  const programEnv = userEnvironment({
    processEnv: { ...env, ...installed.environment },
    packageDirs: installed.pythonPath,
    contractVars: contract.envVars,
    currentHost: te.currentHost,
    hyperparameters,
    codeDir: paths.code,
  });
  const prepared = await prepareLaunch({
    trainingEnvironment: te,
    hyperparameters,
    program: plan,
    programEnv,
    contractVariables: Object.keys(contract.envVars),
    env,
    hostWaitSeconds: settings.hostWaitSeconds,
    log,
    signal: stop.abortSignal,
  });
  const argv = planArgv(prepared.plan);
  if (stop.signal !== undefined) return stoppedEarly(stop.signal);
  log(`invoking the user program (${plan.kind}${prepared.launcher === "process" ? "" : `, launcher ${prepared.launcher}`}) in ${paths.code}:\n${commandLine(argv)}`);
  const result = await launch(prepared.plan.command, prepared.plan.args, { ...launchOptions, env: prepared.env }).finally(
    () => prepared.finish?.(),
  );
  const { exitCode, signal, stderrTail: stderr } = result;
  if (result.stopped) {
    const killed = result.stopped.killed ? { killedAfterSeconds: settings.stopGraceSeconds } : {};
    return {
      status: "Stopped",
      signal: result.stopped.signal,
      report: stoppedReport({ signal: result.stopped.signal, program: { exitCode, command: argv, ...killed } }),
    };
  }
  if (exitCode === 0) return { status: "Completed" };
  return processFailed({ errorClass: "ExecuteUserScriptError", exitCode, signal, stderr, command: argv });
}

function processFailed(failure: ProcessFailure): TrainingOutcome {
  return { status: "Failed", report: processFailureReport(failure), summary: processFailureSummary(failure) };
}
