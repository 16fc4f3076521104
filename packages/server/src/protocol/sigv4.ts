/**
 * Verification of AWS Signature Version 4 (header form, `Authorization: AWS4-HMAC-SHA256 ...`),
 * for `optml serve --auth`. The server rebuilds the canonical request from what it received,
 * derives the signing key from the configured secret and compares signatures in constant time.
 *
 * As AWS does, a request is refused when its date is more than 15 minutes from the server's clock
 * (either way: a captured request cannot be replayed later), and when its credential scope names
 * another service, or another region than the one the server was configured with.
 *
 * Not checked (documented, deliberate for a local control plane): `X-Amz-Security-Token` (session
 * tokens are accepted as they come).
 */
import { createHash, createHmac, timingSafeEqual } from "node:crypto";
import {
  incompleteSignatureException,
  invalidSignatureException,
  missingAuthenticationTokenException,
  unrecognizedClientException,
} from "./errors.js";

export const SIGV4_ALGORITHM = "AWS4-HMAC-SHA256";

const UNSIGNED_PAYLOAD = "UNSIGNED-PAYLOAD";
/** How far a request's date may be from the server's clock, either way (AWS: 15 minutes). */
export const MAX_CLOCK_SKEW_MS = 15 * 60 * 1000;
const AMZ_DATE = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/;
const MISSING_DATE = "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. ";

/** What a request looks like to the verifier: exactly what arrived on the wire. */
export interface SignedRequest {
  readonly method: string;
  /** The raw request target: path and query string, as sent (percent-encoded). */
  readonly url: string;
  /** Node's `req.rawHeaders`: name, value, name, value, ... */
  readonly rawHeaders: readonly string[];
  readonly body: Buffer;
}

export interface CredentialScope {
  readonly accessKeyId: string;
  /** YYYYMMDD */
  readonly date: string;
  readonly region: string;
  readonly service: string;
  readonly terminator: string;
}

export interface ParsedAuthorization {
  readonly algorithm: string;
  readonly scope: CredentialScope;
  /** Lower-case header names, in the order given. */
  readonly signedHeaders: readonly string[];
  readonly signature: string;
}

export interface VerifyOptions {
  /** access key id -> secret access key */
  readonly credentials: Readonly<Record<string, string>>;
  /** The signing name the target service expects in the credential scope ("sagemaker", "logs"). */
  readonly signingName: string;
  /** When set, the credential scope must name this region (an AWS endpoint serves one region). */
  readonly region?: string;
  /** The server's clock, epoch milliseconds (default Date.now). */
  readonly now?: () => number;
}

/**
 * Verifies the request's SigV4 signature; returns its credential scope (for the region and the
 * access key) or throws the ApiError AWS would answer with.
 */
export function verifySigV4(request: SignedRequest, options: VerifyOptions): CredentialScope {
  const headers = collectHeaders(request.rawHeaders);
  const authorization = headers.get("authorization");
  if (authorization === undefined || !authorization.trim().startsWith("AWS4-")) {
    throw missingAuthenticationTokenException();
  }
  const amzDate = requestDate(headers);
  const parsed = parseAuthorization(authorization, amzDate !== undefined);
  if (amzDate === undefined) {
    // parseAuthorization already refused this; kept so the type checker knows the date is set.
    throw incompleteSignatureException(`${MISSING_DATE}Authorization=${authorization}`);
  }

  if (!parsed.signedHeaders.includes("host")) {
    throw invalidSignatureException("'Host' must be a 'SignedHeader' in the AWS Authorization.");
  }
  checkScope(parsed.scope, options, amzDate);
  checkClockSkew(amzDate, (options.now ?? Date.now)());

  const secret = Object.hasOwn(options.credentials, parsed.scope.accessKeyId)
    ? options.credentials[parsed.scope.accessKeyId]
    : undefined;
  if (secret === undefined) throw unrecognizedClientException();

  const canonical = canonicalRequest(request, headers, parsed.signedHeaders);
  const toSign = stringToSign(amzDate, parsed.scope, canonical);
  const key = signingKey(secret, parsed.scope.date, parsed.scope.region, parsed.scope.service);
  const expected = createHmac("sha256", key).update(toSign, "utf8").digest("hex");
  if (!signaturesEqual(expected, parsed.signature)) throw invalidSignatureException();
  return parsed.scope;
}

