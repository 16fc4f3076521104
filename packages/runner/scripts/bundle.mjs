#!/usr/bin/env node
/**
 * Bundles the runner (dist/main.js, as tsc built it, with @optml/contract) into one CommonJS file,
 * dist/train.cjs, which bin/train.cjs starts. One file in CommonJS skips the per-module resolution
 * and the ES-module facades of Node's built-ins: about 25 ms of every job's start on a small
 * machine (bench/runner-startup.mjs). What only some jobs need (the S3 client, tar, tsx) stays
 * outside and is loaded on first use.
 */
import { build } from "esbuild";
import { fileURLToPath } from "node:url";

const pkg = fileURLToPath(new URL("..", import.meta.url));
await build({
  entryPoints: [`${pkg}/dist/main.js`],
  outfile: `${pkg}/dist/train.cjs`,
  bundle: true,
  platform: "node",
  format: "cjs",
  target: "node20",
  external: ["@aws-sdk/*", "tar", "tsx"],
  // import.meta.url means this file in CommonJS (it is used to resolve tsx next to the runner).
  define: { "import.meta.url": "__optml_import_meta_url" },
  banner: { js: 'const __optml_import_meta_url = require("node:url").pathToFileURL(__filename).href;' },
  sourcemap: true,
  logLevel: "warning",
});
