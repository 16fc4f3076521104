/**
 * A minimal tar writer for tests: it writes exactly the entries it is given, including the unsafe
 * ones (absolute paths, `..`, links outside) that real archivers refuse to produce.
 */
import { gzipSync } from "node:zlib";

export interface TarEntry {
  readonly name: string;
  /** "file" (default), "dir", "symlink" or "hardlink". */
  readonly type?: "file" | "dir" | "symlink" | "hardlink";
  readonly content?: string;
  readonly linkname?: string;
  readonly mode?: number;
}

const TYPE_FLAG = { file: "0", dir: "5", symlink: "2", hardlink: "1" } as const;

function octal(value: number, width: number): string {
  return value.toString(8).padStart(width - 1, "0") + "\0";
}

function header(entry: TarEntry, size: number): Buffer {
  const block = Buffer.alloc(512);
  const type = entry.type ?? "file";
  const write = (text: string, offset: number, length: number) => {
    const bytes = Buffer.from(text, "utf8");
    if (bytes.length > length) throw new Error(`tar-writer: ${text} is too long`);
    bytes.copy(block, offset);
  };
  write(entry.name, 0, 100);
  write(octal(entry.mode ?? (type === "dir" ? 0o755 : 0o644), 8), 100, 8);
  write(octal(0, 8), 108, 8);
  write(octal(0, 8), 116, 8);
  write(octal(size, 12), 124, 12);
  write(octal(1_700_000_000, 12), 136, 12);
  block.fill(" ", 148, 156);
  write(TYPE_FLAG[type], 156, 1);
  write(entry.linkname ?? "", 157, 100);
  write("ustar\0", 257, 6);
  write("00", 263, 2);
  let sum = 0;
  for (const byte of block) sum += byte;
  write(sum.toString(8).padStart(6, "0") + "\0 ", 148, 8);
  return block;
}

/** A tar archive of the entries, gzip-compressed. */
export function tarGz(entries: readonly TarEntry[]): Buffer {
  const blocks: Buffer[] = [];
  for (const entry of entries) {
    const content = Buffer.from(entry.content ?? "", "utf8");
    const type = entry.type ?? "file";
    const size = type === "file" ? content.length : 0;
    blocks.push(header(entry, size));
    if (size > 0) {
      blocks.push(content);
      blocks.push(Buffer.alloc((512 - (size % 512)) % 512));
    }
  }
  blocks.push(Buffer.alloc(1024));
  return gzipSync(Buffer.concat(blocks));
}
