/**
 * One codec per wire protocol, behind the one server (server.ts) and the same handlers:
 *
 * - awsJson1_1 / awsJson1_0: `POST /`, `X-Amz-Target: <prefix>.<Op>`, JSON bodies, errors as
 *   `{"__type", "message"}` + `x-amzn-ErrorType`; the answer's content type is the request's version.
 * - rpcv2Cbor (smithy's RPC v2 CBOR): `POST /service/<prefix>/operation/<Op>` with
 *   `smithy-protocol: rpc-v2-cbor`, CBOR bodies (cbor2), timestamps as tag 1, errors as a CBOR map
 *   `{__type, message}`; every answer carries `smithy-protocol: rpc-v2-cbor`.
 * - awsQuery: `POST /` with a form (`Action=<Op>&Version=<api>&...`), XML answers in the
 *   service's namespace, errors as `<ErrorResponse>`.
 *
 * Services whose model says they came from query (awsQueryCompatible) also get
 * `x-amzn-query-error: <code>;<Sender|Receiver>` on JSON and CBOR errors, from which botocore and
 * the JS SDK take the error code.
 */
import { decode as decodeCbor, encode as encodeCbor } from "cbor2";
import { ApiError, serializationException } from "./errors.js";
import type { WireProtocol } from "./types.js";
import { cborValue, queryXmlError, queryXmlResponse, type WireServiceModel } from "./wire-model.js";
import { errorBody, parseRequestBody, toWireJson } from "./wire-json.js";

export const JSON_1_1 = "application/x-amz-json-1.1";
/** The awsJson1_1 content type (SageMaker, CloudWatch Logs). */
export const CONTENT_TYPE = JSON_1_1;
export const JSON_1_0 = "application/x-amz-json-1.0";
export const CBOR = "application/cbor";
export const FORM = "application/x-www-form-urlencoded";
const XML = "text/xml";
/** The query protocol's namespace for errors of a service without a model. */
const GENERIC_XML_NAMESPACE = "https://optml.dev/doc/";

export interface WireAnswer {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string | Uint8Array;
}

/** Which protocol a request speaks, from its path and headers alone (before its body is read). */
export function detectProtocol(path: string, headers: Readonly<Record<string, string | string[] | undefined>>): WireProtocol {
  if (path.startsWith("/service/")) return "rpcv2Cbor";
  const contentType = headerText(headers["content-type"]).toLowerCase();
  if (headers["x-amz-target"] === undefined && contentType.startsWith(FORM)) return "awsQuery";
  return contentType.startsWith(JSON_1_0) ? "awsJson1_0" : "awsJson1_1";
}

export function headerText(value: string | string[] | undefined): string {
  return (Array.isArray(value) ? value[0] : value)?.trim() ?? "";
}

/** A JSON or CBOR request body as the operation's input object (an empty body is `{}`). */
export function decodeBody(protocol: WireProtocol, body: Buffer): Record<string, unknown> {
  if (protocol !== "rpcv2Cbor") return parseRequestBody(body);
  if (body.length === 0) return {};
  let value: unknown;
  try {
    value = decodeCbor(body);
  } catch (e) {
    throw serializationException(`The request body is not valid CBOR: ${(e as Error).message}`);
  }
  if (value === null || typeof value !== "object" || Array.isArray(value) || value instanceof Date) {
    throw serializationException("Expected a CBOR map as the request body.");
  }
  if (value instanceof Map) return Object.fromEntries([...value].map(([k, v]) => [String(k), v]));
  return value as Record<string, unknown>;
}

/** A handler's output in the request's protocol. */
export function encodeOutput(
  protocol: WireProtocol,
  output: unknown,
  operation: string,
  model: WireServiceModel | undefined,
  requestId: string,
): WireAnswer {
  switch (protocol) {
    case "rpcv2Cbor":
      return {
        status: 200,
        headers: { "Content-Type": CBOR, "smithy-protocol": "rpc-v2-cbor", "x-amzn-RequestId": requestId },
        body: encodeCbor(cborValue(output ?? {})),
      };
    case "awsQuery":
      return {
        status: 200,
        headers: { "Content-Type": XML, "x-amzn-RequestId": requestId },
        body: model ? queryXmlResponse(model, operation, output, requestId) : "",
      };
    default:
      return json(protocol, 200, toWireJson(output), requestId);
  }
}

/** An error in the request's protocol. */
export function encodeError(protocol: WireProtocol, error: ApiError, model: WireServiceModel | undefined, requestId: string): WireAnswer {
  const queryError: Record<string, string> =
    model?.awsQueryCompatible && error.queryCode !== undefined ? { "x-amzn-query-error": `${error.queryCode};${error.fault}` } : {};
  switch (protocol) {
    case "rpcv2Cbor":
      return {
        status: error.statusCode,
        headers: { "Content-Type": CBOR, "smithy-protocol": "rpc-v2-cbor", "x-amzn-RequestId": requestId, "x-amzn-ErrorType": error.code, ...queryError },
        body: encodeCbor({ __type: error.code, message: error.message }),
      };
    case "awsQuery":
      return {
        status: error.statusCode,
        headers: { "Content-Type": XML, "x-amzn-RequestId": requestId },
        body: queryXmlError(model?.xmlNamespace ?? GENERIC_XML_NAMESPACE, error.fault, error.queryCode ?? error.code, error.message, requestId),
      };
    default: {
      const answer = json(protocol, error.statusCode, errorBody(error.code, error.message), requestId);
      return { ...answer, headers: { ...answer.headers, "x-amzn-ErrorType": error.code, ...queryError } };
    }
  }
}

function json(protocol: WireProtocol, status: number, body: string, requestId: string): WireAnswer {
  return { status, headers: { "Content-Type": protocol === "awsJson1_0" ? JSON_1_0 : JSON_1_1, "x-amzn-RequestId": requestId }, body };
}
