import { describe, expect, it } from "vitest";
import { declaresDependencies, pipNetworkOptions, planInstalls, type DependencyFacts } from "./dependencies.js";

const none: DependencyFacts = { setupPy: false, requirementsTxt: false, packageJsonDependencies: false, npmLockFile: false };
const tools = { python: "/usr/bin/python3", npm: "/usr/bin/npm", env: {} };
const PIP = ["-m", "pip", "install", "--retries", "1", "--timeout", "5"];

describe("planInstalls", () => {
  it("installs nothing without dependency files", () => {
    expect(planInstalls(none, tools)).toEqual([]);
  });

  it("installs requirements.txt with pip, failing fast when no index answers", () => {
    expect(planInstalls({ ...none, requirementsTxt: true }, tools)).toEqual([
      { errorClass: "InstallRequirementsError", command: "/usr/bin/python3", args: [...PIP, "-r", "requirements.txt"], pip: "requirements.txt" },
    ]);
  });

  it("leaves pip's retries and timeout to a job that sets PIP_RETRIES / PIP_TIMEOUT", () => {
    expect(pipNetworkOptions({ PIP_RETRIES: "5" })).toEqual(["--timeout", "5"]);
    expect(pipNetworkOptions({ PIP_TIMEOUT: "60" })).toEqual(["--retries", "1"]);
  });

  it("installs a setup.py package with its requirements in one pip run, as the reference", () => {
    expect(planInstalls({ ...none, setupPy: true, requirementsTxt: true }, tools)).toEqual([
      { errorClass: "InstallModuleError", command: "/usr/bin/python3", args: [...PIP, ".", "-r", "requirements.txt"], pip: "the package in the code dir and requirements.txt" },
    ]);
    expect(planInstalls({ ...none, setupPy: true }, tools)[0]!.args).toEqual([...PIP, "."]);
  });

  it("with requirements.txt in a virtual environment, installs only a setup.py package, under the job's own prefix", () => {
    const venv = { ...tools, python: "/venvs/k/bin/python", packagePrefix: "/job/.optml/python-packages" };
    expect(planInstalls({ ...none, requirementsTxt: true }, venv)).toEqual([]);
    expect(planInstalls({ ...none, setupPy: true, requirementsTxt: true }, venv)).toEqual([
      { errorClass: "InstallModuleError", command: "/venvs/k/bin/python", args: [...PIP, "--prefix", "/job/.optml/python-packages", "."], pip: "the package in the code dir" },
    ]);
  });

  it("uses npm ci with a lock file and npm install without", () => {
    expect(planInstalls({ ...none, packageJsonDependencies: true, npmLockFile: true }, tools)).toEqual([
      { errorClass: "InstallNodeModulesError", command: "/usr/bin/npm", args: ["ci", "--no-audit", "--no-fund"] },
    ]);
    expect(planInstalls({ ...none, packageJsonDependencies: true }, tools)[0]!.args[0]).toBe("install");
    expect(planInstalls({ ...none, npmLockFile: true }, tools)).toEqual([]);
  });
});

describe("declaresDependencies", () => {
  it("looks at every dependency field", () => {
    expect(declaresDependencies('{"name":"x"}')).toBe(false);
    expect(declaresDependencies('{"dependencies":{}}')).toBe(false);
    expect(declaresDependencies('{"dependencies":{"a":"1"}}')).toBe(true);
    expect(declaresDependencies('{"devDependencies":{"tsx":"4"}}')).toBe(true);
    expect(declaresDependencies("not json")).toBe(false);
  });
});
