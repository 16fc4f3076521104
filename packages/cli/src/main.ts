#!/usr/bin/env node
import { runCli } from "./program.js";

// The AWS SDK warns at its first client under Node 20 that its 2027 releases need Node 22: not our
// users' concern, so that one warning is dropped and every other still printed by Node's own
// listener. (Not through the SDK's switch in process.env, which the jobs of an embedded control
// plane would inherit: a user's program sees its own warnings.)
const printWarning = process.listeners("warning");
process.removeAllListeners("warning");
process.on("warning", (warning) => {
  if (!warning.message.startsWith("NodeVersionSupportWarning:")) for (const print of printWarning) print(warning);
});

// A reader that goes away (`optml logs NAME | head`) ends the command quietly, as with other tools.
for (const stream of [process.stdout, process.stderr]) {
  stream.on("error", (e: NodeJS.ErrnoException) => {
    if (e.code === "EPIPE") process.exit(0);
    throw e;
  });
}

const code = await runCli(process.argv.slice(2));
// Exit now, once stdout and stderr are flushed: a control plane this command left (jobs it picked
// up go on in their own processes) must not keep it alive.
const flushed = (stream: NodeJS.WriteStream) => new Promise<void>((resolve) => stream.write("", () => resolve()));
await Promise.all([flushed(process.stdout), flushed(process.stderr)]);
process.exit(code);
