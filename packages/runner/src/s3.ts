/**
 * Downloading the code archive from S3 with the AWS SDK, configured the standard AWS way: the
 * credentials chain, `AWS_REGION`/`AWS_DEFAULT_REGION`, and an endpoint override from
 * `AWS_ENDPOINT_URL_S3` / `AWS_ENDPOINT_URL` (or the reference toolkit's `S3_ENDPOINT_URL`), with
 * path-style addressing when an endpoint is overridden or `AWS_S3_FORCE_PATH_STYLE` is true.
 */
import { createWriteStream } from "node:fs";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { S3ClientConfig } from "@aws-sdk/client-s3";
import { s3Settings, type ProcessEnv } from "@optml/contract";
import { s3DownloadFailed } from "./errors.js";
import type { S3Location } from "./s3-location.js";

/** The S3 client's settings for this environment; `fallbackRegion` when none is configured. */
export function s3ClientConfig(env: ProcessEnv, fallbackRegion: string | undefined): S3ClientConfig {
  return { ...s3Settings(env, fallbackRegion || "us-east-1"), followRegionRedirects: true };
}

/** Download one object to a local file. Throws a RunnerError that says what went wrong. */
export async function downloadS3Object(
  uri: string,
  location: S3Location,
  file: string,
  config: S3ClientConfig,
  signal: AbortSignal,
): Promise<void> {
  const { S3Client, GetObjectCommand } = await import("@aws-sdk/client-s3");
  const client = new S3Client(config);
  try {
    const response = await client.send(new GetObjectCommand({ Bucket: location.bucket, Key: location.key }), { abortSignal: signal });
    const body = response.Body;
    if (!(body instanceof Readable)) throw new Error("the response has no body stream");
    await pipeline(body, createWriteStream(file), { signal });
  } catch (e) {
    if (signal.aborted) throw signal.reason;
    throw s3DownloadFailed(uri, describeS3Error(e));
  } finally {
    client.destroy();
  }
}

function describeS3Error(e: unknown): string {
  const error = e as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } };
  const status = error.$metadata?.httpStatusCode;
  const name = error.name && error.name !== "Error" ? `${error.name}: ` : "";
  return `${name}${error.message ?? String(e)}${status ? ` (HTTP ${status})` : ""}`;
}
