/**
 * What the control plane's data work shares: the S3 client (made on first use, so jobs on local
 * paths never need AWS credentials), the content cache, and the settings of both.
 */
import { cacheDirOf, cacheLimitFromEnv, ContentCache } from "./cache.js";
import { DEFAULT_S3_CONCURRENCY, S3Access, type Environment } from "./s3-client.js";

export interface DataOptions {
  /**
   * AWS settings over the control plane's own environment (AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL,
   * AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN, AWS_REGION, ...), used for the
   * control plane's S3 access and given to every host's environment, so that the runner (an
   * s3:// sagemaker_submit_directory) and the program see the same S3.
   */
  readonly awsEnv?: Readonly<Record<string, string>>;
  /** The content cache's size limit in bytes (default: $OPTML_CACHE_LIMIT, else 20 GiB; 0: no cache). */
  readonly cacheLimitBytes?: number;
  /** How often checkpoints and intermediate output are looked at while a job runs (default 5000 ms). */
  readonly syncIntervalMs?: number;
  /** S3 requests at once (default: $OPTML_S3_CONCURRENCY, else 32). */
  readonly concurrency?: number;
}

export const DEFAULT_SYNC_INTERVAL_MS = 5_000;

export class DataContext {
  readonly cache: ContentCache;
  readonly syncIntervalMs: number;
  readonly concurrency: number;
  /** The environment S3 is configured from: the control plane's, with DataOptions.awsEnv over it. */
  readonly env: Environment;
  private access: S3Access | undefined;

  constructor(
    home: string,
    private readonly region: string,
    options: DataOptions = {},
    processEnv: Environment = process.env,
  ) {
    this.env = { ...processEnv, ...options.awsEnv };
    this.cache = new ContentCache(cacheDirOf(home), options.cacheLimitBytes ?? cacheLimitFromEnv(this.env));
    this.syncIntervalMs = options.syncIntervalMs ?? DEFAULT_SYNC_INTERVAL_MS;
    const fromEnv = Number(this.env.OPTML_S3_CONCURRENCY);
    this.concurrency = options.concurrency ?? (Number.isInteger(fromEnv) && fromEnv > 0 ? fromEnv : DEFAULT_S3_CONCURRENCY);
  }

  /** The S3 client, made on first use. */
  get s3(): S3Access {
    this.access ??= new S3Access(this.env, this.region, this.concurrency);
    return this.access;
  }

  /** Requests sent to S3 so far, by command. */
  get s3Requests(): Readonly<Record<string, number>> {
    return this.access?.requests ?? {};
  }

  close(): void {
    this.access?.destroy();
    this.access = undefined;
  }
}

