/**
 * The job's data problems, in one place: each is a `DataError`, and a job that meets one fails
 * with `ClientError: <message>`, as SageMaker reports a request whose data it cannot use.
 */

/** A problem with the job's data: the job fails with `ClientError: <message>`. */
export class DataError extends Error {
  override readonly name = "DataError";
}

/** SageMaker's own message for a prefix that holds nothing. */
export function noS3Objects(uri: string): DataError {
  return new DataError(`No S3 objects found under S3 URL "${uri}"`);
}

export function noLocalFiles(uri: string, channel: string, why?: string): DataError {
  return new DataError(`No files found under local path "${uri}" (channel '${channel}')${why ? `: ${why}` : ""}`);
}

/**
 * What an S3 failure was, in one line: the error's code and message, the HTTP status, and how
 * many attempts were made when the SDK retried.
 */
export function describeS3Error(e: unknown): string {
  const error = e as { name?: string; code?: string; message?: string; $metadata?: { httpStatusCode?: number; attempts?: number } };
  const status = error.$metadata?.httpStatusCode;
  const attempts = error.$metadata?.attempts;
  const name = error.name && error.name !== "Error" ? error.name : error.code;
  const message = error.message && error.message !== "UnknownError" && error.message !== name ? error.message : "";
  const text = (name && message.includes(name) ? message : [name, message].filter(Boolean).join(": ")) || String(e);
  return `${text}${status ? ` (HTTP ${status})` : ""}${attempts && attempts > 1 ? ` after ${attempts} attempts` : ""}`;
}

/** An S3 request that failed for good (after the SDK's bounded retries). */
export function s3Failed(action: string, uri: string, cause: unknown): DataError {
  return new DataError(`Cannot ${action} S3 URL "${uri}": ${describeS3Error(cause)}`);
}

export function localFailed(action: string, uri: string, cause: unknown): DataError {
  const error = cause as NodeJS.ErrnoException;
  return new DataError(`Cannot ${action} "${uri}": ${error.code ? `${error.code}: ` : ""}${error.message ?? String(cause)}`);
}

export function unsafeObjectPath(uri: string, where: string, why: string): DataError {
  return new DataError(`Refusing "${uri}": it would be written outside ${where} (${why})`);
}

export function collidingObjects(a: string, b: string, where: string): DataError {
  return new DataError(`"${a}" and "${b}" cannot both be files in ${where}: one's path is a directory of the other`);
}

export function invalidManifest(uri: string, why: string): DataError {
  return new DataError(`The manifest file "${uri}" is not valid: ${why}. A manifest is a JSON list: [{"prefix": "s3://bucket/prefix/"}, "relative/key-1", ...]`);
}

export function missingManifestObject(manifestUri: string, objectUri: string, cause: string): DataError {
  return new DataError(`The manifest file "${manifestUri}" lists "${objectUri}", which cannot be read: ${cause}`);
}

export function pipeSourceFailed(channel: string, uri: string, cause: unknown): DataError {
  const why = cause instanceof DataError ? cause.message : describeS3Error(cause);
  return new DataError(`Pipe mode channel '${channel}': streaming "${uri}" failed: ${why}`);
}
