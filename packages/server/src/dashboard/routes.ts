/**
 * The web dashboard on the control plane's own port: the UI's static files at `/` (built by Vite
 * into dist/ui, shipped in the package) and a small JSON API under `/_optml/api/`, with each host's
 * log followed over server-sent events. Requests carrying `X-Amz-Target`, and everything else the
 * dashboard does not claim, stay with the AWS protocol (protocol/server.ts).
 *
 * Safety: a Host header must name the address served (loopback by default), so a page elsewhere
 * cannot reach it by DNS rebinding; a POST needs the `X-Optml-Dashboard` header, which a page on
 * another origin cannot send without a preflight this server never grants; with a token
 * (`optml serve --auth`) every request needs it, as `?token=` once (then a cookie) or as a bearer.
 */
import { createReadStream, existsSync, statSync } from "node:fs";
import type http from "node:http";
import { extname, join, resolve, sep } from "node:path";
import { timingSafeEqual } from "node:crypto";
import { fileURLToPath } from "node:url";
import type { ControlPlane } from "../control-plane.js";
import { ApiError } from "../protocol/errors.js";
import { listObjects, objectResponse } from "../data/s3-objects.js";
import { artifacts, jobDetail, jobList, metricSeries, outputDir, outputS3, requireJob, tuningDetail, utilizationSeries } from "./views.js";

/** The prefix of the dashboard's API and of nothing AWS serves. */
export const DASHBOARD_PREFIX = "/_optml/";
/** The cookie that carries the token after `/?token=...`. */
const COOKIE = "optml_dashboard_token";
/** How often a followed log is looked at for new lines. */
const FOLLOW_INTERVAL_MS = 250;
/** Most lines in one window of the log view, and in one server-sent event. */
const MAX_WINDOW = 5000;
/** When more lines than this arrived since the last event, a follower skips to the newest. */
const FOLLOW_BATCH = 2000;

export interface DashboardOptions {
  readonly controlPlane: ControlPlane;
  /** When set, every dashboard request must carry it. */
  readonly token?: string;
  /** The address the server listens on: Host headers must name it (or a loopback name for a loopback address). */
  readonly host: string;
  /** The built UI (default: dist/ui of this package). */
  readonly uiDir?: string;
}

export type Route = (req: http.IncomingMessage, res: http.ServerResponse) => boolean;

/** The folder of the built UI: `dist/ui` beside this module's `dist/dashboard` (or from `src/`). */
export function defaultUiDir(): string {
  const here = fileURLToPath(new URL(".", import.meta.url));
  const built = resolve(here, "..", "ui");
  if (existsSync(join(built, "index.html"))) return built;
  return resolve(here, "..", "..", "dist", "ui");
}

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".json": "application/json",
  ".map": "application/json",
};

const SECURITY_HEADERS: http.OutgoingHttpHeaders = {
  "X-Content-Type-Options": "nosniff",
  "X-Frame-Options": "DENY",
  "Referrer-Policy": "no-referrer",
  "Cache-Control": "no-store",
};

/** The UI's pages run only this origin's scripts: no inline script, nothing from elsewhere. */
const CSP = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

