/**
 * Dependencies installed before launch, their output streamed: requirements.txt and setup.py
 * packages with pip, package.json with npm (install, then ci once there is a lock file). All
 * offline: local packages only, pip installing into a temporary user base. Without OPTML_VENVS
 * (the runner standalone in an image), pip installs into the job's Python, as the reference; the
 * virtual environments of OPTML_VENVS are tested in requirements-venv.test.ts.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { TestJob } from "./job.js";
import { localPythonPackage, offlinePipEnv } from "./python-package.js";

const cleanups: (() => void)[] = [];
afterEach(() => {
  while (cleanups.length) cleanups.pop()!();
});

function scratch(): string {
  const dir = mkdtempSync(join(tmpdir(), "optml-runner-deps-"));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function job(program: string, code: Record<string, string>) {
  const j = new TestJob({ hyperparameters: { sagemaker_program: JSON.stringify(program) }, code });
  cleanups.push(() => j.remove());
  return j;
}

describe("Python dependencies", () => {
  it("installs requirements.txt with pip before running the program", async () => {
    const j = job("train.py", {
      "requirements.txt": "# local only\n./localpkg\n",
      ...localPythonPackage("localpkg", "optml_reqpkg", "installed from requirements.txt"),
      "train.py": "import optml_reqpkg, importlib.metadata as m\nprint(optml_reqpkg.VALUE, m.version('optml_reqpkg'))\n",
    });
    const exit = await j.run(offlinePipEnv(scratch()));
    expect(exit.stderr).toMatch(/^\[optml-train\] python: \S*python3 3\.\d+\.\d+\n/);
    expect(exit.stderr).toMatch(/\[optml-train\] installing dependencies: \S*python3 -m pip install --retries 1 --timeout 5 -r requirements\.txt\n/);
    expect(exit.stdout).toContain("Successfully installed optml_reqpkg-1.0");
    expect(exit.code).toBe(0);
    expect(exit.stdout.endsWith("installed from requirements.txt 1.0\n")).toBe(true);
  });

  it("installs a setup.py package and runs the entry point as a module", async () => {
    const j = job("train.py", {
      "setup.py": "raise SystemExit('not used: pyproject.toml names the build backend')\n",
      ...localPythonPackage("", "optml_setuppkg", "unused"),
      "train.py": "import sys, importlib.metadata as m\nprint(__name__, m.version('optml_setuppkg'), sys.argv[1:])\n",
    });
    j.write("input/config/hyperparameters.json", JSON.stringify({ sagemaker_program: '"train.py"', epochs: "3" }));
    const exit = await j.run(offlinePipEnv(scratch()));
    expect(exit.stderr).toMatch(/installing dependencies: \S*python3 -m pip install --retries 1 --timeout 5 \.\n/);
    expect(exit.stderr).toMatch(/invoking the user program \(python-package\).*\n.*\S*python3 -m train --epochs 3\n/);
    expect(exit.code).toBe(0);
    expect(exit.stdout.endsWith("__main__ 1.0 ['--epochs', '3']\n")).toBe(true);
  });

  it("reports a failed install as InstallRequirementsError and does not run the program", async () => {
    const j = job("train.py", { "requirements.txt": "./no-such-package\n", "train.py": "open('ran', 'w')\n" });
    const exit = await j.run(offlinePipEnv(scratch()));
    expect(exit.code).toBe(1);
    expect(j.read("code/ran")).toBeUndefined();
    expect(j.failure).toMatch(
      /^InstallRequirementsError:\nExitCode 1\nErrorMessage "\ncould not install requirements\.txt: [^"]*no-such-package[^"]*"\nCommand "\S*python3 -m pip install --retries 1 --timeout 5 -r requirements\.txt"$/,
    );
  });
});

describe("Node dependencies", () => {
  const code = {
    "package.json": JSON.stringify({ name: "job", version: "1.0.0", private: true, type: "module", dependencies: { localdep: "file:./localdep" } }),
    "localdep/package.json": JSON.stringify({ name: "localdep", version: "1.0.0", main: "index.js" }),
    "localdep/index.js": "module.exports = { greet: () => 'hello from localdep' };\n",
    "train.mjs": "import dep from 'localdep';\nconsole.log(dep.greet());\n",
  };

  it("runs npm install without a lock file, then npm ci with the lock file it wrote", async () => {
    const npmEnv = { npm_config_cache: scratch(), npm_config_offline: "true", npm_config_update_notifier: "false" };
    const first = job("train.mjs", code);
    const installed = await first.run(npmEnv);
    expect(installed.stderr).toMatch(/installing dependencies: \S*npm install --no-audit --no-fund\n/);
    expect(installed.code).toBe(0);
    expect(installed.stdout.endsWith("hello from localdep\n")).toBe(true);

    const lock = readFileSync(first.path("code/package-lock.json"), "utf8");
    const second = job("train.mjs", { ...code, "package-lock.json": lock });
    const ci = await second.run(npmEnv);
    expect(ci.stderr).toMatch(/installing dependencies: \S*npm ci --no-audit --no-fund\n/);
    expect(ci.code).toBe(0);
    expect(ci.stdout.endsWith("hello from localdep\n")).toBe(true);
  });
});
