/**
 * The objects a host's channel holds, each with the path it takes in the channel directory: every
 * object under an S3 prefix (S3Prefix), or the objects a manifest lists (ManifestFile), from S3
 * or from local `file://` paths, then the host's share of them under ShardedByS3Key (see
 * sharding.ts). Resolving checks what SageMaker checks before a job starts: that there is data,
 * and that no object would land outside the channel directory.
 */
import { lstat, readdir, readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import type { ChannelPlacement } from "../jobs/plan.js";
import type { DataContext } from "./context.js";
import { DataError, describeS3Error, localFailed, missingManifestObject, noLocalFiles, noS3Objects } from "./errors.js";
import type { Location } from "./location.js";
import { parseManifest } from "./manifest.js";
import { findCollision, relativePathOfKey, safeRelativePath } from "./object-paths.js";
import { forEachLimited, headObject, listObjects, objectText, s3Uri, type ListedObject } from "./s3-objects.js";
import { shardItems, sortKeys } from "./sharding.js";

export type ChannelObject =
  | {
      readonly kind: "s3";
      /** Where it lands, relative to the channel directory. */
      readonly path: string;
      readonly uri: string;
      readonly bucket: string;
      readonly key: string;
      readonly size: number;
      readonly etag: string;
      readonly lastModified: Date | undefined;
    }
  | { readonly kind: "file"; readonly path: string; readonly uri: string; readonly file: string; readonly size: number };

const WHERE = "the channel directory";

function s3Object(o: ListedObject, bucket: string, relative: string): ChannelObject {
  const uri = s3Uri(bucket, o.key);
  const path = safeRelativePath(relative, uri, WHERE);
  if (path instanceof DataError) throw path;
  return { kind: "s3", path, uri, bucket, key: o.key, size: o.size, etag: o.etag, lastModified: o.lastModified };
}

/** Every regular file under `dir` (following links, unless `followLinks` is false), as paths relative to it, sorted. */
export async function walkFiles(dir: string, { followLinks = true }: { followLinks?: boolean } = {}): Promise<{ path: string; size: number; mtimeMs: number }[]> {
  const found: { path: string; size: number; mtimeMs: number }[] = [];
  const look = followLinks ? stat : lstat;
  const visit = async (relative: string) => {
    for (const name of await readdir(join(dir, relative))) {
      const path = relative ? `${relative}/${name}` : name;
      const info = await look(join(dir, path)).catch(() => undefined);
      if (info?.isDirectory()) await visit(path);
      else if (info?.isFile()) found.push({ path, size: info.size, mtimeMs: info.mtimeMs });
    }
  };
  await visit("");
  const order = sortKeys(found.map((f) => f.path));
  const byPath = new Map(found.map((f) => [f.path, f]));
  return order.map((p) => byPath.get(p)!);
}

async function localPrefixObjects(placement: ChannelPlacement, path: string): Promise<ChannelObject[]> {
  const info = await stat(path).catch(() => undefined);
  if (!info) throw noLocalFiles(placement.sourceUri, placement.channel, "it does not exist");
  if (!info.isDirectory()) {
    const name = path.slice(path.lastIndexOf("/") + 1);
    return [{ kind: "file", path: name, uri: placement.sourceUri, file: path, size: info.size }];
  }
  const files = await walkFiles(path).catch((e: unknown) => {
    throw localFailed("read", placement.sourceUri, e);
  });
  if (files.length === 0) throw noLocalFiles(placement.sourceUri, placement.channel);
  return files.map((f) => ({ kind: "file", path: f.path, uri: `file://${join(path, f.path)}`, file: join(path, f.path), size: f.size }));
}

async function s3PrefixObjects(data: DataContext, placement: ChannelPlacement, bucket: string, prefix: string, signal?: AbortSignal): Promise<ChannelObject[]> {
  const listed = await listObjects(data.s3, bucket, prefix, signal);
  const objects: ChannelObject[] = [];
  for (const o of listed) {
    const relative = relativePathOfKey(prefix, o.key);
    if (relative !== undefined) objects.push(s3Object(o, bucket, relative));
  }
  if (objects.length === 0) throw noS3Objects(placement.sourceUri);
  return objects;
}

async function manifestObjects(data: DataContext, placement: ChannelPlacement, signal?: AbortSignal): Promise<ChannelObject[]> {
  const source = placement.source;
  const text =
    source.kind === "s3"
      ? await objectText(data.s3, source.bucket, source.key)
      : await readFile(source.path, "utf8").catch((e: unknown) => {
          throw localFailed("read the manifest file", placement.sourceUri, e);
        });
  const manifest = parseManifest(text, placement.sourceUri);
  if (manifest instanceof DataError) throw manifest;
  if (manifest.keys.length === 0) throw new DataError(`The manifest file "${placement.sourceUri}" lists no objects`);
  const prefix = manifest.prefix;
  const objects: (ChannelObject | undefined)[] = new Array(manifest.keys.length);
  await forEachLimited(
    [...manifest.keys.entries()],
    data.concurrency,
    async ([i, relative]) => {
      const uri = `${manifest.prefixUri}${relative}`;
      const path = safeRelativePath(relative, uri, WHERE);
      if (path instanceof DataError) throw path;
      if (prefix.kind === "file") {
        const file = `${prefix.path}${manifest.prefixUri.endsWith("/") ? "/" : ""}${relative}`;
        const info = await stat(file).catch((e: NodeJS.ErrnoException) => {
          throw missingManifestObject(placement.sourceUri, uri, e.code ?? e.message);
        });
        if (!info.isFile()) throw missingManifestObject(placement.sourceUri, uri, "it is not a file");
        objects[i] = { kind: "file", path, uri, file, size: info.size };
        return;
      }
      const key = `${prefix.key}${relative}`;
      const head = await headObject(data.s3, prefix.bucket, key, signal).catch((e: unknown) => {
        throw missingManifestObject(placement.sourceUri, uri, describeS3Error(e));
      });
      objects[i] = s3Object(head, prefix.bucket, path);
    },
    signal,
  );
  return objects as ChannelObject[];
}

/** The S3 key (or, for a local file, the relative path) that ShardedByS3Key sorts and shards on. */
function shardKey(o: ChannelObject): string {
  return o.kind === "s3" ? o.key : o.path;
}

/** The objects of a host's channel, in the order a Pipe mode pass streams them. */
export async function channelObjects(data: DataContext, placement: ChannelPlacement, signal?: AbortSignal): Promise<ChannelObject[]> {
  const source: Location = placement.source;
  let objects: ChannelObject[];
  if (placement.dataType === "ManifestFile") objects = await manifestObjects(data, placement, signal);
  else if (placement.dataType === "S3Prefix") {
    objects = source.kind === "file" ? await localPrefixObjects(placement, source.path) : await s3PrefixObjects(data, placement, source.bucket, source.key, signal);
  } else {
    throw new DataError(`channel '${placement.channel}': S3DataType ${placement.dataType} is not supported`);
  }
  const collision = findCollision(objects, WHERE);
  if (collision) throw collision;
  return shardItems(objects, shardKey, placement.shard);
}
