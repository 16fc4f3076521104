/**
 * Passing a child's output through: bytes unchanged, written in whole lines as they arrive, and a
 * partial line (a prompt, a progress bar) written when no newline follows it soon. The tail of
 * stderr is kept for the failure file.
 */
export interface ByteSink {
  write(chunk: Uint8Array): unknown;
}

const NEWLINE = 0x0a;

export class LinePassthrough {
  #pending: Buffer = Buffer.alloc(0);
  #timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly sink: ByteSink,
    private readonly partialLineDelayMs = 200,
  ) {}

  write(chunk: Buffer): void {
    const data = this.#pending.length === 0 ? chunk : Buffer.concat([this.#pending, chunk]);
    const lastNewline = data.lastIndexOf(NEWLINE);
    if (lastNewline >= 0) this.sink.write(data.subarray(0, lastNewline + 1));
    this.#pending = Buffer.from(data.subarray(lastNewline + 1));
    this.#schedule();
  }

  /** Write what is left (the last line without a newline). */
  end(): void {
    this.#flush();
  }

  #schedule(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#pending.length > 0) this.#timer = setTimeout(() => this.#flush(), this.partialLineDelayMs);
  }

  #flush(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#pending.length > 0) this.sink.write(this.#pending);
    this.#pending = Buffer.alloc(0);
  }
}

/** The last `maxBytes` bytes of a stream, as text. */
export class TailBuffer {
  #chunks: Buffer[] = [];
  #size = 0;
  #truncated = false;

  constructor(private readonly maxBytes = 16 * 1024) {}

  push(chunk: Buffer): void {
    this.#chunks.push(chunk);
    this.#size += chunk.length;
    while (this.#chunks.length > 1 && this.#size - this.#chunks[0]!.length >= this.maxBytes) {
      this.#size -= this.#chunks.shift()!.length;
      this.#truncated = true;
    }
  }

  /** The kept bytes as UTF-8; when older output was dropped, from the first whole line. */
  text(): string {
    let data = Buffer.concat(this.#chunks);
    let truncated = this.#truncated;
    if (data.length > this.maxBytes) {
      data = data.subarray(data.length - this.maxBytes);
      truncated = true;
    }
    const text = data.toString("utf8");
    if (!truncated) return text;
    const newline = text.indexOf("\n");
    return newline >= 0 ? text.slice(newline + 1) : text.replace(/^\uFFFD+/, "");
  }
}
