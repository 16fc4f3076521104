/**
 * The control plane's S3 access, configured the standard AWS way: the credentials chain (or
 * AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN in the given environment),
 * AWS_REGION / AWS_DEFAULT_REGION, and an endpoint from AWS_ENDPOINT_URL_S3 / AWS_ENDPOINT_URL,
 * with path-style addressing when the endpoint is overridden (or AWS_S3_FORCE_PATH_STYLE is
 * true): the same setup works with AWS S3, MinIO or any S3-compatible server. Requests are
 * retried a bounded number of times (AWS_MAX_ATTEMPTS, default 3) and a connection that cannot
 * be made fails after a few seconds, so a bad endpoint fails a job instead of hanging it.
 */
import { Agent as HttpAgent } from "node:http";
import { Agent as HttpsAgent } from "node:https";
import { S3Client, type S3ClientConfig } from "@aws-sdk/client-s3";
import { s3Settings } from "@optml/contract";

export type Environment = Readonly<Record<string, string | undefined>>;

/** Requests to S3 at once (downloads of a channel's objects, uploads of parts). */
export const DEFAULT_S3_CONCURRENCY = 32;

/** The S3 client's settings for this environment; `fallbackRegion` when none is configured. */
export function s3ClientConfig(env: Environment, fallbackRegion: string, concurrency = DEFAULT_S3_CONCURRENCY): S3ClientConfig {
  const attempts = Number(env.AWS_MAX_ATTEMPTS);
  const config: S3ClientConfig = {
    ...s3Settings(env, fallbackRegion),
    followRegionRedirects: true,
    maxAttempts: Number.isInteger(attempts) && attempts >= 1 ? attempts : 3,
    // Whole-object checksums cost CPU on every byte and say nothing more than TCP and the
    // ETag-keyed cache do here; S3 still gets them where it requires them.
    requestChecksumCalculation: "WHEN_REQUIRED",
    responseChecksumValidation: "WHEN_REQUIRED",
    requestHandler: {
      httpAgent: new HttpAgent({ keepAlive: true, maxSockets: concurrency * 2 }),
      httpsAgent: new HttpsAgent({ keepAlive: true, maxSockets: concurrency * 2 }),
      connectionTimeout: 5_000,
      requestTimeout: 120_000,
    },
  };
  return config;
}

/** A counting semaphore: at most `limit` holders at once, served in arrival order. */
export class Limiter {
  private active = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(readonly limit: number) {}

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.active >= this.limit) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.active++;
    try {
      return await task();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.active--;
    }
  }
}

/** One S3 client for the control plane, with a request limit and a count of requests by kind. */
export class S3Access {
  readonly client: S3Client;
  readonly limiter: Limiter;
  /** Requests sent, by command ("GetObjectCommand": 3, ...): what tests and diagnostics read. */
  readonly requests: Record<string, number> = {};

  constructor(env: Environment, fallbackRegion: string, readonly concurrency = DEFAULT_S3_CONCURRENCY) {
    this.client = new S3Client(s3ClientConfig(env, fallbackRegion, concurrency));
    this.limiter = new Limiter(concurrency);
    this.client.middlewareStack.add(
      (next, context) => (args) => {
        const name = context.commandName ?? "unknown";
        this.requests[name] = (this.requests[name] ?? 0) + 1;
        return next(args);
      },
      { step: "initialize", name: "optmlRequestCount" },
    );
  }

  destroy(): void {
    this.client.destroy();
  }
}
