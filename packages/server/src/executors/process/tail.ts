import { open } from "node:fs/promises";
import { setTimeout as sleep } from "node:timers/promises";
import type { OutputChunk } from "../types.js";

/**
 * Follow a growing file from an offset, like `tail -f`, until `done()` says the writer has finished
 * and everything written has been read.
 */
export async function* tailFile(file: string, fromOffset: number, done: () => boolean, signal: AbortSignal): AsyncIterable<OutputChunk> {
  let offset = fromOffset;
  const buffer = Buffer.alloc(1 << 20);
  let handle: Awaited<ReturnType<typeof open>> | undefined;
  try {
    while (!signal.aborted) {
      if (!handle) {
        try {
          handle = await open(file, "r");
        } catch {
          if (done()) return;
          await sleep(50);
          continue;
        }
      }
      const finished = done(); // read after this check, so nothing written before it is missed
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, offset);
      if (bytesRead > 0) {
        offset += bytesRead;
        yield { data: Buffer.from(buffer.subarray(0, bytesRead)), offset };
        continue;
      }
      if (finished) return;
      await sleep(25);
    }
  } finally {
    await handle?.close();
  }
}
