/**
 * Where data lives: `s3://bucket/key` or, as an optml extension wherever AWS takes an S3 URI,
 * `file:///absolute/path` on this machine. A file path is normalised (`.`, `..` and repeated slashes
 * resolved as text, no trailing slash), so that `file:///tmp/a/../b` is `/tmp/b` everywhere it is
 * used, checked or shown.
 */
import { posix } from "node:path";

export type Location = { readonly kind: "file"; readonly path: string } | { readonly kind: "s3"; readonly bucket: string; readonly key: string };

export class LocationError extends Error {
  override readonly name = "LocationError";
}

export function parseLocation(uri: string): Location {
  if (uri.startsWith("file://")) {
    const rest = uri.slice("file://".length);
    if (!rest.startsWith("/")) throw new LocationError(`"${uri}" must be an absolute file:// URI, like file:///data/train`);
    let path: string;
    try {
      path = decodeURIComponent(rest);
    } catch {
      throw new LocationError(`"${uri}" has a broken %-escape`);
    }
    const normal = posix.normalize(path);
    return { kind: "file", path: normal.length > 1 ? normal.replace(/\/+$/, "") : normal };
  }
  const m = /^(?:s3|https):\/\/([^/]+)\/?(.*)$/.exec(uri);
  if (!m) throw new LocationError(`"${uri}" is neither an s3:// nor a file:// URI`);
  return { kind: "s3", bucket: m[1]!, key: m[2]! };
}

/** `<base>/<parts...>` for either kind of URI, with exactly one slash between parts. */
export function joinUri(base: string, ...parts: string[]): string {
  return [base.replace(/\/+$/, ""), ...parts.map((p) => p.replace(/^\/+|\/+$/g, ""))].join("/");
}

/** An S3 key under a prefix, with exactly one slash between them (none when the prefix is empty). */
export function joinKey(prefix: string, relative: string): string {
  const base = prefix.replace(/\/+$/, "");
  return base === "" ? relative : `${base}/${relative}`;
}
