/**
 * A Python virtual environment with PyTorch (CPU is enough), numpy and mpi4py for the distributed
 * training tests, made once and shared between runs: `$OPTML_TEST_VENVS/torch` (default
 * `<os.tmpdir()>/optml-test-venvs/torch`). Building it takes a few minutes (pip install from the
 * machine's configured package index); later runs reuse it. mpi4py builds against Open MPI
 * (Debian: openmpi-bin libopenmpi-dev).
 *
 * `pip install torch` is tried first; where the index's newest torch cannot be installed (its CUDA
 * packages out of reach), a `+cpu` wheel from pip's configured find-links.
 */
import { execFile } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

export function testVenvDir(name: string): string {
  return join(process.env.OPTML_TEST_VENVS ?? join(tmpdir(), "optml-test-venvs"), name);
}

async function importable(python: string, modules: readonly string[]): Promise<boolean> {
  return run(python, ["-c", `import ${modules.join(", ")}`]).then(
    () => true,
    () => false,
  );
}

async function pip(python: string, args: readonly string[]): Promise<void> {
  await run(python, ["-m", "pip", "install", "--disable-pip-version-check", "-q", ...args], { maxBuffer: 64 << 20, timeout: 20 * 60_000 });
}

/**
 * A `+cpu` torch wheel in pip's configured find-links directories (`pip config list`), the newest
 * by name, if any: the package index's own CPU build where its default torch needs CUDA packages.
 */
async function cpuTorch(python: string): Promise<string | undefined> {
  const { stdout } = await run(python, ["-m", "pip", "config", "list"]).catch(() => ({ stdout: "" }));
  const dirs = [...stdout.matchAll(/find-links='([^']*)'/g)].flatMap((m) => m[1]!.split(/\s+/)).map((d) => d.replace(/^file:\/\//, ""));
  const wheels = dirs.flatMap((d) => (existsSync(d) ? readdirSync(d).filter((f) => /^torch-[^-]+\+cpu-.*\.whl$/.test(f)).map((f) => join(d, f)) : []));
  return wheels.sort().at(-1);
}

let pending: Promise<string> | undefined;

/** The venv's python, building the venv first when needed; throws saying how to get it otherwise. */
export function torchPython(): Promise<string> {
  pending ??= build();
  return pending;
}

async function build(): Promise<string> {
  const dir = testVenvDir("torch");
  const python = join(dir, "bin", "python");
  const modules = ["torch", "numpy", "mpi4py"];
  if (existsSync(python) && (await importable(python, modules))) return python;
  try {
    mkdirSync(dir, { recursive: true });
    if (!existsSync(python)) await run("python3", ["-m", "venv", dir]);
    try {
      await pip(python, ["torch", "numpy"]);
    } catch (first) {
      const cpu = await cpuTorch(python);
      if (cpu === undefined) throw first;
      await pip(python, [cpu, "numpy"]);
    }
    await pip(python, ["mpi4py"]);
  } catch (e) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(
      `could not build the test venv with PyTorch and mpi4py in ${dir}: ${(e as Error).message}\n` +
        `Needs pip access to torch, numpy and mpi4py (mpi4py builds against Open MPI: apt-get install openmpi-bin libopenmpi-dev), ` +
        `or make it yourself: python3 -m venv ${dir} && ${python} -m pip install torch numpy mpi4py`,
    );
  }
  if (!(await importable(python, modules))) throw new Error(`the test venv in ${dir} was built but cannot import ${modules.join(", ")}`);
  return python;
}
