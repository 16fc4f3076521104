/**
 * The two processes that carry a job's loopback connections across network namespaces, run as
 * `node proxy.js <role> <name> <json>` with the job's loopback dir as working directory:
 *
 * - relay (one per job, in the control plane's namespace): listens on one unix socket per
 *   endpoint (a file in the dir, named by endpoints.ts) and connects each connection it accepts to
 *   the endpoint's real host and port on this machine. `<json>`: RelayTarget[].
 * - forwarder (one per host, in the host's namespace: its container, or its netns): listens on
 *   each endpoint's loopback address and port there, and hands each connection to the relay's
 *   socket for it. `<json>`: ForwardedAddress[].
 *
 * A unix socket is a file: any namespace that sees the dir (a container through a bind mount)
 * reaches it, and the traffic never leaves loopback and the filesystem. The relay answers a new
 * connection with one byte once the real service accepted it; a connection the service refused is
 * reset, so the job's client sees a failed connection, not an empty answer.
 *
 * Each process writes `<name>.ready` ("ok", or "error: ..." when it cannot listen) once listening,
 * and exits when the dir is removed (the executor's release, or reclaim after a crash), which it
 * looks at twice a second. Self-contained (node: imports only): a container runs this one file,
 * mounted, with this machine's node.
 */
import { renameSync, statSync, unlinkSync, writeFileSync } from "node:fs";
import { connect, createServer, type Server, type Socket } from "node:net";

interface ForwardedAddress {
  readonly address: string;
  readonly port: number;
  readonly socket: string;
}

interface RelayTarget {
  readonly socket: string;
  readonly host: string;
  readonly port: number;
}

/** The byte the relay sends first once the real service accepted the connection. */
const OPENED = Buffer.from([0]);
const WATCH_MS = 500;

function log(line: string): void {
  process.stderr.write(`[optml-loopback] ${new Date().toISOString()} ${line}\n`);
}

function ready(name: string, text: string): void {
  writeFileSync(`${name}.ready.tmp`, text);
  renameSync(`${name}.ready.tmp`, `${name}.ready`);
}

/** Exit once the working directory has been removed (or replaced by a new one of the same name). */
function exitWithDir(): void {
  const first = statSync(".");
  setInterval(() => {
    let gone: boolean;
    try {
      const now = statSync(".");
      const named = statSync(process.cwd());
      gone = now.nlink === 0 || named.ino !== first.ino || named.dev !== first.dev;
    } catch {
      gone = true;
    }
    if (gone) process.exit(0);
  }, WATCH_MS);
}

function listen(server: Server, where: { path: string } | { host: string; port: number }): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen({ ...where, exclusive: true }, () => {
      server.off("error", reject);
      resolve();
    });
  });
}

/** When a side closes, the other is ended (what it still has to write gets out); an error destroys both. */
function tie(a: Socket, b: Socket): void {
  a.on("error", () => b.destroy());
  b.on("error", () => a.destroy());
  a.on("close", () => b.end());
  b.on("close", () => a.end());
}

function relayConnection(unix: Socket, target: RelayTarget): void {
  const tcp = connect({ host: target.host, port: target.port, allowHalfOpen: true, noDelay: true });
  let connected = false;
  unix.pipe(tcp);
  tcp.once("connect", () => {
    connected = true;
    unix.write(OPENED);
    tcp.pipe(unix);
  });
  tcp.on("error", (e: NodeJS.ErrnoException) => {
    if (!connected) log(`cannot connect to ${target.host}:${target.port}: ${e.code ?? e.message}`);
  });
  tie(unix, tcp);
}

function forwardConnection(client: Socket, to: ForwardedAddress): void {
  const relay = connect({ path: to.socket, allowHalfOpen: true });
  let opened = false;
  client.pipe(relay);
  const first = (chunk: Buffer) => {
    relay.off("data", first);
    relay.pause();
    opened = true;
    if (chunk.length > 1) client.write(chunk.subarray(1));
    relay.pipe(client);
  };
  relay.on("data", first);
  relay.on("error", (e: NodeJS.ErrnoException) => {
    if (e.code === "ENOENT" || e.code === "ECONNREFUSED") log(`cannot reach the relay for ${to.address}:${to.port}: ${e.code}`);
  });
  client.on("error", () => relay.destroy());
  client.on("close", () => relay.end());
  relay.on("close", () => {
    if (client.destroyed) return;
    // Refused (or never reached) by the real service: the client's connection fails as it would have.
    if (opened) client.end();
    else client.resetAndDestroy();
  });
}

async function relay(targets: readonly RelayTarget[]): Promise<void> {
  for (const target of targets) {
    try {
      unlinkSync(target.socket);
    } catch {
      // none left from before
    }
    const server = createServer({ allowHalfOpen: true }, (unix) => relayConnection(unix, target));
    await listen(server, { path: target.socket });
  }
}

async function forwarder(addresses: readonly ForwardedAddress[]): Promise<void> {
  for (const to of addresses) {
    // No Nagle on the job's side: small requests go out as the client writes them (it may have it on, too).
    const server = createServer({ allowHalfOpen: true, noDelay: true }, (client) => forwardConnection(client, to));
    try {
      await listen(server, { host: to.address, port: to.port });
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      // A namespace without IPv6: `localhost` is reached on 127.0.0.1 alone.
      if (to.address === "::1" && (code === "EADDRNOTAVAIL" || code === "EAFNOSUPPORT")) continue;
      throw new Error(`cannot listen on ${to.address.includes(":") ? `[${to.address}]` : to.address}:${to.port} in the host's network namespace: ${code ?? (e as Error).message}`);
    }
  }
}

async function main(): Promise<void> {
  const [role, name, json] = process.argv.slice(2);
  if ((role !== "relay" && role !== "forwarder") || !name || !json) {
    process.stderr.write("usage: proxy.js relay|forwarder <name> <json>\n");
    process.exit(2);
  }
  try {
    if (role === "relay") await relay(JSON.parse(json) as RelayTarget[]);
    else await forwarder(JSON.parse(json) as ForwardedAddress[]);
  } catch (e) {
    log((e as Error).message);
    ready(name, `error: ${(e as Error).message}`);
    process.exit(1);
  }
  // One broken connection must not take the others down with the process.
  process.on("uncaughtException", (e) => log(`unexpected: ${e.stack ?? e.message}`));
  exitWithDir();
  ready(name, "ok");
  log(`${role} ${name} ready in pid ${process.pid}`);
}

void main();
