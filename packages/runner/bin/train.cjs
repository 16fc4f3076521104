#!/usr/bin/env node
// A committed shim, so that npm links `train` and `optml-train` at install time, before the build.
// It starts the bundled runner (dist/train.cjs, made by `npm run build`).
require("../dist/train.cjs");
