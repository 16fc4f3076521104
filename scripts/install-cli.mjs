#!/usr/bin/env node
/**
 * `npm run install-cli [-- --prefix DIR]`: put `optml` on PATH, for use from any directory.
 *
 * Run in a clone after `npm ci`. It builds the workspace (`npm run build`), packs the packages
 * (scripts/pack.mjs: tarballs in ./pack that carry the @optml packages they need, so npm never
 * asks the registry for them), and installs the CLI's tarball globally with
 * `npm install --global` (npm's global prefix: `npm prefix -g`; `--prefix DIR` or
 * $npm_config_prefix choose another). It prints what it did and where `optml` now is.
 * Run it again after pulling to update; `npm uninstall -g optml` removes it.
 */
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { delimiter, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { packAll } from "./pack.mjs";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const say = (message) => process.stderr.write(`install-cli: ${message}\n`);

function usage(problem) {
  say(`${problem}\nusage: npm run install-cli [-- --prefix DIR]`);
  process.exit(2);
}

const args = process.argv.slice(2);
let prefix;
for (let i = 0; i < args.length; i++) {
  const arg = args[i];
  if (arg === "--prefix") {
    if (!args[i + 1]) usage("--prefix needs a directory");
    prefix = resolve(args[++i]);
  } else if (arg.startsWith("--prefix=")) prefix = resolve(arg.slice("--prefix=".length));
  else usage(`unknown argument '${arg}'`);
}
const prefixArgs = prefix ? ["--prefix", prefix] : [];
const npm = (npmArgs, options = {}) => execFileSync("npm", [...npmArgs], { cwd: ROOT, encoding: "utf8", ...options });

if (!existsSync(join(ROOT, "node_modules"))) usage(`${ROOT} has no node_modules: run 'npm ci' first`);

say("building (npm run build)");
npm(["run", "build", "--silent"], { stdio: ["ignore", "inherit", "inherit"] });

say(`packing into ${join(ROOT, "pack")}`);
const tarballs = packAll(join(ROOT, "pack"), (m) => say(m));

const globalPrefix = npm(["prefix", "--global", ...prefixArgs]).trim();
say(`installing ${tarballs.optml} globally (prefix ${globalPrefix})`);
npm(
  // better-sqlite3 builds or downloads its native module at install time; esbuild (tsx) fetches its binary.
  ["install", "--global", "--no-audit", "--no-fund", "--allow-scripts=better-sqlite3,esbuild", ...prefixArgs, tarballs.optml],
  { stdio: ["ignore", "inherit", "inherit"] },
);

const binDir = process.platform === "win32" ? globalPrefix : join(globalPrefix, "bin");
const optml = join(binDir, process.platform === "win32" ? "optml.cmd" : "optml");
if (!existsSync(optml)) {
  say(`npm reported success but ${optml} is not there`);
  process.exit(1);
}
const version = execFileSync(optml, ["--version"], { encoding: "utf8" }).trim();
say(`installed optml ${version}: ${optml}`);
const onPath = (process.env.PATH ?? "").split(delimiter).some((dir) => dir && resolve(dir) === resolve(binDir));
say(onPath ? `${binDir} is on PATH: run 'optml --help' from any directory` : `${binDir} is not on PATH: add it (export PATH="${binDir}:$PATH") to run 'optml' from any directory`);
say("to remove it: npm uninstall --global optml" + (prefix ? ` --prefix ${prefix}` : ""));
