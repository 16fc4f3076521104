/**
 * A small Docker Engine API client: plain HTTP over the engine's unix socket (node:http with
 * `socketPath`), JSON in and out, and raw streams for logs. The API version is negotiated once:
 * v1.41 (Docker 20.10, Debian bookworm's docker.io) unless the engine is older (its own version
 * then) or no longer serves v1.41 (its minimum then); every call here exists unchanged in all of them.
 */
import { request as httpRequest, type IncomingMessage } from "node:http";

export const DEFAULT_DOCKER_SOCKET = "/var/run/docker.sock";
const PREFERRED_API_VERSION = "1.41";

/** The engine's socket path from `DOCKER_HOST` (`unix://...`), or the default; a reason for anything else. */
export function dockerSocketFrom(env: NodeJS.ProcessEnv = process.env): { socketPath: string } | { unsupported: string } {
  const host = env.DOCKER_HOST?.trim();
  if (!host) return { socketPath: DEFAULT_DOCKER_SOCKET };
  if (host.startsWith("unix://")) return { socketPath: host.slice("unix://".length) };
  if (host.startsWith("/")) return { socketPath: host };
  return { unsupported: `DOCKER_HOST=${host} is not a unix socket (optml talks to Docker over unix:// only)` };
}

/** An error the engine answered with (its status and `message`), or one reaching it. */
export class DockerError extends Error {
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
    this.name = "DockerError";
  }
}

export interface RequestOptions {
  readonly query?: Readonly<Record<string, string | number | boolean | undefined>>;
  /** A JSON body, or raw bytes (with `contentType`). */
  readonly body?: unknown;
  readonly contentType?: string;
  /** Give up (and destroy the connection) after this long; none by default. */
  readonly timeoutMs?: number;
  readonly signal?: AbortSignal;
}

function compareVersions(a: string, b: string): number {
  const [am = 0, an = 0] = a.split(".").map(Number);
  const [bm = 0, bn = 0] = b.split(".").map(Number);
  return am - bm || an - bn;
}

/** The API version to speak with an engine that serves `min`..`max`. */
export function negotiateApiVersion(max: string | undefined, min: string | undefined): string {
  if (!max) return PREFERRED_API_VERSION;
  if (compareVersions(max, PREFERRED_API_VERSION) < 0) return max;
  if (min && compareVersions(min, PREFERRED_API_VERSION) > 0) return min;
  return PREFERRED_API_VERSION;
}

export class DockerEngine {
  private version?: Promise<string>;

  constructor(readonly socketPath: string = DEFAULT_DOCKER_SOCKET) {}

  /** Open a request; resolves with the response once its head arrived (any status). */
  private open(method: string, path: string, o: RequestOptions = {}): Promise<IncomingMessage> {
    const query = Object.entries(o.query ?? {})
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(String(v))}`)
      .join("&");
    const raw = o.body === undefined || Buffer.isBuffer(o.body) ? (o.body as Buffer | undefined) : Buffer.from(JSON.stringify(o.body));
    return new Promise((resolve, reject) => {
      const req = httpRequest(
        {
          socketPath: this.socketPath,
          method,
          path: query ? `${path}?${query}` : path,
          headers: {
            Host: "docker",
            ...(raw ? { "Content-Type": o.contentType ?? "application/json", "Content-Length": raw.length } : {}),
          },
          ...(o.signal ? { signal: o.signal } : {}),
        },
        resolve,
      );
      let timer: NodeJS.Timeout | undefined;
      if (o.timeoutMs !== undefined) {
        timer = setTimeout(() => req.destroy(new DockerError(`no answer from Docker within ${o.timeoutMs} ms (${method} ${path})`)), o.timeoutMs);
        req.once("close", () => clearTimeout(timer));
      }
      req.once("error", (e: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        reject(e instanceof DockerError || e.name === "AbortError" ? e : new DockerError(`cannot reach Docker at ${this.socketPath}: ${e.message}`));
      });
      req.end(raw);
    });
  }

  private async apiPath(path: string): Promise<string> {
    this.version ??= this.call("GET", "/version", { timeoutMs: 10_000 }, false).then(
      (v) => negotiateApiVersion((v as { ApiVersion?: string }).ApiVersion, (v as { MinAPIVersion?: string }).MinAPIVersion),
      (e: unknown) => {
        this.version = undefined;
        throw e;
      },
    );
    return `/v${await this.version}${path}`;
  }

  /** A versioned call; resolves with the parsed JSON answer (or the text, or undefined); rejects with a DockerError on status >= 400. */
  async call(method: string, path: string, o: RequestOptions = {}, versioned = true): Promise<unknown> {
    const res = await this.open(method, versioned ? await this.apiPath(path) : path, o);
    const body = await readAll(res);
    const text = body.toString("utf8");
    if ((res.statusCode ?? 500) >= 400) throw new DockerError(engineMessage(text) || `HTTP ${res.statusCode}`, res.statusCode);
    if (text === "") return undefined;
    return (res.headers["content-type"] ?? "").includes("json") ? JSON.parse(text) : text;
  }

  /** A versioned call whose answer is a stream (logs, build and pull progress); rejects on status >= 400. */
  async stream(method: string, path: string, o: RequestOptions = {}): Promise<IncomingMessage> {
    const res = await this.open(method, await this.apiPath(path), o);
    if ((res.statusCode ?? 500) >= 400) {
      const text = (await readAll(res)).toString("utf8");
      throw new DockerError(engineMessage(text) || `HTTP ${res.statusCode}`, res.statusCode);
    }
    return res;
  }

  /** Whether the engine answers `/_ping`. */
  async ping(timeoutMs = 3000): Promise<boolean> {
    try {
      return (await this.call("GET", "/_ping", { timeoutMs }, false)) === "OK";
    } catch {
      return false;
    }
  }
}

/**
 * Read a progress stream of JSON messages (build, pull) to its end; rejects with the first
 * `error` it carries. Returns the `stream` texts, for messages.
 */
export async function followProgress(res: IncomingMessage): Promise<string> {
  const text = (await readAll(res)).toString("utf8");
  let said = "";
  for (const line of text.split(/\r?\n/)) {
    if (!line.trim()) continue;
    let m: { error?: string; errorDetail?: { message?: string }; stream?: string };
    try {
      m = JSON.parse(line) as typeof m;
    } catch {
      continue;
    }
    if (m.error || m.errorDetail) throw new DockerError(m.errorDetail?.message ?? m.error ?? "unknown error");
    if (m.stream) said += m.stream;
  }
  return said;
}

function engineMessage(text: string): string {
  try {
    return String((JSON.parse(text) as { message?: unknown }).message ?? text).trim();
  } catch {
    return text.trim();
  }
}

async function readAll(res: IncomingMessage): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const part of res) parts.push(part as Buffer);
  return Buffer.concat(parts);
}

/** An image name as it goes into a URL path (`/images/{name}/json`): `/` and `:` stay. */
export function imagePath(name: string): string {
  return encodeURIComponent(name).replace(/%2F/gi, "/").replace(/%3A/gi, ":");
}

/** `fromImage` and `tag` for `/images/create` from `repo[:tag]` or `repo@digest`. */
export function pullReference(name: string): { fromImage: string; tag: string } {
  const at = name.indexOf("@");
  if (at >= 0) return { fromImage: name.slice(0, at), tag: name.slice(at + 1) };
  const slash = name.lastIndexOf("/");
  const colon = name.lastIndexOf(":");
  if (colon > slash) return { fromImage: name.slice(0, colon), tag: name.slice(colon + 1) };
  return { fromImage: name, tag: "latest" };
}
