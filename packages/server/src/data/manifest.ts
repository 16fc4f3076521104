/**
 * SageMaker's manifest file (S3DataType ManifestFile): a JSON list whose first element is
 * `{"prefix": "s3://bucket/prefix/"}` and whose other elements are keys relative to that prefix:
 *
 *   [ {"prefix": "s3://customer_bucket/some/prefix/"}, "relative/path/to/custdata-1", "custdata-2" ]
 *
 * Each object is `prefix + relative key` (plain concatenation, as SageMaker defines it), and it
 * lands in the channel directory at its relative key. The prefix may also be a `file://` URI (an
 * optml extension, as everywhere an S3 URI is taken). A key listed twice is used once.
 */
import { invalidManifest, type DataError } from "./errors.js";
import { LocationError, parseLocation, type Location } from "./location.js";

export interface Manifest {
  readonly prefixUri: string;
  readonly prefix: Location;
  /** The relative keys, in the manifest's order, each once. */
  readonly keys: readonly string[];
}

export function parseManifest(text: string, manifestUri: string): Manifest | DataError {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    return invalidManifest(manifestUri, `it is not JSON (${(e as Error).message})`);
  }
  if (!Array.isArray(value) || value.length === 0) return invalidManifest(manifestUri, "it is not a non-empty JSON list");
  const [head, ...rest] = value as unknown[];
  const prefixUri = typeof head === "object" && head !== null && !Array.isArray(head) ? (head as { prefix?: unknown }).prefix : undefined;
  if (typeof prefixUri !== "string") return invalidManifest(manifestUri, `its first element must be {"prefix": "s3://..."}`);
  let prefix: Location;
  try {
    prefix = parseLocation(prefixUri);
  } catch (e) {
    if (e instanceof LocationError) return invalidManifest(manifestUri, `its prefix ${e.message}`);
    throw e;
  }
  const keys: string[] = [];
  const seen = new Set<string>();
  for (const [i, key] of rest.entries()) {
    if (typeof key !== "string") return invalidManifest(manifestUri, `element ${i + 2} is not a string (every element after the first is a relative key)`);
    if (seen.has(key)) continue;
    seen.add(key);
    keys.push(key);
  }
  return { prefixUri, prefix, keys };
}
