#!/usr/bin/env node
/**
 * `optml-train` / `train`: the executable that runs inside a job. Everything comes from the
 * environment (SAGEMAKER_BASE_DIR, the config files under it, OPTML_* settings); see README.md.
 */
import module from "node:module";

const args = process.argv.slice(2);
if (args.includes("--help") || args.includes("-h")) {
  process.stdout.write(
    "usage: optml-train\n\n" +
      "Runs the training job described by $SAGEMAKER_BASE_DIR (default /opt/ml): fetches the code,\n" +
      "installs its dependencies, runs the entry point with the SageMaker environment, and writes\n" +
      "output/success or output/failure. Settings: OPTML_PYTHON, OPTML_NODE, OPTML_NPM, OPTML_TS_LOADER,\n" +
      "OPTML_STOP_GRACE_SECONDS, OPTML_HOST_WAIT_SECONDS.\n",
  );
  process.exit(0);
}

// Node's warnings are the runner's business, never the job's: Node prints each to stderr, which is
// the job's log (the AWS SDK alone writes nine lines of NodeVersionSupportWarning on Node 20 when
// the code comes from S3). Removing Node's printing listener leaves the warnings unprinted; the
// user program is a process of its own, with its own listener and an environment not changed by
// this, so its warnings still reach the log.
process.removeAllListeners("warning");

// Node 22+ keeps compiled code between runs, which shortens startup; Node 20 has no such cache.
(module as { enableCompileCache?: () => unknown }).enableCompileCache?.();
// No top-level await: the shipped runner is this file bundled as CommonJS (see scripts/bundle.mjs).
void import("./run.js")
  .then(({ runTraining }) => runTraining({ handleProcessSignals: true }))
  .then((code) => process.exit(code));
