/**
 * OPTML_VENVS: requirements.txt goes into a virtual environment per (interpreter, requirements),
 * never into the machine's Python; later jobs reuse it; it sees the interpreter's own packages; a
 * setup.py package goes under the job's own prefix; an unreachable index fails fast, in one message.
 * Real `python3 -m venv` and pip, offline: local packages only, pip's configuration files ignored.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { lstatSync, mkdirSync, mkdtempSync, readdirSync, readlinkSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createServer, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { TestJob } from "./job.js";
import { localPythonPackage } from "./python-package.js";

const root = mkdtempSync(join(tmpdir(), "optml-runner-venvs-"));
const jobs: TestJob[] = [];
afterAll(() => {
  for (const j of jobs) j.remove();
  rmSync(root, { recursive: true, force: true });
});
const venvs = join(root, "venvs");

/** pip offline and untouched by this machine's pip.conf and PIP_* settings. */
const pipEnv = {
  PIP_CONFIG_FILE: "/dev/null",
  PIP_NO_INDEX: "1",
  PIP_FIND_LINKS: undefined,
  PIP_INDEX_URL: undefined,
  PIP_EXTRA_INDEX_URL: undefined,
  PIP_DISABLE_PIP_VERSION_CHECK: "1",
  PIP_ROOT_USER_ACTION: "ignore",
  PIP_NO_WARN_SCRIPT_LOCATION: "1",
  OPTML_VENVS: venvs,
};

function job(program: string, code: Record<string, string>): TestJob {
  const j = new TestJob({ hyperparameters: { sagemaker_program: JSON.stringify(program) }, code });
  jobs.push(j);
  return j;
}

/** Whether the machine's python3 can import a module. */
function machineImports(module: string): boolean {
  return spawnSync("python3", ["-c", `import ${module}`], { env: { ...process.env, PYTHONPATH: "" } }).status === 0;
}

function published(): string[] {
  return readdirSync(venvs).filter((name) => lstatSync(join(venvs, name)).isSymbolicLink());
}

const REPORT = "import sys, os, boto3, optml_venvpkg\nprint('prefix', sys.prefix)\nprint('value', optml_venvpkg.VALUE)\nprint('boto3', boto3.__file__)\nprint('path', os.environ['PATH'].split(':')[0])\n";
const code = {
  "requirements.txt": "./localpkg\n",
  ...localPythonPackage("localpkg", "optml_venvpkg", "from the venv"),
  "train.py": REPORT,
};