/**
 * Parses `AWS4-HMAC-SHA256 Credential=AKID/20240101/us-east-1/sagemaker/aws4_request,
 * SignedHeaders=host;x-amz-date, Signature=hex`. Throws IncompleteSignatureException with AWS's
 * wording when a part is missing or malformed.
 */
export function parseAuthorization(header: string, hasDate = true): ParsedAuthorization {
  const trimmed = header.trim();
  const space = trimmed.search(/\s/);
  const algorithm = space < 0 ? trimmed : trimmed.slice(0, space);
  const params = new Map<string, string>();
  for (const part of (space < 0 ? "" : trimmed.slice(space + 1)).split(",")) {
    const eq = part.indexOf("=");
    if (eq > 0) params.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }

  let missing = "";
  for (const name of ["Credential", "Signature", "SignedHeaders"]) {
    if (!params.get(name)) missing += `Authorization header requires '${name}' parameter. `;
  }
  if (!hasDate) missing += MISSING_DATE;
  if (missing) throw incompleteSignatureException(`${missing}Authorization=${header}`);

  if (algorithm !== SIGV4_ALGORITHM) {
    throw incompleteSignatureException(
      `Unsupported AWS 'algorithm': '${algorithm}' (only ${SIGV4_ALGORITHM} for now). `,
    );
  }
  const credential = params.get("Credential") ?? "";
  const scope = parseCredential(credential);
  if (scope === undefined) {
    throw incompleteSignatureException(
      "Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, " +
        `got '${credential}'`,
    );
  }
  const signedHeaders = (params.get("SignedHeaders") ?? "").split(";").map((h) => h.trim().toLowerCase());
  return { algorithm, scope, signedHeaders, signature: params.get("Signature") ?? "" };
}

/**
 * The credential scope of a request, or undefined when it has none or it cannot be read: from the
 * Authorization header (`Credential=AKID/20260101/us-west-2/sagemaker/aws4_request`), else from a
 * presigned URL's `X-Amz-Credential` query parameter. Used without `--auth`, where any credentials
 * are accepted but the region still counts (it goes into ARNs).
 */
export function readCredentialScope(authorization: string | undefined, url = "/"): CredentialScope | undefined {
  if (authorization !== undefined) {
    const match = /Credential=([^,\s]+)/.exec(authorization);
    if (match?.[1] !== undefined) return parseCredential(match[1]);
  }
  const q = url.indexOf("?");
  if (q < 0) return undefined;
  for (const part of url.slice(q + 1).split("&")) {
    const eq = part.indexOf("=");
    if (eq < 0 || decodeQueryComponent(part.slice(0, eq)).toLowerCase() !== "x-amz-credential") continue;
    return parseCredential(decodeQueryComponent(part.slice(eq + 1)));
  }
  return undefined;
}

function parseCredential(credential: string): CredentialScope | undefined {
  const parts = credential.replace(/\/+$/, "").split("/");
  if (parts.length !== 5 || parts.some((p) => p === "")) return undefined;
  const [accessKeyId, date, region, service, terminator] = parts as [string, string, string, string, string];
  return { accessKeyId, date, region, service, terminator };
}

