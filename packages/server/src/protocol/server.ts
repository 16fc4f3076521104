/**
 * The awsJson1_1 HTTP server: `POST /` with `X-Amz-Target: <prefix>.<Operation>`, dispatched to
 * the handlers of the services it is given (SageMaker, CloudWatch Logs, ...). Every failure is an
 * AWS-shaped error (`{"__type", "message"}` + `x-amzn-ErrorType`); only a handler's own bug gives
 * a 500 InternalFailure. No request, however malformed or aborted, can take the process down.
 */
import { randomUUID } from "node:crypto";
import http from "node:http";
import type { Duplex } from "node:stream";
import {
  ApiError,
  internalFailure,
  invalidRegionInScope,
  requestEntityTooLargeException,
  unknownOperationException,
  unservableHttpRequest,
} from "./errors.js";
import { collectHeaders, readCredentialScope, verifySigV4, type CredentialScope } from "./sigv4.js";
import type { ApiServerOptions, Handler, RequestContext, ServiceDefinition } from "./types.js";
import { errorBody, parseRequestBody, toWireJson } from "./wire-json.js";

export const DEFAULT_MAX_BODY_BYTES = 10 * 1024 * 1024;
export const DEFAULT_REGION = "us-east-1";
export const CONTENT_TYPE = "application/x-amz-json-1.1";
/** What a region in a credential scope must look like: it goes into ARNs (`[a-z0-9-]*` there). */
const REGION_NAME = /^[a-z0-9-]{1,64}$/;

interface Dispatch {
  readonly service: ServiceDefinition;
  readonly operation: string;
  readonly handler: Handler;
}

type BodyRead =
  | { readonly kind: "ok"; readonly body: Buffer }
  | { readonly kind: "too-large" }
  | { readonly kind: "aborted" };

export function createApiServer(options: ApiServerOptions): http.Server {
  const services = new Map(options.services.map((s) => [s.targetPrefix, s] as const));
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const reportInternal = options.onInternalError ?? reportToStderr;

  // Host is checked in serve(), so that its absence gets an AWS-shaped answer, not Node's bare 400.
  const server = http.createServer({ requireHostHeader: false }, (req, res) => {
    const requestId = randomUUID();
    req.on("error", ignore);
    res.on("error", ignore);
    serve(req, res, requestId).catch((error: unknown) => {
      safeReport(reportInternal, error, undefined);
      sendError(res, requestId, internalFailure());
    });
  });
  server.on("clientError", answerClientError);
  // An Expect other than 100-continue: Node's answer (417), AWS-shaped (a listener replaces Node's own).
  server.on("checkExpectation", (req: http.IncomingMessage, res: http.ServerResponse) => {
    req.on("error", ignore);
    res.on("error", ignore);
    req.resume();
    const expectation = String(req.headers.expect ?? "");
    sendError(
      res,
      randomUUID(),
      unservableHttpRequest(`Expect: '${expectation}' is not supported; the only expectation served is '100-continue'.`, 417),
    );
  });
  return server;

  async function serve(req: http.IncomingMessage, res: http.ServerResponse, requestId: string): Promise<void> {
    if (!hasRequiredHost(req)) {
      req.resume();
      sendError(
        res,
        requestId,
        unservableHttpRequest("An HTTP/1.1 request must carry a Host header (RFC 9112, section 3.2); this one has none.", 400),
      );
      return;
    }
    // Routes served beside the AWS protocol (the dashboard): they claim what is theirs, first.
    if (options.route?.(req, res)) return;
    const path = (req.url ?? "/").split("?", 1)[0];
    if (req.method !== "POST" || path !== "/") {
      req.resume();
      sendError(
        res,
        requestId,
        unknownOperationException(`Only POST / is served; got ${req.method ?? "?"} ${path ?? ""}.`, 404),
      );
      return;
    }
    const declared = Number(req.headers["content-length"]);
    if (Number.isFinite(declared) && declared > maxBodyBytes) {
      req.resume();
      sendError(res, requestId, requestEntityTooLargeException(maxBodyBytes));
      return;
    }

    const read = await readBody(req, maxBodyBytes);
    if (read.kind === "aborted") return;
    if (read.kind === "too-large") {
      sendError(res, requestId, requestEntityTooLargeException(maxBodyBytes));
      return;
    }

    let ctx: RequestContext | undefined;
    try {
      const dispatch = resolveTarget(req.headers["x-amz-target"]);
      const scope = authenticate(req, read.body, dispatch.service);
      if (scope !== undefined && !REGION_NAME.test(scope.region)) throw invalidRegionInScope(scope.region);
      ctx = {
        operation: dispatch.operation,
        service: dispatch.service.targetPrefix,
        region: scope?.region ?? options.defaultRegion ?? DEFAULT_REGION,
        accessKeyId: scope?.accessKeyId,
        requestId,
      };
      const input = parseRequestBody(read.body);
      const output = await dispatch.handler(input, ctx);
      sendJson(res, requestId, 200, toWireJson(output));
    } catch (error) {
      if (error instanceof ApiError) {
        sendError(res, requestId, error);
      } else {
        safeReport(reportInternal, error, ctx);
        sendError(res, requestId, internalFailure());
      }
    }
  }

  function resolveTarget(header: string | string[] | undefined): Dispatch {
    const target = (Array.isArray(header) ? header[0] : header)?.trim() ?? "";
    if (target === "") throw unknownOperationException("Missing X-Amz-Target header.");
    const dot = target.indexOf(".");
    const prefix = dot < 0 ? target : target.slice(0, dot);
    const operation = dot < 0 ? "" : target.slice(dot + 1);
    const service = services.get(prefix);
    const handler = service !== undefined && Object.hasOwn(service.handlers, operation)
      ? service.handlers[operation]
      : undefined;
    if (service === undefined || typeof handler !== "function") {
      throw unknownOperationException(`Unknown operation ${target}.`);
    }
    return { service, operation, handler };
  }

  function authenticate(
    req: http.IncomingMessage,
    body: Buffer,
    service: ServiceDefinition,
  ): CredentialScope | undefined {
    if (options.auth === undefined) {
      const authorization = collectHeaders(req.rawHeaders).get("authorization");
      return readCredentialScope(authorization, req.url);
    }
    return verifySigV4(
      { method: req.method ?? "POST", url: req.url ?? "/", rawHeaders: req.rawHeaders, body },
      {
        credentials: options.auth.credentials,
        signingName: service.signingName,
        ...(options.auth.region !== undefined ? { region: options.auth.region } : {}),
        ...(options.auth.now !== undefined ? { now: options.auth.now } : {}),
      },
    );
  }
}

