/**
 * Writing received data to files in few operations: each file operation is a round trip to
 * Node's thread pool, and data arrives from the network in chunks of 64 KiB, so chunks are
 * gathered and written together with one `writev`.
 */
import { mkdir, open, type FileHandle } from "node:fs/promises";
import { dirname } from "node:path";

/** Gather at least this much before a write. */
export const WRITE_BATCH_BYTES = 1024 * 1024;

/** Open `file` for writing; its directory is made when it is missing. */
export async function openForWriting(file: string): Promise<FileHandle> {
  try {
    return await open(file, "w");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
    await mkdir(dirname(file), { recursive: true });
    return open(file, "w");
  }
}

/** Write all of `parts`, in order, at the file's current position. */
export async function writeAll(handle: FileHandle, parts: readonly Buffer[]): Promise<void> {
  let { bytesWritten } = await handle.writev(parts as Buffer[]);
  const total = parts.reduce((n, p) => n + p.length, 0);
  // A short write (a signal, a full disk that then errors): write what is left.
  while (bytesWritten < total) {
    const rest = Buffer.concat(parts).subarray(bytesWritten);
    bytesWritten += (await handle.write(rest)).bytesWritten;
  }
}
