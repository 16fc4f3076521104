#!/usr/bin/env node
/**
 * `npm run pack [-- --out DIR]`: one installable tarball per package, in DIR (default ./pack).
 *
 * None of the @optml packages is on the npm registry, so a tarball that named one as a plain
 * dependency would make npm ask the registry for it (a 404, or whatever a stranger published under
 * that name). Each tarball therefore carries the @optml packages it needs, as bundled dependencies
 * (package.json `bundleDependencies`); everything else (the AWS SDK, better-sqlite3, tar, tsx,
 * commander) resolves from the registry as usual. The CLI's tarball also carries the
 * @optml/contract tarball in vendor/, which `optml init` copies into new projects.
 *
 * npm pack does not bundle workspace packages (they are hoisted links), so each package is packed
 * as it is, unpacked into a staging directory, given the tarballs of its @optml dependencies under
 * node_modules/, and packed again from there. Run `npm run build` first (install-cli does).
 */
import { execFileSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { x as extract } from "tar";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
/** Dependency order: each package after the @optml packages it needs. */
const PACKAGES = ["contract", "runner", "server", "cli"];
const CONTRACT = "@optml/contract";
const RUNNER = "@optml/runner";

function npmPack(dir, destination) {
  // npm's notices (stderr) are left out; a failure's message carries them.
  const out = execFileSync("npm", ["pack", "--json", "--pack-destination", destination], { cwd: dir, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  return join(destination, JSON.parse(out)[0].filename);
}

function unpack(tarball, into) {
  mkdirSync(into, { recursive: true });
  extract({ file: tarball, cwd: into, strip: 1, sync: true });
}

function readManifest(dir) {
  return JSON.parse(readFileSync(join(dir, "package.json"), "utf8"));
}

/**
 * Pack the packages named in `only` (default: every package) and the @optml packages they need
 * into `out`; returns { name: tarball path }.
 */
export function packAll(out, log = (m) => process.stderr.write(`${m}\n`), only = undefined) {
  const manifests = new Map(PACKAGES.map((p) => [readManifest(join(ROOT, "packages", p)).name, p]));
  for (const p of PACKAGES) {
    if (!existsSync(join(ROOT, "packages", p, "dist"))) throw new Error(`packages/${p}/dist is missing: run 'npm run build' first`);
  }
  const optmlDeps = (name) => Object.keys(readManifest(join(ROOT, "packages", manifests.get(name))).dependencies ?? {}).filter((d) => manifests.has(d));
  const closure = (name) => {
    const all = new Set();
    const visit = (n) => optmlDeps(n).forEach((d) => (all.has(d) ? undefined : (all.add(d), visit(d))));
    visit(name);
    return [...all].sort();
  };
  const wanted = new Set(only ? only.flatMap((n) => [n, ...closure(n)]) : manifests.keys());
  mkdirSync(out, { recursive: true });
  const stage = mkdtempSync(join(tmpdir(), "optml-pack-"));
  const plain = new Map();
  const packed = {};
  try {
    for (const [name, p] of manifests) {
      if (!wanted.has(name)) continue;
      plain.set(name, npmPack(join(ROOT, "packages", p), stage));
      const dir = join(stage, "packages", p);
      unpack(plain.get(name), dir);
      const manifest = readManifest(dir);
      const bundled = closure(name);
      for (const dep of bundled) {
        unpack(plain.get(dep), join(dir, "node_modules", dep));
        const depManifest = readManifest(join(dir, "node_modules", dep));
        manifest.dependencies[dep] = depManifest.version;
        // npm counts what a bundled package depends on as part of the bundle, and so installs
        // none of it. The bundling package asks for it instead (npm puts it in its node_modules/,
        // where the bundled packages find it), and the bundled copy keeps only its @optml ones.
        const own = {};
        for (const [third, range] of Object.entries(depManifest.dependencies ?? {})) {
          if (manifests.has(third)) {
            own[third] = range;
            continue;
          }
          const asked = manifest.dependencies[third];
          if (asked !== undefined && asked !== range) throw new Error(`${name} asks for ${third}@${asked}, ${dep} for ${third}@${range}: make them agree`);
          manifest.dependencies[third] = range;
        }
        depManifest.dependencies = own;
        writeFileSync(join(dir, "node_modules", dep, "package.json"), `${JSON.stringify(depManifest, null, 2)}\n`);
      }
      if (bundled.length) manifest.bundleDependencies = bundled;
      if (name === "optml") {
        // `optml init` copies these into new projects (packages/cli/src/vendor-tarballs.ts).
        mkdirSync(join(dir, "vendor"), { recursive: true });
        for (const vendored of [CONTRACT, RUNNER]) copyFileSync(packed[vendored], join(dir, "vendor", basename(packed[vendored])));
        manifest.files = [...manifest.files, "vendor"];
      }
      writeFileSync(join(dir, "package.json"), `${JSON.stringify(manifest, null, 2)}\n`);
      packed[name] = npmPack(dir, out);
      log(`packed ${name}@${manifest.version}${bundled.length ? ` (bundling ${bundled.join(", ")})` : ""}: ${packed[name]}`);
    }
  } finally {
    rmSync(stage, { recursive: true, force: true });
  }
  return packed;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const at = process.argv.indexOf("--out");
  packAll(resolve(at > 0 ? process.argv[at + 1] : join(ROOT, "pack")));
}
