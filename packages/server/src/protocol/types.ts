import type { WireServiceModel } from "./wire-model.js";

/**
 * The one wire-protocol layer (awsJson1_1; rpc-v2-cbor, awsJson1_0 and query for services with a model) and what it hands to the thin per-operation handlers.
 * Handlers take the parsed JSON input and return a plain object; `Date` values in the output are
 * written as epoch seconds, as AWS JSON protocols do. A handler signals an API error by throwing
 * an `ApiError` (see errors.ts); anything else thrown becomes an InternalFailure (HTTP 500) and is
 * logged — handlers must not let that happen for bad input.
 */
export interface RequestContext {
  /** e.g. "CreateTrainingJob" */
  readonly operation: string;
  /** The X-Amz-Target prefix of the service, e.g. "SageMaker" or "Logs_20140328". */
  readonly service: string;
  /** Region from the SigV4 credential scope, else the server's default region. */
  readonly region: string;
  /** The access key id that signed the request, when there was one. */
  readonly accessKeyId: string | undefined;
  /** Sent back as x-amzn-RequestId. */
  readonly requestId: string;
  /** The wire protocol the request came in (handlers answer the same whatever it is). */
  readonly protocol?: WireProtocol;
}

export type WireProtocol = "awsJson1_0" | "awsJson1_1" | "rpcv2Cbor" | "awsQuery";

export type Handler = (input: Record<string, unknown>, ctx: RequestContext) => unknown | Promise<unknown>;

export interface ServiceDefinition {
  /** X-Amz-Target prefix: "SageMaker" for SageMaker, "Logs_20140328" for CloudWatch Logs. */
  readonly targetPrefix: string;
  /** SigV4 signing name: "sagemaker" or "logs". */
  readonly signingName: string;
  readonly handlers: Readonly<Record<string, Handler>>;
  /**
   * The service's shapes (wire-model.ts). With one, the service is served in every protocol the
   * model lists (rpc-v2-cbor, awsJson1_0, query), and handler input has Dates for timestamps;
   * without, in awsJson1_1 alone with the JSON as sent.
   */
  readonly model?: WireServiceModel;
}

export interface AuthConfig {
  /** access key id -> secret access key; requests signed with anything else are refused. */
  readonly credentials: Readonly<Record<string, string>>;
  /**
   * The one region this endpoint serves, as an AWS endpoint does: requests signed for another are
   * refused ("Credential should be scoped to a valid region"). Unset: any region is accepted and
   * becomes the request's region.
   */
  readonly region?: string;
  /** The clock signatures are checked against (epoch ms; default Date.now): 15 minutes either way. */
  readonly now?: () => number;
}

export interface ApiServerOptions {
  readonly services: readonly ServiceDefinition[];
  /** When set, every request must carry a valid SigV4 signature from one of these credentials. */
  readonly auth?: AuthConfig;
  /** Region used when a request carries none (default "us-east-1"). */
  readonly defaultRegion?: string;
  /** Largest accepted request body (default 10 MiB); larger bodies get an AWS-shaped error. */
  readonly maxBodyBytes?: number;
  /**
   * Requests served beside the AWS protocol (the dashboard, dashboard/routes.ts): called first for
   * each request with a Host; it answers and returns true for a request that is its own, else
   * returns false and leaves the request untouched.
   */
  readonly route?: (req: import("node:http").IncomingMessage, res: import("node:http").ServerResponse) => boolean;
  /** Where unexpected handler failures are reported (default: stderr). */
  readonly onInternalError?: (error: unknown, ctx: RequestContext | undefined) => void;
}