function checkScope(scope: CredentialScope, options: VerifyOptions, amzDate: string): void {
  let problems = "";
  if (options.region !== undefined && scope.region !== options.region) {
    problems += `Credential should be scoped to a valid region, not '${scope.region}'. `;
  }
  if (scope.service !== options.signingName) {
    problems += `Credential should be scoped to correct service: '${options.signingName}'. `;
  }
  if (scope.terminator !== "aws4_request") {
    problems += `Credential should be scoped with a valid terminator: 'aws4_request', not '${scope.terminator}'. `;
  }
  const day = amzDate.slice(0, 8);
  if (scope.date !== day) {
    problems +=
      "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: " +
      `'${scope.date}' != '${day}', from '${amzDate}'.`;
  }
  if (problems) throw invalidSignatureException(problems.trim());
}

/**
 * Refuses a request dated more than 15 minutes before or after `nowMs`, with AWS's wording
 * ("Signature expired: ... is now earlier than ... (... - 15 min.)" and "Signature not yet
 * current: ... is still later than ... (... + 15 min.)"), and a date that is not ISO 8601 basic
 * format (IncompleteSignatureException, as AWS answers).
 */
export function checkClockSkew(amzDate: string, nowMs: number): void {
  const signedAt = parseAmzDate(amzDate);
  if (signedAt === undefined) {
    throw incompleteSignatureException(
      `Date must be in ISO-8601 'basic format'. Got '${amzDate}'. See http://en.wikipedia.org/wiki/ISO_8601`,
    );
  }
  const now = basicFormat(nowMs);
  if (signedAt < nowMs - MAX_CLOCK_SKEW_MS) {
    throw invalidSignatureException(
      `Signature expired: ${amzDate} is now earlier than ${basicFormat(nowMs - MAX_CLOCK_SKEW_MS)} (${now} - 15 min.)`,
    );
  }
  if (signedAt > nowMs + MAX_CLOCK_SKEW_MS) {
    throw invalidSignatureException(
      `Signature not yet current: ${amzDate} is still later than ${basicFormat(nowMs + MAX_CLOCK_SKEW_MS)} (${now} + 15 min.)`,
    );
  }
}

/** `20260130T120000Z` as epoch milliseconds; undefined when it is not that format or no real time. */
function parseAmzDate(text: string): number | undefined {
  const m = AMZ_DATE.exec(text);
  if (m === null) return undefined;
  const [year, month, day, hour, minute, second] = m.slice(1).map(Number) as [number, number, number, number, number, number];
  const ms = Date.UTC(year, month - 1, day, hour, minute, second);
  const back = new Date(ms);
  if (back.getUTCMonth() !== month - 1 || back.getUTCDate() !== day || hour > 23 || minute > 59 || second > 59) {
    return undefined;
  }
  return ms;
}

/** Epoch milliseconds as ISO 8601 basic format, to the second: `20260130T120000Z`. */
function basicFormat(ms: number): string {
  return new Date(ms).toISOString().replace(/[-:]/g, "").replace(/\.\d{3}/, "");
}

/** The SigV4 signing key: HMAC chain over date, region, service and "aws4_request". */
export function signingKey(secret: string, date: string, region: string, service: string): Buffer {
  const kDate = createHmac("sha256", `AWS4${secret}`).update(date, "utf8").digest();
  const kRegion = createHmac("sha256", kDate).update(region, "utf8").digest();
  const kService = createHmac("sha256", kRegion).update(service, "utf8").digest();
  return createHmac("sha256", kService).update("aws4_request", "utf8").digest();
}

export function stringToSign(amzDate: string, scope: CredentialScope, canonical: string): string {
  const scopeText = `${scope.date}/${scope.region}/${scope.service}/${scope.terminator}`;
  return [SIGV4_ALGORITHM, amzDate, scopeText, sha256Hex(canonical)].join("\n");
}

/**
 * The canonical request: method, canonical URI, canonical query string, canonical headers,
 * signed headers and the hex SHA-256 of the payload.
 */