/** HTTP/1.1 and later need a Host header (HTTP/1.0 does not), as Node's own check has it. */
function hasRequiredHost(req: http.IncomingMessage): boolean {
  const needsHost = req.httpVersionMajor > 1 || (req.httpVersionMajor === 1 && req.httpVersionMinor >= 1);
  return !needsHost || req.headers.host !== undefined;
}

/**
 * Reads the body, refusing more than `maxBytes` while it streams (never buffering more). After a
 * refusal the rest of the body is read and dropped so the connection stays usable.
 */
function readBody(req: http.IncomingMessage, maxBytes: number): Promise<BodyRead> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const settle = (result: BodyRead): void => {
      if (settled) return;
      settled = true;
      req.off("data", onData);
      req.off("end", onEnd);
      req.off("close", onClose);
      resolve(result);
    };
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > maxBytes) {
        chunks.length = 0;
        settle({ kind: "too-large" });
        req.resume(); // drain and discard the rest
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = (): void => settle({ kind: "ok", body: Buffer.concat(chunks, size) });
    const onClose = (): void => settle({ kind: "aborted" });
    req.on("data", onData);
    req.on("end", onEnd);
    req.on("close", onClose);
  });
}

function sendError(res: http.ServerResponse, requestId: string, error: ApiError): void {
  sendJson(res, requestId, error.statusCode, errorBody(error.code, error.message), error.code);
}

function sendJson(
  res: http.ServerResponse,
  requestId: string,
  status: number,
  body: string,
  errorType?: string,
): void {
  if (res.headersSent || res.writableEnded || res.destroyed) return;
  const headers: http.OutgoingHttpHeaders = {
    "Content-Type": CONTENT_TYPE,
    "Content-Length": Buffer.byteLength(body, "utf8"),
    "x-amzn-RequestId": requestId,
  };
  if (errorType !== undefined) headers["x-amzn-ErrorType"] = errorType;
  res.writeHead(status, headers);
  res.end(body);
}

/** HTTP that Node cannot parse at all: answer 4xx and close; never crash. */
function answerClientError(error: Error & { code?: string }, socket: Duplex): void {
  if (error.code === "ECONNRESET" || !socket.writable) {
    socket.destroy();
    return;
  }
  const status =
    error.code === "HPE_HEADER_OVERFLOW" ? 431 : error.code === "ERR_HTTP_REQUEST_TIMEOUT" ? 408 : 400;
  const body = errorBody("SerializationException", "The request is not valid HTTP.");
  socket.end(
    `HTTP/1.1 ${status} ${http.STATUS_CODES[status] ?? "Bad Request"}\r\n` +
      `Content-Type: ${CONTENT_TYPE}\r\nx-amzn-ErrorType: SerializationException\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}

function safeReport(
  report: (error: unknown, ctx: RequestContext | undefined) => void,
  error: unknown,
  ctx: RequestContext | undefined,
): void {
  try {
    report(error, ctx);
  } catch {
    // A failing reporter must not turn into an unhandled rejection.
  }
}

function reportToStderr(error: unknown, ctx: RequestContext | undefined): void {
  const where = ctx === undefined ? "" : ` in ${ctx.service}.${ctx.operation} (request ${ctx.requestId})`;
  const detail = error instanceof Error ? (error.stack ?? error.message) : String(error);
  process.stderr.write(`optml: internal error${where}: ${detail}\n`);
}

function ignore(): void {}
