/**
 * Writing received data to files in few operations: each file operation is a round trip to
 * Node's thread pool, and data arrives from the network in chunks of 64 KiB, so chunks are
 * gathered and written together with one `writev`.
 */
import { mkdir, open, type FileHandle } from "node:fs/promises";
import { dirname } from "node:path";

/** Gather at least this much before a write. */
const WRITE_BATCH_BYTES = 1024 * 1024;

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

/** Chunks added to a file, written together once WRITE_BATCH_BYTES have gathered (and by `flush`). */
export class BatchedWriter {
  private parts: Buffer[] = [];
  private pending = 0;
  /** Bytes added so far. */
  bytes = 0;

  constructor(private readonly handle: FileHandle) {}

  /** Take a chunk; resolves once it is gathered, or written when it completes a batch. */
  async add(chunk: Buffer): Promise<void> {
    this.parts.push(chunk);
    this.pending += chunk.length;
    this.bytes += chunk.length;
    if (this.pending >= WRITE_BATCH_BYTES) await this.flush();
  }

  /** Close the file (what has gathered and not been flushed is not written); closing twice is fine. */
  async close(): Promise<void> {
    await this.handle.close().catch(() => undefined);
  }

  /** Write what has gathered. */
  async flush(): Promise<void> {
    const parts = this.parts;
    const total = this.pending;
    this.parts = [];
    this.pending = 0;
    if (total === 0) return;
    let { bytesWritten } = await this.handle.writev(parts);
    // A short write (a signal, a full disk that then errors): write what is left.
    while (bytesWritten < total) bytesWritten += (await this.handle.write(Buffer.concat(parts).subarray(bytesWritten))).bytesWritten;
  }
}
