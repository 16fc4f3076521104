/**
 * requirements.txt in a virtual environment instead of the machine's Python (OPTML_VENVS): one
 * environment per (interpreter, requirements.txt), shared by every job that has both the same,
 * made with `--system-site-packages` so that what the interpreter has installed (torch, boto3)
 * stays importable and is not installed again; and `--without-pip` when the interpreter has pip,
 * which then installs into the environment (run by the environment's Python, pip installs into it).
 *
 * `<venvs>/<key>` is a link to the environment's dir `<venvs>/<key>.<pid>-<random>`. A job that finds
 * the link uses the environment; one that does not builds a new one in a dir of its own and
 * publishes it by creating the link, which only one job can do: a job that loses the race drops
 * what it built and uses the winner's. A failed or stopped build removes its dir, so nothing
 * half-built is ever used; the dir of a runner killed mid-build goes with the next build of the
 * same environment (its pid, in the dir's name, is no process's any more). (The environment is built where it stays, not renamed into place:
 * a virtual environment is not relocatable, its console scripts name its path.)
 *
 * When the interpreter is itself a virtual environment's Python (a user's active venv), a `.pth`
 * file adds that venv's site-packages too: `--system-site-packages` alone would only show the
 * base installation's.
 */
import { createHash } from "node:crypto";
import { execFile } from "node:child_process";
import { mkdir, mkdtemp, readdir, realpath, rename, rm, stat, symlink, writeFile } from "node:fs/promises";
import { basename, join } from "node:path";
import { promisify } from "node:util";
import type { ProcessEnv } from "@optml/contract";
import { pipInstallRequirements, type InstallStep } from "./dependencies.js";
import { errorMessageFromStderr } from "./failure.js";
import type { Log } from "./log.js";
import type { PythonFacts } from "./python-interpreter.js";

const run = promisify(execFile);

export interface RequirementsVenvInput<F> {
  readonly python: PythonFacts;
  /** OPTML_VENVS. */
  readonly venvsDir: string;
  /** requirements.txt's bytes; undefined when the code has none (the environment is then empty). */
  readonly requirements: Buffer | undefined;
  readonly env: ProcessEnv;
  readonly log: Log;
  /** Runs one step with its output streamed; what went wrong when it failed or was stopped. */
  readonly runStep: (step: InstallStep) => Promise<F | undefined>;
}

export type RequirementsVenv<F> =
  | { readonly dir: string; readonly python: string; readonly created: boolean }
  | { readonly failed: F };

/** The environment's name: the interpreter (its prefix, real path and version) and the requirements. */
export function venvKey(python: PythonFacts, requirements: Buffer | undefined): string {
  const hash = createHash("sha256");
  hash.update(`${python.prefix}\0${python.realPath}\0${python.version}\0`);
  hash.update(requirements ?? Buffer.alloc(0));
  return `py${python.version}-${hash.digest("hex").slice(0, 24)}`;
}

export function requirementsHash(requirements: Buffer | undefined): string {
  return createHash("sha256")
    .update(requirements ?? Buffer.alloc(0))
    .digest("hex");
}

/** The environment's dir when `link` leads to a built one. */
async function builtVenv(link: string): Promise<string | undefined> {
  try {
    const dir = await realpath(link);
    await stat(join(dir, "bin", "python"));
    await stat(join(dir, MANIFEST));
    return dir;
  } catch {
    return undefined;
  }
}

/** Written last: a dir without it is not a finished environment. */
const MANIFEST = "optml-venv.json";
/**
 * Remove the dirs of builds of `key` whose runner is gone (killed mid-build): unfinished, and no
 * process has the pid in their name (`<key>.<pid>-<random>`). Builds in progress and finished
 * environments stay.
 */
async function removeAbandonedBuilds(venvsDir: string, key: string): Promise<void> {
  for (const name of await readdir(venvsDir)) {
    const pid = name.startsWith(`${key}.`) ? /^(\d+)-[^.]+$/.exec(name.slice(key.length + 1))?.[1] : undefined;
    if (pid === undefined || processExists(Number(pid))) continue;
    const dir = join(venvsDir, name);
    if (await stat(join(dir, MANIFEST)).then(() => true, () => false)) continue;
    await rm(dir, { recursive: true, force: true });
  }
}

