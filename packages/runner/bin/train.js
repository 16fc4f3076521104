#!/usr/bin/env node
// A committed shim, so that npm links `train` and `optml-train` at install time, before the build.
import "../dist/main.js";
