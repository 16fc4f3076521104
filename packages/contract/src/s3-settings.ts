/**
 * S3 settings read the standard AWS way from an environment, shared by the runner (code download)
 * and the control plane (channels, artifacts) so both reach the same store: an endpoint override
 * from `AWS_ENDPOINT_URL_S3`, else `AWS_ENDPOINT_URL` (else the reference toolkit's
 * `S3_ENDPOINT_URL`), path-style addressing when the endpoint is overridden or
 * `AWS_S3_FORCE_PATH_STYLE` is true, the region from `AWS_REGION` / `AWS_DEFAULT_REGION`, and keys
 * from the given environment when it holds them (the SDK's default chain reads process.env, which
 * a caller's environment may not be). Plain data: no SDK here.
 */
import type { ProcessEnv } from "./environment.js";

export interface S3Settings {
  readonly region: string;
  readonly endpoint?: string;
  readonly forcePathStyle: boolean;
  readonly credentials?: { readonly accessKeyId: string; readonly secretAccessKey: string; readonly sessionToken?: string };
}

function truthy(value: string | undefined): boolean {
  return value !== undefined && /^(?:1|true|yes|on)$/i.test(value.trim());
}

export function s3Settings(env: ProcessEnv, fallbackRegion: string): S3Settings {
  const endpoint = env.AWS_ENDPOINT_URL_S3 || env.AWS_ENDPOINT_URL || env.S3_ENDPOINT_URL || undefined;
  return {
    region: env.AWS_REGION || env.AWS_DEFAULT_REGION || fallbackRegion,
    ...(endpoint !== undefined ? { endpoint } : {}),
    forcePathStyle: endpoint !== undefined || truthy(env.AWS_S3_FORCE_PATH_STYLE),
    ...(env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY
      ? {
          credentials: {
            accessKeyId: env.AWS_ACCESS_KEY_ID,
            secretAccessKey: env.AWS_SECRET_ACCESS_KEY,
            ...(env.AWS_SESSION_TOKEN ? { sessionToken: env.AWS_SESSION_TOKEN } : {}),
          },
        }
      : {}),
  };
}
