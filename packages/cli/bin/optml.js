#!/usr/bin/env node
// A committed shim, so that npm links the `optml` command at install time, before the build.
import "../dist/main.js";
