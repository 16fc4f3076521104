#!/usr/bin/env node
import { runCli } from "./program.js";

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