describe("requirements.txt in a virtual environment (OPTML_VENVS)", () => {
  it("installs into a new environment that sees the interpreter's packages, then reuses it", async () => {
    expect(machineImports("boto3")).toBe(true);
    const first = await job("train.py", code).run(pipEnv);
    expect(first.code).toBe(0);
    expect(first.stderr).toMatch(/^\[optml-train\] python: \S*python3 3\.\d+\.\d+\n/);
    expect(first.stderr).toMatch(/\[optml-train\] python environment: creating \S+ \(requirements\.txt sha256 [0-9a-f]{12}; with the packages of /);
    expect(first.stdout).toContain("Successfully installed optml_venvpkg-1.0");
    const [link] = published();
    expect(link).toMatch(/^py3\.\d+\.\d+-[0-9a-f]{24}$/);
    const dir = join(venvs, readlinkSync(join(venvs, link!)));
    expect(first.stdout).toContain(`prefix ${dir}\nvalue from the venv\n`);
    expect(first.stdout).toContain(`path ${dir}/bin\n`);
    // boto3 comes from the interpreter's own site-packages, not from the environment.
    expect(first.stdout).toMatch(/boto3 (?!.*optml-runner-venvs).*boto3\/__init__\.py\n/);
    expect(first.stderr).toContain(`invoking the user program (python-program) in `);
    expect(first.stderr).toContain(`\n[optml-train] ${dir}/bin/python train.py\n`);
    expect(machineImports("optml_venvpkg")).toBe(false);

    const before = { entries: readdirSync(venvs).sort(), inode: statSync(dir).ino, mtime: statSync(join(dir, "optml-venv.json")).mtimeMs };
    const second = await job("train.py", code).run(pipEnv);
    expect(second.code).toBe(0);
    expect(second.stderr).toContain(`[optml-train] python environment: reusing ${dir} (requirements.txt sha256 `);
    expect(second.stderr).not.toContain("installing dependencies");
    expect(second.stdout).toContain(`prefix ${dir}\nvalue from the venv\n`);
    expect({ entries: readdirSync(venvs).sort(), inode: statSync(dir).ino, mtime: statSync(join(dir, "optml-venv.json")).mtimeMs }).toEqual(before);
  }, 120_000);

  it("two jobs building the same environment at once both run, and one environment is kept", async () => {
    const race = join(root, "race");
    const exits = await Promise.all([job("train.py", code), job("train.py", code)].map((j) => j.run({ ...pipEnv, OPTML_VENVS: race })));
    expect(exits.map((e) => e.code)).toEqual([0, 0]);
    const entries = readdirSync(race);
    expect(entries).toHaveLength(2);
    const link = entries.find((n) => lstatSync(join(race, n)).isSymbolicLink())!;
    const dir = join(race, readlinkSync(join(race, link)));
    for (const e of exits) expect(e.stdout).toContain(`prefix ${dir}\nvalue from the venv\n`);
  }, 120_000);

  it("installs a setup.py package for the job alone, beside the shared environment", async () => {
    const j = job("train.py", {
      "setup.py": "raise SystemExit('not used: pyproject.toml names the build backend')\n",
      ...localPythonPackage("", "optml_jobpkg", "unused"),
      "train.py": "import sys, optml_jobpkg, importlib.metadata as m\nprint('prefix', sys.prefix)\nprint('version', m.version('optml_jobpkg'), optml_jobpkg.__file__)\n",
    });
    const exit = await j.run(pipEnv);
    expect(exit.code).toBe(0);
    const prefix = j.path(".optml", "python-packages");
    expect(exit.stderr).toMatch(new RegExp(`installing dependencies: \\S+/bin/python -m pip install --retries 1 --timeout 5 --prefix ${prefix} \\.\\n`));
    expect(exit.stderr).toMatch(/invoking the user program \(python-package\)/);
    expect(exit.stdout).toMatch(/^version 1\.0 /m);
    const environment = /^prefix (.+)$/m.exec(exit.stdout)![1]!;
    expect(environment.startsWith(venvs)).toBe(true);
    // The shared environment holds nothing of the job's code.
    expect(spawnSync(join(environment, "bin", "python"), ["-c", "import optml_jobpkg"], { env: { ...process.env, PYTHONPATH: "" } }).status).not.toBe(0);
    expect(machineImports("optml_jobpkg")).toBe(false);
  }, 120_000);

  it("sees the packages of a virtual environment's Python given as OPTML_PYTHON", async () => {
    const userVenv = join(root, "user-venv");
    execFileSync("python3", ["-m", "venv", userVenv]);
    const pkg = join(root, "userpkg");
    for (const [name, text] of Object.entries(localPythonPackage("", "optml_userpkg", "from the user's venv"))) {
      mkdirSync(dirname(join(pkg, name)), { recursive: true });
      writeFileSync(join(pkg, name), text);
    }
    execFileSync(join(userVenv, "bin", "python"), ["-m", "pip", "install", "--no-index", "--no-build-isolation", pkg], {
      env: { ...process.env, PIP_CONFIG_FILE: "/dev/null", PIP_FIND_LINKS: "", PIP_DISABLE_PIP_VERSION_CHECK: "1" },
    });
    const exit = await job("train.py", {
      ...code,
      "train.py": REPORT + "import optml_userpkg\nprint('user', optml_userpkg.VALUE)\n",
    }).run({ ...pipEnv, OPTML_PYTHON: join(userVenv, "bin", "python") });
    expect(exit.stderr).toMatch(new RegExp(`^\\[optml-train\\] python: ${userVenv}/bin/python 3\\.\\d+\\.\\d+\\n`));
    expect(exit.code).toBe(0);
    expect(exit.stdout).toContain("value from the venv\n");
    expect(exit.stdout).toContain("user from the user's venv\n");
  }, 180_000);

  it("fails within one pip run when no index answers, naming the requirement and the index, and keeps nothing", async () => {
    const port = await closedPort();
    const index = `http://127.0.0.1:${port}/simple`;
    const j = job("train.py", { "requirements.txt": "optml-nosuchpkg==1.0\n", "train.py": "open('ran', 'w')\n" });
    const links = published();
    const exit = await j.run({ ...pipEnv, PIP_NO_INDEX: undefined, PIP_INDEX_URL: index });
    expect(exit.code).toBe(1);
    expect(j.read("code/ran")).toBeUndefined();
    expect(j.failure).toMatch(
      new RegExp(
        `^InstallRequirementsError:\\nExitCode 1\\nErrorMessage "\\ncould not install optml-nosuchpkg==1\\.0 \\(requirements\\.txt\\): the package index ${index} did not answer \\(Connection refused\\)\\. Point pip at a reachable index`,
      ),
    );
    // One try and one retry: pip does not spend minutes on an index that refuses.
    expect(exit.stdout.concat(exit.stderr).match(/WARNING: Retrying/g)?.length ?? 0).toBeLessThanOrEqual(1);
    expect(published()).toEqual(links);
    expect(readdirSync(venvs).filter((n) => !links.includes(n) && !links.some((l) => readlinkSync(join(venvs, l)) === n))).toEqual([]);
  }, 120_000);
});

describe("a build whose runner was killed", () => {
  it("is removed by the next job that builds the same environment", async () => {
    const dir = join(root, "abandoned");
    const requirements = { "requirements.txt": "optml-hangpkg==1.0\n", "train.py": "" };
    // An index that accepts connections and never answers: pip waits on it while the runner is killed.
    const sockets = new Set<Socket>();
    const hanging = createServer((s) => sockets.add(s));
    await new Promise<void>((resolve) => hanging.listen(0, "127.0.0.1", resolve));
    const hangingUrl = `http://127.0.0.1:${(hanging.address() as { port: number }).port}/simple`;
    const a = job("train.py", requirements).start({ ...pipEnv, OPTML_VENVS: dir, PIP_NO_INDEX: undefined, PIP_INDEX_URL: hangingUrl, PIP_TIMEOUT: "60" });
    await a.waitFor(/installing dependencies: \S+ -m pip install/);
    a.child.kill("SIGKILL");
    const exited = await a.exit;
    const abandoned = /python environment: creating (\S+) /.exec(exited.stderr)![1]!;
    for (const s of sockets) s.destroy();
    hanging.close();
    expect(readdirSync(dir)).toContain(abandoned.slice(dir.length + 1));

    const b = await job("train.py", requirements).run({ ...pipEnv, OPTML_VENVS: dir, PIP_NO_INDEX: undefined, PIP_INDEX_URL: `http://127.0.0.1:${await closedPort()}/simple` });
    expect(b.code).toBe(1);
    expect(readdirSync(dir)).toEqual([]);
  }, 120_000);
});

describe("a Python that cannot make virtual environments", () => {
  it("fails the job saying so, and what to do", async () => {
    // A Python whose venv module is missing, as Debian's without python3-venv.
    const python = join(root, "python-without-venv");
    writeFileSync(python, '#!/bin/sh\nif [ "$1" = -m ] && [ "$2" = venv ]; then echo "No module named venv" >&2; exit 1; fi\nexec python3 "$@"\n', { mode: 0o755 });
    const j = job("train.py", { "requirements.txt": "./localpkg\n", ...localPythonPackage("localpkg", "optml_venvpkg", "x"), "train.py": "open('ran', 'w')\n" });
    const exit = await j.run({ ...pipEnv, OPTML_PYTHON: python, OPTML_VENVS: join(root, "no-venv") });
    expect(exit.code).toBe(1);
    expect(j.read("code/ran")).toBeUndefined();
    expect(j.failure).toMatch(
      new RegExp(
        `^InstallRequirementsError:\\nExitCode 1\\nErrorMessage "\\ncould not create a virtual environment for requirements\\.txt with ${python} 3\\.\\d+\\.\\d+: No module named venv \\(on Debian/Ubuntu the python3-venv package provides venv; or set OPTML_PYTHON to another Python\\)"\\nCommand "${python} -m venv --system-site-packages `,
      ),
    );
    expect(readdirSync(join(root, "no-venv"))).toEqual([]);
  }, 60_000);
});

/** A loopback port nobody listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}
