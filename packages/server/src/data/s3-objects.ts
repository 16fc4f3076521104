/**
 * S3 objects in and out: listing a prefix, reading an object as a stream or text, downloading
 * one to a file through the content cache, and uploading streams and files. Uploads go through
 * @aws-sdk/lib-storage: a body above one part is a multipart upload, which S3 shows only once it
 * is completed, and which is aborted when anything fails, so an object is never visible
 * half-written. Every failure is a DataError that names the S3 URL and the cause.
 */
import { randomBytes } from "node:crypto";
import { setMaxListeners } from "node:events";
import { createReadStream } from "node:fs";
import { rename, rm, utimes, type FileHandle } from "node:fs/promises";
import { Readable } from "node:stream";
import { GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, type GetObjectCommandOutput } from "@aws-sdk/client-s3";
import { Upload } from "@aws-sdk/lib-storage";
import type { CachedObject } from "./cache.js";
import type { DataContext } from "./context.js";
import { s3Failed } from "./errors.js";
import { BatchedWriter, openForWriting } from "./file-writes.js";
import type { S3Access } from "./s3-client.js";

export const UPLOAD_PART_BYTES = 8 * 1024 * 1024;

export function s3Uri(bucket: string, key: string): string {
  return `s3://${bucket}/${key}`;
}

export interface ListedObject {
  readonly key: string;
  readonly size: number;
  readonly etag: string;
  readonly lastModified: Date | undefined;
}

function aborted(signal: AbortSignal | undefined, e: unknown): boolean {
  return signal?.aborted === true || (e as Error)?.name === "AbortError";
}

/** Every object under `prefix`, in S3's order (UTF-8 bytes of the keys). */
export async function listObjects(s3: S3Access, bucket: string, prefix: string, signal?: AbortSignal): Promise<ListedObject[]> {
  const objects: ListedObject[] = [];
  let token: string | undefined;
  try {
    do {
      const page = await s3.client.send(
        new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ...(token ? { ContinuationToken: token } : {}) }),
        signal ? { abortSignal: signal } : {},
      );
      for (const o of page.Contents ?? []) {
        objects.push({ key: o.Key!, size: o.Size ?? 0, etag: o.ETag ?? "", lastModified: o.LastModified });
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
  } catch (e) {
    if (aborted(signal, e)) throw e;
    throw s3Failed("list", s3Uri(bucket, prefix), e);
  }
  return objects;
}

/** One object's size, ETag and LastModified; the SDK error when it cannot be read. */
export async function headObject(s3: S3Access, bucket: string, key: string, signal?: AbortSignal): Promise<ListedObject> {
  const head = await s3.limiter.run(() => s3.client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }), signal ? { abortSignal: signal } : {}));
  return { key, size: head.ContentLength ?? 0, etag: head.ETag ?? "", lastModified: head.LastModified };
}

/** GetObject; an abort ends the request, and with it the body. */
function getObject(s3: S3Access, bucket: string, key: string, signal?: AbortSignal): Promise<GetObjectCommandOutput> {
  return s3.client.send(new GetObjectCommand({ Bucket: bucket, Key: key }), signal ? { abortSignal: signal } : {});
}

/** What GetObject gave: the body as a stream (the caller consumes or destroys it) and what S3 says the object is. */
export interface ObjectResponse {
  readonly body: Readable;
  readonly etag: string | undefined;
  readonly lastModified: Date | undefined;
  readonly size: number | undefined;
}

export async function objectResponse(s3: S3Access, bucket: string, key: string, signal?: AbortSignal): Promise<ObjectResponse> {
  try {
    const response = await getObject(s3, bucket, key, signal);
    if (!(response.Body instanceof Readable)) throw new Error("the response has no body stream");
    return { body: response.Body, etag: response.ETag, lastModified: response.LastModified, size: response.ContentLength };
  } catch (e) {
    if (aborted(signal, e)) throw e;
    throw s3Failed("read", s3Uri(bucket, key), e);
  }
}

export async function objectText(s3: S3Access, bucket: string, key: string): Promise<string> {
  const { body } = await objectResponse(s3, bucket, key);
  const chunks: Buffer[] = [];
  try {
    for await (const chunk of body) chunks.push(chunk as Buffer);
  } catch (e) {
    throw s3Failed("read", s3Uri(bucket, key), e);
  }
  return Buffer.concat(chunks).toString("utf8");
}