function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

export async function requirementsVenv<F>(input: RequirementsVenvInput<F>): Promise<RequirementsVenv<F>> {
  const { python, venvsDir, requirements, log } = input;
  const key = venvKey(python, requirements);
  const link = join(venvsDir, key);
  const what = requirements === undefined ? "no requirements.txt" : `requirements.txt sha256 ${requirementsHash(requirements).slice(0, 12)}`;
  const found = await builtVenv(link);
  if (found !== undefined) {
    log(`python environment: reusing ${found} (${what}, made for ${python.path} ${python.version})`);
    return { dir: found, python: join(found, "bin", "python"), created: false };
  }
  await mkdir(venvsDir, { recursive: true });
  await removeAbandonedBuilds(venvsDir, key);
  // The builder's pid is in the name from the start, so that an abandoned build is known as such.
  const dir = await mkdtemp(join(venvsDir, `${key}.${process.pid}-`));
  log(`python environment: creating ${dir} (${what}; with the packages of ${python.path} ${python.version}; later jobs with the same requirements.txt and python reuse it)`);
  let published = false;
  try {
    let failed = await input.runStep({
      errorClass: "InstallRequirementsError",
      command: python.path,
      // The interpreter's pip serves the environment too (its packages are visible there), so the
      // environment needs no pip of its own: without it, it is made in a fraction of the time.
      args: ["-m", "venv", "--system-site-packages", ...(python.hasPip ? ["--without-pip"] : []), dir],
      failureMessage: (stderr) =>
        `could not create a virtual environment for requirements.txt with ${python.path} ${python.version}` +
        `${stderr.trim() ? `: ${errorMessageFromStderr(stderr)}` : ""} (on Debian/Ubuntu the python3-venv package provides venv; or set OPTML_PYTHON to another Python)`,
    });
    if (failed === undefined) {
      await seeInterpreterPackages(dir, python, input.env);
      if (requirements !== undefined) failed = await input.runStep(pipInstallRequirements(join(dir, "bin", "python"), input.env));
    }
    if (failed !== undefined) return { failed };
    const manifest = { python: python.path, realPath: python.realPath, version: python.version, prefix: python.prefix, requirementsSha256: requirementsHash(requirements) };
    await writeFile(join(dir, MANIFEST), `${JSON.stringify(manifest, null, 2)}\n`);
    const winner = await publish(dir, link);
    published = winner === dir;
    if (!published) log(`python environment: another job made the same one first: using ${winner}`);
    return { dir: winner, python: join(winner, "bin", "python"), created: published };
  } finally {
    if (!published) await rm(dir, { recursive: true, force: true });
  }
}

/** Create `link` -> `dir`, unless a built environment is there already; the environment to use. */
async function publish(dir: string, link: string): Promise<string> {
  try {
    await symlink(basename(dir), link);
    return dir;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
  }
  const other = await builtVenv(link);
  if (other !== undefined) return other;
  // A link to an environment that is gone: replace it in one step.
  const fresh = `${dir}.link`;
  await symlink(basename(dir), fresh);
  await rename(fresh, link);
  return dir;
}

/** When the interpreter is a virtual environment's Python, its site-packages on the new one's path. */
async function seeInterpreterPackages(dir: string, python: PythonFacts, env: ProcessEnv): Promise<void> {
  if (python.venvSitePackages.length === 0) return;
  const clean = Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined));
  const { stdout } = await run(join(dir, "bin", "python"), ["-c", "import sysconfig; print(sysconfig.get_path('purelib'))"], { env: clean, encoding: "utf8" });
  await writeFile(join(stdout.trim(), PTH), python.venvSitePackages.map((p) => `${p}\n`).join(""));
}

/** Lists the site-packages of the virtual environment whose Python made this one. */
const PTH = "_optml_interpreter_packages.pth";
