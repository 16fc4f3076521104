/**
 * Install, as a user does: clone the repository (its committed HEAD) into a temporary directory,
 * `npm ci && npm run install-cli -- --prefix <temporary global prefix>`, remove the clone, and use
 * `optml` from an unrelated directory: `optml run -- python train.py` and
 * `optml init my-model && cd my-model && optml train job.json`. The package tarballs (./pack) install outside the
 * workspace, npm asking the registry for none of the @optml packages.
 *
 * Real npm against the npm registry (reachable in CI): slow (better-sqlite3 builds its native module
 * twice, in npm ci and in the global install: 5 to 15 minutes), so this is one test with a generous
 * timeout.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, readdirSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { tempDir } from "./run-optml.js";

const REPO = resolve(import.meta.dirname, "../../..");
const root = tempDir("optml-install-");
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** The environment of a shell without npm's run-time variables (this test may run under `npm test`). */
function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k) && k !== "INIT_CWD" && k !== "NODE_OPTIONS"));
  return { ...env, ...extra };
}

function sh(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv) {
  const r = spawnSync(command, args, { cwd, env, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  if (r.error) throw new Error(`${command} ${args.join(" ")} could not start: ${r.error.message}`);
  return { code: r.status, stdout: r.stdout, stderr: r.stderr, all: `${r.stdout}\n${r.stderr}` };
}

function ok(r: ReturnType<typeof sh>, what: string): ReturnType<typeof sh> {
  if (r.code !== 0) throw new Error(`${what} exited ${r.code}:\n${r.all.slice(-4000)}`);
  return r;
}

/** The package.json of a tarball (read with the tar the packages depend on). */
async function tarballManifest(file: string): Promise<Record<string, unknown>> {
  const { list } = await import("tar");
  let text = "";
  list({ file, sync: true, onReadEntry: (e) => (e.path === "package/package.json" ? void e.on("data", (d: Buffer) => (text += d.toString())) : e.resume()) });
  return JSON.parse(text) as Record<string, unknown>;
}

describe("npm ci && npm run install-cli in a clone", () => {
  it("puts optml on PATH, working from any directory without the clone", async () => {
    const clone = join(root, "clone");
    const prefix = join(root, "global");
    const head = execFileSync("git", ["rev-parse", "HEAD"], { cwd: REPO, encoding: "utf8" }).trim();
    ok(sh("git", ["clone", "--quiet", "--no-local", "--no-checkout", REPO, clone], root, cleanEnv()), "git clone");
    ok(sh("git", ["checkout", "--quiet", head], clone, cleanEnv()), "git checkout");

    const env = cleanEnv({ PATH: `${join(prefix, "bin")}:${process.env.PATH}`, OPTML_HOME: join(root, "optml-home") });
    // The README's command, as it is; npm's global prefix (where install-cli installs) is the temporary one.
    const installed = ok(sh("sh", ["-c", "npm ci && npm run install-cli"], clone, { ...env, npm_config_prefix: prefix }), "npm ci && npm run install-cli");
    expect(installed.stderr).toContain(`install-cli: installed optml 0.1.0: ${join(prefix, "bin", "optml")}\n`);
    expect(installed.stderr).toContain(`install-cli: ${join(prefix, "bin")} is on PATH: run 'optml --help' from any directory\n`);

    // One tarball per package; each carries the @optml packages it needs, the CLI's the init tarballs.
    const pack = join(clone, "pack");
    expect(readdirSync(pack).sort()).toEqual(["optml-0.1.0.tgz", "optml-contract-0.1.0.tgz", "optml-runner-0.1.0.tgz", "optml-server-0.1.0.tgz"]);
    expect(await tarballManifest(join(pack, "optml-0.1.0.tgz"))).toMatchObject({ bundleDependencies: ["@optml/contract", "@optml/runner", "@optml/server"] });
    expect(await tarballManifest(join(pack, "optml-server-0.1.0.tgz"))).toMatchObject({ bundleDependencies: ["@optml/contract", "@optml/runner"] });
    // The library packages install into a project of their own, from the registry for the rest
    // (without install scripts: better-sqlite3's native build is the global install's, above).
    const library = join(root, "library");
    mkdirSync(library);
    writeFileSync(join(library, "package.json"), '{ "name": "library-user", "private": true, "type": "module" }\n');
    const tarballs = ["optml-contract-0.1.0.tgz", "optml-runner-0.1.0.tgz", "optml-server-0.1.0.tgz"].map((t) => join(pack, t));
    ok(sh("npm", ["install", "--no-audit", "--no-fund", "--ignore-scripts", ...tarballs], library, env), "npm install of the library tarballs");
    const imported = ok(
      sh("node", ["--input-type=module", "-e", 'for (const p of ["@optml/contract", "@optml/runner", "@optml/server"]) console.log(p, Object.keys(await import(p)).length > 0)'], library, env),
      "importing the library packages",
    );
    expect(imported.stdout).toBe("@optml/contract true\n@optml/runner true\n@optml/server true\n");

    // From here on, nothing of the clone: optml must not need it.
    rmSync(clone, { recursive: true, force: true });
    const optmlPath = ok(sh("sh", ["-c", "command -v optml"], root, env), "command -v optml").stdout.trim();
    expect(optmlPath).toBe(join(prefix, "bin", "optml"));
    expect(realpathSync(optmlPath).startsWith(join(prefix, "lib", "node_modules", "optml"))).toBe(true);

    const elsewhere = join(root, "elsewhere");
    mkdirSync(join(elsewhere, ".venv", "bin"), { recursive: true });
    writeFileSync(join(elsewhere, ".venv", "bin", "python"), "#!/bin/sh\n");
    writeFileSync(join(elsewhere, "train.py"), 'import os, sys\nprint("trained with", sys.argv[1:], sorted(os.listdir(".")))\n');
    const ran = sh("optml", ["run", "--", "python", "train.py", "--epochs", "2"], elsewhere, env);
    expect(ran.stderr).toBe("");
    expect(ran.code).toBe(0);
    expect(ran.stdout).toContain("[algo-1] trained with ['--epochs', '2'] ['train.py']\n");
    expect(readdirSync(join(elsewhere, "optml-out"))).toHaveLength(1);

    // The README's command, as it is.
    const trained = sh("sh", ["-c", "optml init my-model && cd my-model && optml train job.json"], elsewhere, env);
    expect(trained.stdout).toContain("Next:\n  cd my-model && optml train job.json\n");
    const x = join(elsewhere, "my-model");
    expect(JSON.parse(readFileSync(join(x, "src", "package.json"), "utf8"))).toMatchObject({ dependencies: { "@optml/contract": "file:vendor/optml-contract-0.1.0.tgz" } });
    expect(existsSync(join(x, "vendor", "optml-runner-0.1.0.tgz"))).toBe(true);
    expect(trained.stderr).toBe("");
    expect(trained.code).toBe(0);
    expect(trained.stdout).toMatch(/^\[algo-1\] model y = [\d.]+ \* x \+ [\d.]+ saved to /m);
    expect(trained.stdout).toMatch(/^\d\d:\d\d:\d\d Completed /m);
  }, 1_800_000);
});
