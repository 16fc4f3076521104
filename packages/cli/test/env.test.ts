import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { optml } from "./run-optml.js";

const vector = JSON.parse(
  readFileSync(join(import.meta.dirname, "../../contract/test/vectors/script-mode-basic.json"), "utf8"),
) as { env: Record<string, string>; files: Record<string, string>; expected: { env_vars: Record<string, string>; cmd_args: string[] } };

const root = mkdtempSync(join(tmpdir(), "optml-cli-env-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function baseDirWith(files: Record<string, string>): string {
  const base = mkdtempSync(join(root, "base-"));
  mkdirSync(join(base, "input", "config"), { recursive: true });
  for (const [name, text] of Object.entries(files)) writeFileSync(join(base, "input", "config", name), text);
  return base;
}

const pinned = ["--cpus", "8", "--gpus", "1", "--neurons", "0"];

describe("optml env", () => {
  it("prints the reference vector's variables as sorted NAME=value lines", () => {
    const base = baseDirWith(vector.files);
    const r = optml(["env", "--base-dir", base, ...pinned], vector.env);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const expected = Object.entries(vector.expected.env_vars)
      .map(([k, v]) => [k, v.split("/opt/ml").join(base)] as const)
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([k, v]) => `${k}=${v}\n`)
      .join("");
    expect(r.stdout).toBe(expected);
  });

  it("prints env_vars and cmd_args with --json, reading SAGEMAKER_BASE_DIR when no flag is given", () => {
    const base = baseDirWith(vector.files);
    const r = optml(["env", "--json", ...pinned], { ...vector.env, SAGEMAKER_BASE_DIR: base });
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as { env_vars: Record<string, string>; cmd_args: string[] };
    expect(out.cmd_args).toEqual(vector.expected.cmd_args);
    expect(out.env_vars.SM_HPS).toBe(vector.expected.env_vars.SM_HPS);
    expect(out.env_vars.SM_MODEL_DIR).toBe(join(base, "model"));
  });

  it("reads SAGEMAKER_PROGRAM, SAGEMAKER_TRAINING_MODULE and SM_HP_MP_PARAMETERS from its environment", () => {
    const base = baseDirWith(vector.files);
    const r = optml(["env", "--json", "--base-dir", base, ...pinned], {
      SAGEMAKER_PROGRAM: "entry.py",
      SAGEMAKER_TRAINING_MODULE: "pkg.mod:main",
      SM_HP_MP_PARAMETERS: '{"x": 1}',
    });
    const vars = (JSON.parse(r.stdout) as { env_vars: Record<string, string> }).env_vars;
    expect([vars.SM_MODULE_NAME, vars.SM_FRAMEWORK_MODULE]).toEqual(["entry", "pkg.mod:main"]);
    expect(JSON.parse(vars.SM_TRAINING_ENV!).is_modelparallel_enabled).toBe(true);
  });

  it("detects host facts when not pinned", () => {
    const base = baseDirWith(vector.files);
    const r = optml(["env", "--json", "--base-dir", base]);
    const vars = (JSON.parse(r.stdout) as { env_vars: Record<string, string> }).env_vars;
    expect(Number(vars.SM_NUM_CPUS)).toBeGreaterThan(0);
    expect(vars.SM_NUM_GPUS).toMatch(/^\d+$/);
  });

  it("names a missing file in one line, with no stack trace", () => {
    const base = baseDirWith({ "hyperparameters.json": "{}", "resourceconfig.json": vector.files["resourceconfig.json"]! });
    const r = optml(["env", "--base-dir", base, ...pinned]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(/^optml: .*inputdataconfig\.json: file not found/);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).not.toMatch(/\s+at /);
  });

  it("names malformed JSON and bad fields", () => {
    const broken = baseDirWith({ ...vector.files, "resourceconfig.json": '{"current_host": "algo-1",' });
    expect(optml(["env", "--base-dir", broken, ...pinned]).stderr).toMatch(
      /resourceconfig\.json: not valid JSON: Expecting property name enclosed in double quotes: line 1 column 27 \(char 26\)\n$/,
    );
    const stranger = baseDirWith({ ...vector.files, "resourceconfig.json": '{"current_host": "algo-7", "hosts": ["algo-1"]}' });
    const r = optml(["env", "--base-dir", stranger, ...pinned]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`field "current_host" names "algo-7", which is not among hosts ['algo-1']`);
  });

  it("refuses unknown flags and bad numbers with usage", () => {
    const r = optml(["env", "--bogus"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("unknown option '--bogus'");
    expect(r.stderr).toContain("Usage: optml env");
    const bad = optml(["env", "--cpus", "two"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("--cpus takes a whole number >= 0, got 'two'");
  });

  it("shows help with an example", () => {
    const r = optml(["env", "--help"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("Examples:");
    expect(r.stdout).toContain("--base-dir <dir>");
  });
});
