import { describe, expect, it } from "vitest";
import { declaresDependencies, planInstalls, type DependencyFacts } from "./dependencies.js";

const none: DependencyFacts = { setupPy: false, requirementsTxt: false, packageJsonDependencies: false, npmLockFile: false };
const tools = { python: "/usr/bin/python3", npm: "/usr/bin/npm" };

describe("planInstalls", () => {
  it("installs nothing without dependency files", () => {
    expect(planInstalls(none, tools)).toEqual([]);
  });

  it("installs requirements.txt with pip", () => {
    expect(planInstalls({ ...none, requirementsTxt: true }, tools)).toEqual([
      { errorClass: "InstallRequirementsError", command: "/usr/bin/python3", args: ["-m", "pip", "install", "-r", "requirements.txt"] },
    ]);
  });

  it("installs a setup.py package with its requirements in one pip run, as the reference", () => {
    expect(planInstalls({ ...none, setupPy: true, requirementsTxt: true }, tools)).toEqual([
      { errorClass: "InstallModuleError", command: "/usr/bin/python3", args: ["-m", "pip", "install", ".", "-r", "requirements.txt"] },
    ]);
    expect(planInstalls({ ...none, setupPy: true }, tools)[0]!.args).toEqual(["-m", "pip", "install", "."]);
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