export function dashboardRoute(options: DashboardOptions): Route {
  const cp = options.controlPlane;
  const uiDir = options.uiDir ?? defaultUiDir();
  const token = options.token === undefined ? undefined : Buffer.from(options.token);

  return (req, res) => {
    if (req.headers["x-amz-target"] !== undefined) return false;
    const url = new URL(req.url ?? "/", "http://dashboard.invalid");
    const path = url.pathname;
    const api = path.startsWith(DASHBOARD_PREFIX);
    const page = (req.method === "GET" || req.method === "HEAD") && (path === "/" || path === "/index.html" || path.startsWith("/assets/"));
    if (!api && !page) return false;
    req.on("error", () => undefined);
    res.on("error", () => undefined);
    try {
      if (!hostAllowed(req.headers.host, options.host)) {
        req.resume();
        return sendText(res, 421, "This control plane answers requests addressed to it by its own address only.\n"), true;
      }
      if (token && !authorised(req, url, token)) {
        req.resume();
        if (page) sendHtml(res, 401, loginPage());
        else sendJson(res, 401, { error: "Unauthorized", message: "This dashboard needs the token that optml serve printed." });
        return true;
      }
      if (page) {
        // `/?token=...` once: the token goes into a cookie and out of the address bar.
        if (token && url.searchParams.has("token")) {
          res.writeHead(303, { ...SECURITY_HEADERS, Location: "/", "Set-Cookie": `${COOKIE}=${encodeURIComponent(url.searchParams.get("token")!)}; Path=/; HttpOnly; SameSite=Strict` });
          res.end();
          return true;
        }
        serveStatic(req, res, uiDir, path === "/" ? "/index.html" : path);
        return true;
      }
      serveApi(req, res, url, path.slice(DASHBOARD_PREFIX.length));
    } catch (error) {
      answerError(res, error);
    }
    return true;
  };

  function serveApi(req: http.IncomingMessage, res: http.ServerResponse, url: URL, rest: string): void {
    const parts = rest.split("/").map((p) => decodeURIComponent(p));
    if (parts[0] !== "api") return void notFound(req, res);
    const [, kind, name, what, ...more] = parts;
    if (req.method === "POST") {
      // A page on another origin cannot add this header without a CORS preflight, which is never granted.
      if (req.headers["x-optml-dashboard"] === undefined) {
        req.resume();
        return sendJson(res, 403, { error: "Forbidden", message: "POST needs the X-Optml-Dashboard header." });
      }
      req.resume();
      if (kind === "jobs" && name && what === "stop" && more.length === 0) {
        cp.stopTrainingJob(name);
        return sendJson(res, 200, { stopping: name });
      }
      return notFound(req, res);
    }
    if (req.method !== "GET" && req.method !== "HEAD") return notFound(req, res);
    req.resume();
    const points = clampInt(url.searchParams.get("points"), 1000, 10, 20_000);
    if (kind === "info" && name === undefined) return sendJson(res, 200, { dashboard: true, auth: token !== undefined, region: cp.settings.region });
    if (kind === "jobs" && name === undefined) return sendJson(res, 200, jobList(cp));
    if (kind === "jobs" && name && what === undefined) return sendJson(res, 200, jobDetail(cp, name));
    if (kind === "jobs" && name && what === "metrics") return sendJson(res, 200, { series: metricSeries(cp, name, points) });
    if (kind === "jobs" && name && what === "utilization") return sendJson(res, 200, { hosts: utilizationSeries(cp, name, points) });
    if (kind === "jobs" && name && what === "logs" && more.length === 1) return sendLogWindow(res, url, name, more[0]!);
    if (kind === "jobs" && name && what === "logs" && more.length === 2 && more[1] === "follow") return followLog(req, res, url, name, more[0]!);
    if (kind === "jobs" && name && what === "artifacts" && more.length === 0) {
      const answer = url.searchParams.has("path") ? sendArtifact(req, res, url, name) : listArtifacts(cp, name).then((list) => sendJson(res, 200, list));
      return void answer.catch((error: unknown) => answerError(res, error));
    }
    if (kind === "tuning" && name && what === undefined) return sendJson(res, 200, tuningDetail(cp, name));
    return notFound(req, res);
  }

  function streamOf(job: string, host: string) {
    requireJob(cp, job); // the job's not-found first
    const stream = cp.store.logs.streamsOfJob(job).find((s) => s.host === host);
    if (!stream) throw new DashboardError(404, "NotFound", `Job ${job} has no log for host ${host}.`);
    return stream;
  }

  /** Lines [from, from + count) of one host's log: an indexed range read by seq. */
  function sendLogWindow(res: http.ServerResponse, url: URL, job: string, host: string): void {
    const stream = streamOf(job, host);
    const total = stream.eventCount;
    const count = clampInt(url.searchParams.get("count"), 500, 1, MAX_WINDOW);
    const from = url.searchParams.get("from") === "tail" ? Math.max(0, total - count) : clampInt(url.searchParams.get("from"), 0, 0, Number.MAX_SAFE_INTEGER);
    const lines = cp.store.logs.events(stream.id, { fromSeq: from, toSeq: from + count - 1, limit: count }).map((e) => [e.seq, e.timestamp, e.message] as const);
    sendJson(res, 200, { host, total, from, lines });
  }

  /**
   * Server-sent events for one host's log from line `from`: `lines` events ({total, from, lines})
   * as lines arrive, and `status` events as the job's status changes. A follower far behind skips
   * to the newest lines (the view fetches the rest by window when scrolled to).
   */
  function followLog(req: http.IncomingMessage, res: http.ServerResponse, url: URL, job: string, host: string): void {
    streamOf(job, host);
    let sent = clampInt(url.searchParams.get("from"), 0, 0, Number.MAX_SAFE_INTEGER);
    let status = "";
    res.writeHead(200, { ...SECURITY_HEADERS, "Content-Type": "text/event-stream; charset=utf-8", Connection: "keep-alive" });
    res.write(": optml log follow\n\n");
    const tick = (): void => {
      if (res.destroyed || res.writableEnded) return stop();
      try {
        const record = cp.store.jobs.get(job);
        if (!record) {
          res.end();
          return stop();
        }
        const stream = cp.store.logs.streamsOfJob(job).find((s) => s.host === host);
        const total = stream?.eventCount ?? 0;
        if (stream && total > sent) {
          const from = total - sent > FOLLOW_BATCH ? total - FOLLOW_BATCH : sent;
          const lines = cp.store.logs.events(stream.id, { fromSeq: from, toSeq: total - 1, limit: FOLLOW_BATCH }).map((e) => [e.seq, e.timestamp, e.message]);
          res.write(`event: lines\ndata: ${JSON.stringify({ total, from, lines })}\n\n`);
          sent = total;
        }
        const now = `${record.status}/${record.secondaryStatus}`;
        if (now !== status) {
          status = now;
          res.write(`event: status\ndata: ${JSON.stringify({ status: record.status, secondaryStatus: record.secondaryStatus })}\n\n`);
        }
      } catch {
        // The store closed (the control plane is going away): the stream ends.
        res.end();
        stop();
      }
    };
    const timer = setInterval(tick, FOLLOW_INTERVAL_MS);
    const keepAlive = setInterval(() => res.write(": keep-alive\n\n"), 15_000);
    const stop = (): void => {
      clearInterval(timer);
      clearInterval(keepAlive);
    };
    // The response's close, not the request's: a GET's request closes once its (empty) body is read.
    res.on("close", stop);
    tick();
  }

  /** One file of the job's output folder: from this machine's filesystem, or from S3 through the control plane's S3 access. */
  async function sendArtifact(req: http.IncomingMessage, res: http.ServerResponse, url: URL, job: string): Promise<void> {
    const record = requireJob(cp, job);
    const rel = url.searchParams.get("path") ?? "";
    const missing = () => new DashboardError(404, "NotFound", `Job ${job} has no artifact ${rel}.`);
    if (rel === "" || rel.startsWith("/") || rel.split("/").includes("..")) throw missing();
    const base = rel.slice(rel.lastIndexOf("/") + 1).replace(/[^A-Za-z0-9._-]/g, "_");
    const headers = (size: number | undefined): http.OutgoingHttpHeaders => ({
      ...SECURITY_HEADERS,
      "Content-Type": "application/octet-stream",
      ...(size !== undefined ? { "Content-Length": size } : {}),
      "Content-Disposition": `attachment; filename="${base}"`,
    });
    const dir = outputDir(record);
    if (dir !== undefined) {
      const file = resolve(dir, rel);
      if (!file.startsWith(dir + sep) || !existsSync(file) || !statSync(file).isFile()) throw missing();
      res.writeHead(200, headers(statSync(file).size));
      if (req.method === "HEAD") return void res.end();
      createReadStream(file).on("error", () => res.destroy()).pipe(res);
      return;
    }
    const s3 = outputS3(record);
    if (s3 === undefined) throw new DashboardError(404, "NotFound", `Job ${job} has no output location.`);
    let object;
    try {
      object = await objectResponse(cp.data.s3, s3.bucket, `${s3.prefix}${rel}`);
    } catch {
      throw missing();
    }
    res.writeHead(200, headers(object.size));
    if (req.method === "HEAD") {
      object.body.destroy();
      return void res.end();
    }
    object.body.on("error", () => res.destroy()).pipe(res);
    res.on("close", () => object.body.destroy());
  }
}

