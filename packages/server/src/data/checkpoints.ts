/**
 * Checkpoints (CheckpointConfig): before a host starts, everything under `S3Uri` (an S3 prefix
 * taken as a directory, or a `file://` directory) is restored into the host's checkpoint
 * directory (LocalPath, default /opt/ml/checkpoints, inside the host's base dir); while the host
 * runs and once more when it has exited, new and changed files there are uploaded back to
 * `S3Uri` (dir-sync.ts), as SageMaker does, so a job started again from the same S3Uri resumes.
 */
import { copyFile, mkdir } from "node:fs/promises";
import { dirname } from "node:path";
import { walkFiles } from "./channel-objects.js";
import type { DataContext } from "./context.js";
import { DataError, localFailed, s3Failed } from "./errors.js";
import { parseLocation } from "./location.js";
import { findCollision, relativePathOfKey, safeRelativePath } from "./object-paths.js";
import { downloadInPlace, forEachLimited, listObjects, s3Uri } from "./s3-objects.js";

const WHERE = "the checkpoint directory";

/** Restore the checkpoints at `uri` into `dir`; the paths restored, relative to `dir`. */
export async function restoreCheckpoints(data: DataContext, uri: string, dir: string, signal?: AbortSignal): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const source = parseLocation(uri);
  if (source.kind === "file") {
    const files = await walkFiles(source.path).catch((e: NodeJS.ErrnoException) => {
      if (e.code === "ENOENT") return [];
      throw localFailed("read the checkpoints at", uri, e);
    });
    for (const f of files) {
      await mkdir(dirname(`${dir}/${f.path}`), { recursive: true });
      await copyFile(`${source.path}/${f.path}`, `${dir}/${f.path}`).catch((e: unknown) => {
        throw localFailed("restore the checkpoint", `file://${source.path}/${f.path}`, e);
      });
    }
    return files.map((f) => f.path);
  }
  const prefix = source.key === "" || source.key.endsWith("/") ? source.key : `${source.key}/`;
  const listed = await listObjects(data.s3, source.bucket, prefix, signal);
  const objects: { path: string; uri: string; key: string }[] = [];
  for (const o of listed) {
    const relative = relativePathOfKey(prefix, o.key);
    if (relative === undefined) continue;
    const objectUri = s3Uri(source.bucket, o.key);
    const path = safeRelativePath(relative, objectUri, WHERE);
    if (path instanceof DataError) throw path;
    objects.push({ path, uri: objectUri, key: o.key });
  }
  const collision = findCollision(objects, WHERE);
  if (collision) throw collision;
  await forEachLimited(
    objects,
    data.concurrency,
    async (o, inner) => {
      try {
        await downloadInPlace(data.s3, source.bucket, o.key, `${dir}/${o.path}`, inner);
      } catch (e) {
        if (inner.aborted) throw e;
        throw s3Failed("restore the checkpoint", o.uri, e);
      }
    },
    signal,
  );
  return objects.map((o) => o.path);
}
