/** An S3 object's address (kept apart from s3.ts so that reading one does not load the S3 code). */
export interface S3Location {
  readonly bucket: string;
  readonly key: string;
}

/** `s3://bucket/key` -> bucket and key; undefined when it is not an S3 URI naming an object. */
export function parseS3Uri(uri: string): S3Location | undefined {
  const match = /^s3:\/\/([^/]+)\/(.+)$/.exec(uri);
  return match ? { bucket: match[1]!, key: match[2]! } : undefined;
}
