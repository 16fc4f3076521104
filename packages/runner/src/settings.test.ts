import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { RunnerError } from "./errors.js";
import { findExecutable, runnerSettings } from "./settings.js";

const defaults = { node: "/opt/node/bin/node", typescriptLoader: () => "/opt/tsx/loader.mjs" };

describe("runnerSettings", () => {
  it("has the documented defaults", () => {
    const s = runnerSettings({ PATH: "" }, defaults);
    expect(s).toEqual({
      python: "python3",
      node: "/opt/node/bin/node",
      npm: "npm",
      typescriptLoader: "/opt/tsx/loader.mjs",
      stopGraceSeconds: 120,
      hostWaitSeconds: 900,
      venvs: undefined,
    });
    expect("venvs" in s).toBe(true);
  });

  it("takes every OPTML_* override", () => {
    const s = runnerSettings(
      {
        PATH: "",
        OPTML_PYTHON: "/venv/bin/python",
        OPTML_NODE: "/usr/local/bin/node",
        OPTML_NPM: "/usr/local/bin/npm",
        OPTML_TS_LOADER: "ts-node/esm",
        OPTML_STOP_GRACE_SECONDS: "2.5",
        OPTML_HOST_WAIT_SECONDS: "0",
        OPTML_VENVS: "/home/u/.optml/venvs",
      },
      defaults,
    );
    expect(s).toEqual({
      python: "/venv/bin/python",
      node: "/usr/local/bin/node",
      npm: "/usr/local/bin/npm",
      typescriptLoader: "ts-node/esm",
      stopGraceSeconds: 2.5,
      hostWaitSeconds: 0,
      venvs: "/home/u/.optml/venvs",
    });
  });

  it("refuses a malformed number, naming the variable", () => {
    expect(() => runnerSettings({ OPTML_STOP_GRACE_SECONDS: "soon" }, defaults)).toThrow(RunnerError);
    expect(() => runnerSettings({ OPTML_HOST_WAIT_SECONDS: "-1" }, defaults)).toThrow(
      'environment variable OPTML_HOST_WAIT_SECONDS must be a number of seconds (0 or more), found "-1"',
    );
    expect(() => runnerSettings({ OPTML_VENVS: "venvs" }, defaults)).toThrow('environment variable OPTML_VENVS must be an absolute path, found "venvs"');
  });
});

describe("findExecutable", () => {
  let dir: string | undefined;
  afterEach(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("finds an executable on PATH and leaves paths and unknown names alone", () => {
    dir = mkdtempSync(join(tmpdir(), "optml-settings-"));
    const tool = join(dir, "tool");
    writeFileSync(tool, "#!/bin/sh\n");
    chmodSync(tool, 0o755);
    writeFileSync(join(dir, "plain"), "");
    expect(findExecutable("tool", `/nonexistent:${dir}`)).toBe(tool);
    expect(findExecutable("plain", dir)).toBe("plain");
    expect(findExecutable("./tool", dir)).toBe("./tool");
    expect(findExecutable("missing", dir)).toBe("missing");
  });
});
