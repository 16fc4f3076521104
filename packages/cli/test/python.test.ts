/**
 * `optml run -- python which.py` runs the interpreter this shell resolves (a virtual environment's
 * when its bin is first on PATH), whether the job runs on an embedded control plane or on an
 * `optml serve` started with another PATH; `optml describe` shows it.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { rmSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { localPythonPackage } from "../../runner/test/python-package.js";
import { optml, startOptml, tempDir, tree } from "./run-optml.js";

const root = tempDir("optml-cli-python-");
afterAll(() => rmSync(root, { recursive: true, force: true }));
const venv = join(root, "venv");
execFileSync("python3", ["-m", "venv", "--system-site-packages", "--without-pip", venv]);
const version = execFileSync("python3", ["-c", "import sys; print(sys.version.split()[0])"], { encoding: "utf8" }).trim();
const proj = tree(join(root, "proj"), { "which.py": "import sys\nprint('executable', sys.executable)\nprint('prefix', sys.prefix)\n" });
/** This shell with the virtual environment active, as `source venv/bin/activate` leaves it. */
const activated = { PATH: `${join(venv, "bin")}:${process.env.PATH}`, VIRTUAL_ENV: venv };

function jobName(stdout: string): string {
  return /training job (which-[\d-]+) on/.exec(stdout)![1]!;
}

describe("the job's Python with a virtual environment active", () => {
  it("is the environment's python on an embedded control plane, and describe shows it", () => {
    const env = { OPTML_HOME: join(root, "embedded-home"), ...activated };
    const r = optml(["run", "--", "python", "which.py"], env, proj);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("on an embedded control plane");
    expect(r.stdout).toContain(`[algo-1] [optml-train] python: ${venv}/bin/python ${version}\n`);
    expect(r.stdout).toContain(`[algo-1] prefix ${venv}\n`);
    const described = optml(["describe", jobName(r.stdout)], env, proj);
    expect(described.code).toBe(0);
    expect(described.stdout).toMatch(new RegExp(`^Python: +${venv}/bin/python ${version.replaceAll(".", "\\.")}$`, "m"));
    const json = JSON.parse(optml(["describe", jobName(r.stdout), "--json"], env, proj).stdout) as { OptmlPython?: unknown };
    expect(json.OptmlPython).toEqual({ Path: `${venv}/bin/python`, Version: version });
  });

  it("is the environment's python on an optml serve whose PATH does not have it", async () => {
    const home = join(root, "served-home");
    const serve = startOptml(["serve", "--port", "0"], { OPTML_HOME: home, PATH: process.env.PATH });
    try {
      const endpoint = (await serve.waitFor(/^(http:\/\/127\.0\.0\.1:\d+)$/m))[1]!;
      const r = optml(["run", "--", "python", "which.py"], { OPTML_HOME: home, ...activated }, proj);
      expect(r.code).toBe(0);
      expect(r.stdout).toContain(`on the control plane at ${endpoint}`);
      expect(r.stdout).toContain(`[algo-1] prefix ${venv}\n`);
      // Without the environment's bin on PATH the same command runs the shell's python3.
      const plain = optml(["run", "--", "python3", "which.py"], { OPTML_HOME: home }, proj);
      expect(plain.code).toBe(0);
      expect(plain.stdout).not.toContain(`prefix ${venv}`);
    } finally {
      serve.child.kill("SIGTERM");
      await serve.exited;
    }
  });

  it("installs requirements.txt into a virtual environment under OPTML_HOME, reused by the next run, not into that python", () => {
    const home = join(root, "requirements-home");
    const code = tree(join(root, "with-requirements"), {
      "requirements.txt": "./localpkg\n",
      ...localPythonPackage("localpkg", "optml_clipkg", "installed"),
      "train.py": "import sys, optml_clipkg\nprint('prefix', sys.prefix)\nprint('value', optml_clipkg.VALUE)\n",
    });
    const env = { OPTML_HOME: home, ...activated, PIP_CONFIG_FILE: "/dev/null", PIP_NO_INDEX: "1", PIP_DISABLE_PIP_VERSION_CHECK: "1" };
    const first = optml(["run", "--", "python", "train.py"], env, code);
    expect(first.code).toBe(0);
    const prefix = /\[algo-1\] prefix (.+)\n/.exec(first.stdout)![1]!;
    expect(prefix.startsWith(join(home, "venvs") + "/")).toBe(true);
    expect(first.stdout).toContain("[algo-1] value installed\n");
    expect(first.stdout).toContain(`python environment: creating ${prefix} (requirements.txt sha256 `);
    const second = optml(["run", "--", "python", "train.py"], env, code);
    expect(second.code).toBe(0);
    expect(second.stdout).toContain(`python environment: reusing ${prefix} `);
    expect(second.stdout).toContain(`[algo-1] prefix ${prefix}\n`);
    // Neither the active environment's python nor the machine's has the package.
    for (const python of [join(venv, "bin", "python"), "python3"]) {
      expect(spawnSync(python, ["-c", "import optml_clipkg"]).status).not.toBe(0);
    }
  });

  it("optml serve --python refuses an interpreter that does not run, naming it", () => {
    const r = optml(["serve", "--port", "0", "--python", join(root, "nope", "python")], { OPTML_HOME: join(root, "refused-home") });
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`optml: ${join(root, "nope", "python")} (optml serve --python) does not exist: give --python the path of a Python interpreter\n`);
  });
});
