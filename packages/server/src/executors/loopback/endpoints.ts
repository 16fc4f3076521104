/**
 * Which services on this machine's loopback a job is configured to reach: every endpoint variable
 * of the host's environment (AWS_ENDPOINT_URL, AWS_ENDPOINT_URL_<SERVICE>, S3_ENDPOINT_URL, and the
 * container credentials URI) whose host is 127.x.x.x, localhost or [::1]. Pure: tested by value.
 *
 * A host in a network namespace of its own (a container, a netns host) has a loopback of its own,
 * so such an endpoint reaches nothing there unless something listens on that very address and port
 * inside the namespace: the forwarders of proxy.ts do, and hand each connection to the relay that
 * reaches the real service here.
 */

export type Environment = Readonly<Record<string, string | undefined>>;

/** A service on this machine's loopback, as the job's endpoint names it. */
export interface LoopbackEndpoint {
  /** The host as the URL writes it, normalized: `127.x.x.x`, `localhost` or `::1`. */
  readonly host: string;
  readonly port: number;
  /** The variables that name it (for messages). */
  readonly variables: readonly string[];
}

/** Where a forwarder listens for one endpoint, and the relay's socket (a file name in the job's loopback dir) it hands connections to. */
export interface ForwardedAddress {
  readonly address: string;
  readonly port: number;
  readonly socket: string;
}

/** Where the relay listens (`socket`) and what it connects to. */
export interface RelayTarget {
  readonly socket: string;
  readonly host: string;
  readonly port: number;
}

/** The variables that may name an endpoint. */
export function isEndpointVariable(name: string): boolean {
  return name === "AWS_ENDPOINT_URL" || name.startsWith("AWS_ENDPOINT_URL_") || name === "S3_ENDPOINT_URL" || name === "AWS_CONTAINER_CREDENTIALS_FULL_URI";
}

const DEFAULT_PORTS: Readonly<Record<string, number>> = { "http:": 80, "https:": 443 };

/** The loopback host of a URL's hostname (`127.0.0.1`, `localhost`, `::1`), or undefined when it names another host. */
export function loopbackHost(hostname: string): string | undefined {
  const host = hostname.toLowerCase().replace(/^\[(.*)\]$/, "$1").replace(/\.$/, "");
  if (host === "localhost" || host.endsWith(".localhost")) return "localhost";
  if (host === "::1" || host === "0:0:0:0:0:0:0:1") return "::1";
  const m = /^127\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(host);
  if (m && m.slice(1).every((n) => Number(n) <= 255)) return host;
  return undefined;
}

/** The loopback endpoints an environment names, one per host and port, in the order first named. */
export function loopbackEndpoints(env: Environment): LoopbackEndpoint[] {
  const found = new Map<string, { host: string; port: number; variables: string[] }>();
  for (const [name, value] of Object.entries(env)) {
    if (!isEndpointVariable(name) || !value) continue;
    let url: URL;
    try {
      url = new URL(value.trim());
    } catch {
      continue; // not a URL: the SDK will say so to the job; nothing to forward
    }
    const host = loopbackHost(url.hostname);
    const port = url.port ? Number(url.port) : DEFAULT_PORTS[url.protocol];
    if (host === undefined || port === undefined) continue;
    const key = `${host} ${port}`;
    const entry = found.get(key);
    if (entry) entry.variables.push(name);
    else found.set(key, { host, port, variables: [name] });
  }
  return [...found.values()];
}

/** The relay's socket for an endpoint: a short file name (the relay and forwarders use it relative to the loopback dir). */
export function socketName(e: Pick<LoopbackEndpoint, "host" | "port">): string {
  return `${e.host.replace(/:/g, "_")}-${e.port}.sock`;
}

/**
 * The addresses a forwarder listens on for an endpoint: the address itself, and for `localhost`
 * both 127.0.0.1 and ::1 (clients try either; a namespace without IPv6 skips ::1).
 */
export function forwardedAddresses(endpoints: readonly LoopbackEndpoint[]): ForwardedAddress[] {
  const byAddress = new Map<string, ForwardedAddress>();
  // An address named outright wins over the same address reached through `localhost`.
  const ordered = [...endpoints.filter((e) => e.host !== "localhost"), ...endpoints.filter((e) => e.host === "localhost")];
  for (const e of ordered) {
    for (const address of e.host === "localhost" ? ["127.0.0.1", "::1"] : [e.host]) {
      const key = `${address} ${e.port}`;
      if (!byAddress.has(key)) byAddress.set(key, { address, port: e.port, socket: socketName(e) });
    }
  }
  return [...byAddress.values()];
}

/** What the relay serves for these endpoints: one socket each, connecting to the endpoint as this machine resolves it. */
export function relayTargets(endpoints: readonly LoopbackEndpoint[]): RelayTarget[] {
  return endpoints.map((e) => ({ socket: socketName(e), host: e.host, port: e.port }));
}
