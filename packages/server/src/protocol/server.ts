/**
 * The API's HTTP server: `POST /` with `X-Amz-Target: <prefix>.<Operation>` (awsJson1_1), dispatched
 * to the handlers of the services it is given (SageMaker, CloudWatch Logs, ...); services with a
 * wire model (CloudWatch) are also served in rpc-v2-CBOR, awsJson1_0 and query (codecs.ts), to
 * the same handlers. Every failure is an
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
  serializationException,
  unknownOperationException,
  unservableHttpRequest,
} from "./errors.js";
import { collectHeaders, readCredentialScope, verifySigV4, type CredentialScope } from "./sigv4.js";
import { CONTENT_TYPE, decodeBody, detectProtocol, encodeError, encodeOutput, headerText, type WireAnswer } from "./codecs.js";
import type { ApiServerOptions, Handler, RequestContext, ServiceDefinition, WireProtocol } from "./types.js";
import { errorBody } from "./wire-json.js";
import { normalizeInput, queryInput, type WireServiceModel } from "./wire-model.js";

export const DEFAULT_MAX_BODY_BYTES = 10 * 1024 * 1024;
export const DEFAULT_REGION = "us-east-1";
export { CONTENT_TYPE };
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
      send(res, encodeError("awsJson1_1", internalFailure(), undefined, requestId));
    });
  });
  server.on("clientError", answerClientError);
  // An Expect other than 100-continue: Node's answer (417), AWS-shaped (a listener replaces Node's own).
  server.on("checkExpectation", (req: http.IncomingMessage, res: http.ServerResponse) => {
    req.on("error", ignore);
    res.on("error", ignore);
    req.resume();
    const expectation = String(req.headers.expect ?? "");
    send(
      res,
      encodeError(
        detectProtocol((req.url ?? "/").split("?", 1)[0] ?? "/", req.headers),
        unservableHttpRequest(`Expect: '${expectation}' is not supported; the only expectation served is '100-continue'.`, 417),
        undefined,
        randomUUID(),
      ),
    );
  });
  return server;

  async function serve(req: http.IncomingMessage, res: http.ServerResponse, requestId: string): Promise<void> {
    const path = (req.url ?? "/").split("?", 1)[0] ?? "/";
    const protocol = detectProtocol(path, req.headers);
    // Before a service is known, an error is written as the only service speaking this protocol would (its XML namespace).
    const fail = (error: ApiError, model?: WireServiceModel) => send(res, encodeError(protocol, error, model ?? soleModel(protocol), requestId));
    if (!hasRequiredHost(req)) {
      req.resume();
      fail(unservableHttpRequest("An HTTP/1.1 request must carry a Host header (RFC 9112, section 3.2); this one has none.", 400));
      return;
    }
    // Routes served beside the AWS protocol (the dashboard): they claim what is theirs, first.
    if (options.route?.(req, res)) return;
    if (req.method !== "POST" || (path !== "/" && protocol !== "rpcv2Cbor")) {
      req.resume();
      fail(unknownOperationException(`Only POST / and POST /service/<service>/operation/<operation> are served; got ${req.method ?? "?"} ${path}.`, 404));
      return;
    }
    const declared = Number(req.headers["content-length"]);
    if (Number.isFinite(declared) && declared > maxBodyBytes) {
      req.resume();
      fail(requestEntityTooLargeException(maxBodyBytes));
      return;
    }

    const read = await readBody(req, maxBodyBytes);
    if (read.kind === "aborted") return;
    if (read.kind === "too-large") {
      fail(requestEntityTooLargeException(maxBodyBytes));
      return;
    }

    let ctx: RequestContext | undefined;
    let model: WireServiceModel | undefined;
    try {
      let form: URLSearchParams | undefined;
      let dispatch: Dispatch;
      if (protocol === "rpcv2Cbor") dispatch = resolveCborPath(path, req.headers["smithy-protocol"]);
      else if (protocol === "awsQuery") {
        form = readForm(read.body);
        dispatch = resolveQueryAction(form, req);
      } else dispatch = resolveTarget(req.headers["x-amz-target"], protocol);
      model = dispatch.service.model;
      const scope = authenticate(req, read.body, dispatch.service);
      if (scope !== undefined && !REGION_NAME.test(scope.region)) throw invalidRegionInScope(scope.region);
      ctx = {
        operation: dispatch.operation,
        service: dispatch.service.targetPrefix,
        region: scope?.region ?? options.defaultRegion ?? DEFAULT_REGION,
        accessKeyId: scope?.accessKeyId,
        requestId,
        protocol,
      };
      let input: Record<string, unknown>;
      if (form !== undefined) input = queryInput(model!, dispatch.operation, form);
      else {
        input = decodeBody(protocol, read.body);
        if (model !== undefined) input = normalizeInput(model, dispatch.operation, input);
      }
      const output = await dispatch.handler(input, ctx);
      send(res, encodeOutput(protocol, output, dispatch.operation, model, requestId));
    } catch (error) {
      if (error instanceof ApiError) {
        fail(error, model);
      } else {
        safeReport(reportInternal, error, ctx);
        fail(internalFailure(), model);
      }
    }
  }

  function soleModel(protocol: WireProtocol): WireServiceModel | undefined {
    if (protocol !== "awsQuery" && protocol !== "rpcv2Cbor") return undefined;
    const speaking = [...services.values()].filter((s) => speaks(s, protocol === "awsQuery" ? "query" : "smithy-rpc-v2-cbor"));
    return speaking.length === 1 ? speaking[0]!.model : undefined;
  }

  function lookup(service: ServiceDefinition | undefined, operation: string, shown: string): Dispatch {
    const handler = service !== undefined && Object.hasOwn(service.handlers, operation) ? service.handlers[operation] : undefined;
    if (service === undefined || typeof handler !== "function") throw unknownOperationException(`Unknown operation ${shown}.`);
    return { service, operation, handler };
  }

  /** awsJson: `X-Amz-Target: <prefix>.<Operation>`; 1.0 only for services whose model speaks it. */
  function resolveTarget(header: string | string[] | undefined, protocol: WireProtocol): Dispatch {
    const target = headerText(header);
    if (target === "") throw unknownOperationException("Missing X-Amz-Target header.");
    const dot = target.indexOf(".");
    const prefix = dot < 0 ? target : target.slice(0, dot);
    const service = services.get(prefix);
    if (protocol === "awsJson1_0" && service !== undefined && !speaks(service, "json")) throw unknownOperationException(`Unknown operation ${target}.`);
    return lookup(service, dot < 0 ? "" : target.slice(dot + 1), target);
  }

  /** rpc-v2-cbor: `/service/<prefix>/operation/<Operation>` with `smithy-protocol: rpc-v2-cbor`. */
  function resolveCborPath(path: string, smithyProtocol: string | string[] | undefined): Dispatch {
    const m = /^\/service\/([^/]+)\/operation\/([^/]+)$/.exec(path);
    if (headerText(smithyProtocol) !== "rpc-v2-cbor") {
      throw unknownOperationException("A request to /service/... must carry the header smithy-protocol: rpc-v2-cbor.");
    }
    if (m === null) throw unknownOperationException(`Unknown operation path ${path}: expected /service/<service>/operation/<operation>.`);
    const prefix = decodePathSegment(m[1]!);
    const operation = decodePathSegment(m[2]!);
    const service = services.get(prefix);
    return lookup(service !== undefined && speaks(service, "smithy-rpc-v2-cbor") ? service : undefined, operation, `${prefix}.${operation}`);
  }

  /**
   * query: `Action=<Operation>&Version=<api version>`. The service is the one the signature is
   * scoped to (its signing name) among those that speak query; unsigned, the only one.
   */
  function resolveQueryAction(form: URLSearchParams, req: http.IncomingMessage): Dispatch {
    const action = form.get("Action") ?? "";
    if (action === "") throw unknownOperationException("Missing Action parameter.");
    const querying = [...services.values()].filter((s) => speaks(s, "query"));
    const scope = readCredentialScope(collectHeaders(req.rawHeaders).get("authorization"), req.url);
    const service = scope !== undefined ? querying.find((s) => s.signingName === scope.service) : querying.length === 1 ? querying[0] : undefined;
    const version = form.get("Version");
    if (service !== undefined && version !== null && version !== service.model!.apiVersion) {
      throw unknownOperationException(`Unknown version ${version} of ${service.targetPrefix}; this server speaks ${service.model!.apiVersion}.`);
    }
    return lookup(service, action, action);
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

function send(res: http.ServerResponse, answer: WireAnswer): void {
  if (res.headersSent || res.writableEnded || res.destroyed) return;
  const body = typeof answer.body === "string" ? Buffer.from(answer.body, "utf8") : answer.body;
  res.writeHead(answer.status, { ...answer.headers, "Content-Length": body.length });
  res.end(body);
}

/** Which protocols a service speaks besides awsJson1_1: those its model lists. */
function speaks(service: ServiceDefinition, protocol: "json" | "smithy-rpc-v2-cbor" | "query"): boolean {
  return service.model?.protocols.includes(protocol) ?? false;
}

function decodePathSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw unknownOperationException(`The path segment '${segment}' is not valid percent-encoding.`);
  }
}

function readForm(body: Buffer): URLSearchParams {
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(body);
  } catch {
    throw serializationException("The request body is not valid UTF-8.");
  }
  return new URLSearchParams(text);
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
