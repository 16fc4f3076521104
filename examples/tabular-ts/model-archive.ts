/**
 * The files of a model.tar.gz (gzip, ustar), for the examples' tests: enough of the format to read
 * what SageMaker (and optml) pack, with no dependency.
 */
import { readFileSync } from "node:fs";
import { gunzipSync } from "node:zlib";

export function readTarGz(file: string): Map<string, Buffer> {
  const tar = gunzipSync(readFileSync(file));
  const files = new Map<string, Buffer>();
  const field = (header: Buffer, from: number, length: number) => header.subarray(from, from + length).toString("utf8").replace(/\0.*$/s, "");
  for (let at = 0; at + 512 <= tar.length; ) {
    const header = tar.subarray(at, at + 512);
    if (header.every((b) => b === 0)) break;
    const name = field(header, 0, 100);
    const prefix = field(header, 345, 155);
    const size = parseInt(field(header, 124, 12).trim() || "0", 8);
    const type = field(header, 156, 1);
    if (type === "0" || type === "") files.set((prefix ? `${prefix}/${name}` : name).replace(/^\.\//, ""), tar.subarray(at + 512, at + 512 + size));
    at += 512 + Math.ceil(size / 512) * 512;
  }
  return files;
}