/** Download one object to `file` (which the caller makes visible); what S3 says the object was. */
export async function downloadToFile(s3: S3Access, bucket: string, key: string, file: string, signal?: AbortSignal): Promise<{ etag?: string; lastModified?: Date; size: number }> {
  return s3.limiter.run(async () => {
    const response = await getObject(s3, bucket, key, signal);
    const body = response.Body;
    if (!(body instanceof Readable)) throw new Error("the response has no body stream");
    let handle: FileHandle;
    try {
      handle = await openForWriting(file);
    } catch (e) {
      body.destroy();
      throw e;
    }
    // The SDK ends the request on abort; the body is ended here too, whatever the SDK does.
    const onAbort = () => body.destroy(signal!.reason instanceof Error ? signal!.reason : new Error("aborted"));
    signal?.addEventListener("abort", onAbort, { once: true });
    const out = new BatchedWriter(handle);
    try {
      signal?.throwIfAborted();
      for await (const chunk of body) await out.add(chunk as Buffer);
      await out.flush();
    } finally {
      signal?.removeEventListener("abort", onAbort);
      await handle.close();
    }
    return { etag: response.ETag, lastModified: response.LastModified, size: out.bytes };
  });
}

/**
 * Put `object` at `destination`: from the content cache when it holds it, else downloaded (into
 * the cache when it is on). Resolves to whether it came from the cache.
 */
export async function fetchObject(data: DataContext, object: CachedObject, destination: string, signal?: AbortSignal): Promise<boolean> {
  const { cache } = data;
  if (await cache.place(object, destination)) return true;
  const temporary = cache.enabled ? await cache.temporaryPath() : undefined;
  try {
    if (temporary === undefined) {
      await downloadInPlace(data.s3, object.bucket, object.key, destination, signal, object.lastModified);
    } else {
      const got = await downloadToFile(data.s3, object.bucket, object.key, temporary, signal);
      await cache.admit(temporary, { ...object, etag: got.etag ?? object.etag, lastModified: got.lastModified ?? object.lastModified, size: got.size }, destination);
    }
  } catch (e) {
    if (temporary !== undefined) await rm(temporary, { force: true });
    if (aborted(signal, e)) throw e;
    throw s3Failed("download", s3Uri(object.bucket, object.key), e);
  }
  return false;
}

/**
 * Download one object to `file`, which appears only once whole (written beside it, then renamed)
 * with the object's LastModified (else `lastModifiedIfUnknown`, else now) as its mtime. A failed
 * download leaves nothing behind.
 */
export async function downloadInPlace(
  s3: S3Access,
  bucket: string,
  key: string,
  file: string,
  signal?: AbortSignal,
  lastModifiedIfUnknown?: Date,
): Promise<void> {
  const temporary = `${file}.optml-partial-${randomBytes(4).toString("hex")}`;
  try {
    const got = await downloadToFile(s3, bucket, key, temporary, signal);
    const now = new Date();
    await utimes(temporary, now, got.lastModified ?? lastModifiedIfUnknown ?? now);
    await rename(temporary, file);
  } catch (e) {
    await rm(temporary, { force: true });
    throw e;
  }
}

/** Upload a stream to one object (multipart above one part; aborted on failure). */
export async function uploadStream(s3: S3Access, bucket: string, key: string, body: Readable, signal?: AbortSignal): Promise<void> {
  const upload = new Upload({
    client: s3.client,
    params: { Bucket: bucket, Key: key, Body: body },
    partSize: UPLOAD_PART_BYTES,
    queueSize: 4,
    leavePartsOnError: false,
  });
  const onAbort = () => void upload.abort();
  signal?.addEventListener("abort", onAbort, { once: true });
  try {
    await upload.done();
  } catch (e) {
    body.destroy();
    if (aborted(signal, e)) throw e;
    throw s3Failed("upload to", s3Uri(bucket, key), e);
  } finally {
    signal?.removeEventListener("abort", onAbort);
  }
}

export function uploadFile(s3: S3Access, bucket: string, key: string, file: string, signal?: AbortSignal): Promise<void> {
  return uploadStream(s3, bucket, key, createReadStream(file), signal);
}

/** Run `task` on every item, `limit` at a time; the first failure stops the rest and is thrown. */
export async function forEachLimited<T>(items: readonly T[], limit: number, task: (item: T, signal: AbortSignal) => Promise<void>, outer?: AbortSignal): Promise<void> {
  const controller = new AbortController();
  // Every task listens to it (the SDK, pipelines): as many listeners as tasks at once is expected.
  setMaxListeners(Math.max(10, limit * 4), controller.signal);
  const onAbort = () => controller.abort(outer!.reason);
  outer?.addEventListener("abort", onAbort, { once: true });
  let next = 0;
  let failure: { error: unknown } | undefined;
  const worker = async () => {
    while (!failure && !controller.signal.aborted && next < items.length) {
      const item = items[next++]!;
      try {
        await task(item, controller.signal);
      } catch (e) {
        failure ??= { error: e };
        controller.abort(e);
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  } finally {
    outer?.removeEventListener("abort", onAbort);
  }
  if (failure) throw failure.error;
  if (outer?.aborted) throw outer.reason;
}
