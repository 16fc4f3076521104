/**
 * The runner's own settings, all from `OPTML_*` environment variables (documented in README.md):
 * which Python, Node and npm run the user's code, which loader runs TypeScript, how long a stopped
 * program gets before SIGKILL, how long a multi-host job waits for its hosts to resolve, and where
 * Python dependencies go.
 */
import { accessSync, constants } from "node:fs";
import { createRequire } from "node:module";
import { delimiter, isAbsolute, join } from "node:path";
import type { ProcessEnv } from "@optml/contract";
import { settingInvalid } from "./errors.js";

export interface RunnerSettings {
  /** `OPTML_PYTHON`, default `python3`, resolved on PATH. */
  readonly python: string;
  /** `OPTML_NODE`, default the Node running the runner. */
  readonly node: string;
  /** `OPTML_NPM`, default `npm`, resolved on PATH. */
  readonly npm: string;
  /** `OPTML_TS_LOADER`: what `node --import` loads for TypeScript; default tsx. Undefined when none is found. */
  readonly typescriptLoader: string | undefined;
  /** `OPTML_STOP_GRACE_SECONDS`, default 120. */
  readonly stopGraceSeconds: number;
  /** `OPTML_HOST_WAIT_SECONDS`, default 900. */
  readonly hostWaitSeconds: number;
  /**
   * `OPTML_VENVS`: the dir of the virtual environments Python dependencies go into (the control
   * plane sets it); unset, they go into the job's Python itself, as the reference does in an image.
   */
  readonly venvs: string | undefined;
}

export const DEFAULT_STOP_GRACE_SECONDS = 120;
export const DEFAULT_HOST_WAIT_SECONDS = 900;

export interface SettingDefaults {
  readonly node: string;
  readonly typescriptLoader: () => string | undefined;
}

/** The settings from an environment. Throws a RunnerError naming a malformed variable. */
export function runnerSettings(env: ProcessEnv, defaults: SettingDefaults = machineDefaults()): RunnerSettings {
  const path = env.PATH;
  const stopGraceSeconds = seconds(env, "OPTML_STOP_GRACE_SECONDS", DEFAULT_STOP_GRACE_SECONDS);
  const hostWaitSeconds = seconds(env, "OPTML_HOST_WAIT_SECONDS", DEFAULT_HOST_WAIT_SECONDS);
  let loader: { value: string | undefined } | undefined;
  return {
    python: findExecutable(nonEmpty(env.OPTML_PYTHON) ?? "python3", path),
    node: nonEmpty(env.OPTML_NODE) ?? defaults.node,
    npm: findExecutable(nonEmpty(env.OPTML_NPM) ?? "npm", path),
    // Looked up on first use: only TypeScript entry points need it.
    get typescriptLoader() {
      loader ??= { value: nonEmpty(env.OPTML_TS_LOADER) ?? defaults.typescriptLoader() };
      return loader.value;
    },
    stopGraceSeconds,
    hostWaitSeconds,
    venvs: absolutePath(env, "OPTML_VENVS"),
  };
}

function absolutePath(env: ProcessEnv, name: string): string | undefined {
  const value = nonEmpty(env[name]);
  if (value !== undefined && !isAbsolute(value)) throw settingInvalid(name, "an absolute path", value);
  return value;
}

/** This Node, and tsx's ESM loader as installed next to the runner. */
export function machineDefaults(): SettingDefaults {
  return {
    node: process.execPath,
    typescriptLoader: () => {
      try {
        return createRequire(import.meta.url).resolve("tsx");
      } catch {
        return undefined;
      }
    },
  };
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === "" ? undefined : value;
}

function seconds(env: ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw.trim() === "") return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0) throw settingInvalid(name, "a number of seconds (0 or more)", raw);
  return value;
}

/**
 * A command name as the absolute path PATH gives it (as a shell would find it), so that logs and
 * failure files name the program that ran; the name itself when it holds a `/` or is not found.
 */
export function findExecutable(name: string, path: string | undefined): string {
  if (name.includes("/") || isAbsolute(name)) return name;
  for (const dir of (path ?? "").split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return name;
}