export function canonicalRequest(
  request: SignedRequest,
  headers: ReadonlyMap<string, string>,
  signedHeaders: readonly string[],
): string {
  const q = request.url.indexOf("?");
  const path = q < 0 ? request.url : request.url.slice(0, q);
  const query = q < 0 ? "" : request.url.slice(q + 1);
  const headerLines = signedHeaders.map((name) => `${name}:${canonicalHeaderValue(headers.get(name) ?? "")}\n`);
  // The hash of the body as received: a client's x-amz-content-sha256 is not taken on trust (it
  // is signed, so a body changed in transit still fails), except the explicit UNSIGNED-PAYLOAD.
  const declaredHash = headers.get("x-amz-content-sha256")?.trim();
  const payloadHash = declaredHash === UNSIGNED_PAYLOAD ? UNSIGNED_PAYLOAD : sha256Hex(request.body);
  return [
    request.method.toUpperCase(),
    canonicalUri(path),
    canonicalQuery(query),
    headerLines.join(""),
    signedHeaders.join(";"),
    payloadHash,
  ].join("\n");
}

/** Headers by lower-case name; repeated headers joined with ",". */
export function collectHeaders(rawHeaders: readonly string[]): Map<string, string> {
  const headers = new Map<string, string>();
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const name = (rawHeaders[i] ?? "").toLowerCase();
    const value = rawHeaders[i + 1] ?? "";
    const previous = headers.get(name);
    headers.set(name, previous === undefined ? value : `${previous},${value}`);
  }
  return headers;
}

function canonicalHeaderValue(value: string): string {
  return value.trim().replace(/\s+/g, " ");
}

/** Non-S3 services: the normalized path, percent-encoded once more (what the SDKs sign). */
function canonicalUri(path: string): string {
  const segments: string[] = [];
  for (const segment of path.split("/")) {
    if (segment === "" || segment === ".") continue;
    if (segment === "..") segments.pop();
    else segments.push(segment);
  }
  const leading = path.startsWith("/") ? "/" : "";
  const trailing = segments.length > 0 && path.endsWith("/") ? "/" : "";
  const normalized = `${leading}${segments.join("/")}${trailing}` || "/";
  return uriEncode(normalized).replace(/%2F/g, "/");
}

function canonicalQuery(query: string): string {
  if (query === "") return "";
  const pairs: [string, string][] = [];
  for (const part of query.split("&")) {
    if (part === "") continue;
    const eq = part.indexOf("=");
    const key = uriEncode(decodeQueryComponent(eq < 0 ? part : part.slice(0, eq)));
    const value = uriEncode(decodeQueryComponent(eq < 0 ? "" : part.slice(eq + 1)));
    if (key.toLowerCase() === "x-amz-signature") continue;
    pairs.push([key, value]);
  }
  pairs.sort(([ak, av], [bk, bv]) => (ak < bk ? -1 : ak > bk ? 1 : av < bv ? -1 : av > bv ? 1 : 0));
  return pairs.map(([k, v]) => `${k}=${v}`).join("&");
}

function decodeQueryComponent(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** RFC 3986 encoding: everything but unreserved characters (A-Z a-z 0-9 - _ . ~). */
function uriEncode(text: string): string {
  return encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** X-Amz-Date, else the Date header converted to ISO 8601 basic format. */
function requestDate(headers: ReadonlyMap<string, string>): string | undefined {
  const amzDate = headers.get("x-amz-date");
  if (amzDate !== undefined && amzDate.trim() !== "") return amzDate.trim();
  const date = headers.get("date");
  if (date === undefined) return undefined;
  const ms = Date.parse(date);
  if (Number.isNaN(ms)) return undefined;
  return basicFormat(ms);
}

function sha256Hex(data: string | Buffer): string {
  return createHash("sha256").update(data).digest("hex");
}

function signaturesEqual(expected: string, given: string): boolean {
  const a = Buffer.from(expected, "utf8");
  const b = Buffer.from(given.toLowerCase(), "utf8");
  // Compare equal-length buffers only; a length mismatch is a mismatch without a timing signal
  // worth hiding (the expected length is public: 64 hex digits).
  return a.length === b.length && timingSafeEqual(a, b);
}