/** The files under the job's output folder (`<S3OutputPath>/<job>/`), on this machine or on S3: at most `max`. */
export async function listArtifacts(cp: ControlPlane, job: string, max = 200): Promise<{ location: string | null; files: { path: string; bytes: number }[] }> {
  const record = requireJob(cp, job);
  const s3 = outputS3(record);
  if (s3 === undefined) return artifacts(record, max);
  try {
    const objects = await listObjects(cp.data.s3, s3.bucket, s3.prefix);
    return { location: s3.uri, files: objects.slice(0, max).map((o) => ({ path: o.key.slice(s3.prefix.length), bytes: o.size })) };
  } catch (e) {
    throw new DashboardError(502, "S3Failure", `Could not list ${s3.uri}: ${e instanceof Error ? e.message : String(e)}`);
  }
}

class DashboardError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

function answerError(res: http.ServerResponse, error: unknown): void {
  if (error instanceof DashboardError) return sendJson(res, error.status, { error: error.code, message: error.message });
  if (error instanceof ApiError) return sendJson(res, error.statusCode, { error: error.code, message: error.message });
  process.stderr.write(`optml: dashboard: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  sendJson(res, 500, { error: "InternalFailure", message: "The dashboard could not answer." });
}

function notFound(req: http.IncomingMessage, res: http.ServerResponse): void {
  req.resume();
  sendJson(res, 404, { error: "NotFound", message: "No such dashboard resource." });
}

function clampInt(text: string | null, fallback: number, min: number, max: number): number {
  if (text === null || text === "") return fallback;
  const n = Number(text);
  if (!Number.isFinite(n)) return fallback;
  return Math.min(max, Math.max(min, Math.floor(n)));
}

const LOOPBACK_NAMES = new Set(["127.0.0.1", "localhost", "[::1]", "::1"]);

/** Whether a Host header names the address served (for loopback, any loopback name; for 0.0.0.0 or ::, anything). */
export function hostAllowed(header: string | undefined, served: string): boolean {
  if (served === "0.0.0.0" || served === "::") return true;
  if (header === undefined) return false;
  const name = header.startsWith("[") ? header.slice(0, header.indexOf("]") + 1) : header.split(":")[0]!;
  const lower = name.toLowerCase();
  const servedName = served.includes(":") && !served.startsWith("[") ? `[${served}]` : served;
  if (lower === servedName.toLowerCase()) return true;
  return (served.startsWith("127.") || served === "::1" || served === "localhost") && LOOPBACK_NAMES.has(lower);
}

function authorised(req: http.IncomingMessage, url: URL, token: Buffer): boolean {
  const offered: string[] = [];
  const bearer = /^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? "");
  if (bearer) offered.push(bearer[1]!.trim());
  const query = url.searchParams.get("token");
  if (query !== null) offered.push(query);
  for (const part of (req.headers.cookie ?? "").split(";")) {
    const eq = part.indexOf("=");
    if (eq > 0 && part.slice(0, eq).trim() === COOKIE) {
      try {
        offered.push(decodeURIComponent(part.slice(eq + 1).trim()));
      } catch {
        // a malformed cookie is no token
      }
    }
  }
  return offered.some((o) => {
    const b = Buffer.from(o);
    return b.length === token.length && timingSafeEqual(b, token);
  });
}

function serveStatic(req: http.IncomingMessage, res: http.ServerResponse, root: string, path: string): void {
  let decoded: string;
  try {
    decoded = decodeURIComponent(path);
  } catch {
    return notFound(req, res);
  }
  const file = resolve(root, `.${decoded}`);
  if (!file.startsWith(root + sep)) return notFound(req, res);
  if (!existsSync(file) || !statSync(file).isFile()) {
    if (path === "/index.html") {
      return sendText(res, 503, `The dashboard's files are not built (no ${file}): run 'npm run build' in the optml checkout.\n`);
    }
    return notFound(req, res);
  }
  const type = TYPES[extname(file)] ?? "application/octet-stream";
  // Vite names assets by their content: they can be cached for good; the page itself never.
  const cache = path.startsWith("/assets/") ? "public, max-age=31536000, immutable" : "no-store";
  res.writeHead(200, { ...SECURITY_HEADERS, "Content-Type": type, "Content-Length": statSync(file).size, "Cache-Control": cache, "Content-Security-Policy": CSP });
  if (req.method === "HEAD") return void res.end();
  createReadStream(file).on("error", () => res.destroy()).pipe(res);
}

