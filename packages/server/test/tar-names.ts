import { gunzipSync } from "node:zlib";

/** The entry names of a .tar.gz, in archive order (ustar headers, with their prefix field). */
export function tarNames(gz: Buffer): string[] {
  const tar = gunzipSync(gz);
  const field = (header: Buffer, from: number, to: number) => header.subarray(from, to).toString("utf8").replace(/\0.*$/s, "");
  const names: string[] = [];
  for (let at = 0; at + 512 <= tar.length; ) {
    const header = tar.subarray(at, at + 512);
    if (header.every((b) => b === 0)) break;
    const name = field(header, 0, 100);
    const prefix = field(header, 345, 500);
    names.push(prefix ? `${prefix}/${name}` : name);
    at += 512 + Math.ceil(parseInt(field(header, 124, 136).trim() || "0", 8) / 512) * 512;
  }
  return names;
}
