/**
 * Docker's multiplexed stream (logs and attach of a container without a TTY): frames of an 8-byte
 * header — stream type (0 stdin, 1 stdout, 2 stderr), three zero bytes, the payload size as a
 * big-endian uint32 — then the payload. Headers and payloads may be split anywhere across chunks.
 */
export class FrameDecoder {
  private buffered: Buffer = Buffer.alloc(0);

  /** The payloads completed by this chunk, in order (stdout and stderr interleaved as sent). */
  push(chunk: Buffer): Buffer[] {
    this.buffered = this.buffered.length ? Buffer.concat([this.buffered, chunk]) : chunk;
    const out: Buffer[] = [];
    let at = 0;
    while (this.buffered.length - at >= 8) {
      const size = this.buffered.readUInt32BE(at + 4);
      if (this.buffered.length - at - 8 < size) break;
      if (size > 0) out.push(this.buffered.subarray(at + 8, at + 8 + size));
      at += 8 + size;
    }
    this.buffered = this.buffered.subarray(at);
    return out;
  }

  /** Bytes held for a frame not complete yet. */
  get pending(): number {
    return this.buffered.length;
  }
}

/** Encode one frame (tests, and anything that fakes an engine). */
export function encodeFrame(stream: 1 | 2, payload: Buffer | string): Buffer {
  const data = Buffer.isBuffer(payload) ? payload : Buffer.from(payload);
  const header = Buffer.alloc(8);
  header[0] = stream;
  header.writeUInt32BE(data.length, 4);
  return Buffer.concat([header, data]);
}

/**
 * Skip the first `skip` bytes of a byte sequence that arrives in chunks: what is left of each
 * chunk, with the running offset (bytes seen so far, skipped ones included) after it.
 */
export class ByteSkipper {
  private seen = 0;
  constructor(private readonly skip: number) {}

  take(data: Buffer): { data: Buffer; offset: number } | undefined {
    const start = this.seen;
    this.seen += data.length;
    if (this.seen <= this.skip) return undefined;
    return { data: start >= this.skip ? data : data.subarray(this.skip - start), offset: this.seen };
  }

  get offset(): number {
    return this.seen;
  }
}