function sendJson(res: http.ServerResponse, status: number, body: unknown): void {
  if (res.headersSent || res.writableEnded || res.destroyed) return;
  const text = JSON.stringify(body);
  res.writeHead(status, { ...SECURITY_HEADERS, "Content-Type": "application/json; charset=utf-8", "Content-Length": Buffer.byteLength(text) });
  res.end(text);
}

function sendText(res: http.ServerResponse, status: number, text: string): void {
  if (res.headersSent || res.writableEnded || res.destroyed) return;
  res.writeHead(status, { ...SECURITY_HEADERS, "Content-Type": "text/plain; charset=utf-8", "Content-Length": Buffer.byteLength(text) });
  res.end(text);
}

function sendHtml(res: http.ServerResponse, status: number, html: string): void {
  if (res.headersSent || res.writableEnded || res.destroyed) return;
  res.writeHead(status, { ...SECURITY_HEADERS, "Content-Type": "text/html; charset=utf-8", "Content-Length": Buffer.byteLength(html), "Content-Security-Policy": CSP });
  res.end(html);
}

/** The page a request without the token gets: a form that sends it as `/?token=`. No script. */
function loginPage(): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>optml dashboard: token needed</title>
<style>body{font:15px system-ui,sans-serif;margin:4rem auto;max-width:32rem;color:#222}input{font:inherit;width:100%;padding:.4rem;margin:.5rem 0}</style></head>
<body><h1>optml dashboard</h1>
<p>This control plane was started with <code>--auth</code>. Open the address <code>optml serve</code> printed, or paste its token:</p>
<form method="get" action="/"><input name="token" type="password" autocomplete="off" aria-label="token" autofocus><button type="submit">Open</button></form>
</body></html>
`;
}
