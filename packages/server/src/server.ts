/**
 * The control plane on HTTP: SageMaker, CloudWatch Logs and CloudWatch metrics at one endpoint on 127.0.0.1.
 */
import { randomBytes } from "node:crypto";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { cloudwatchService } from "./cloudwatch/handlers.js";
import { ControlPlane, type ControlPlaneOptions } from "./control-plane.js";
import { dashboardRoute } from "./dashboard/routes.js";
import { logsService } from "./logs/handlers.js";
import { createApiServer } from "./protocol/server.js";
import type { AuthConfig } from "./protocol/types.js";
import { sagemakerService } from "./sagemaker/handlers.js";

/** The documented default port of `optml serve`. */
export const DEFAULT_PORT = 7077;

export interface OptmlServerOptions extends ControlPlaneOptions {
  /** 0 picks a free port. Default 7077. */
  readonly port?: number;
  readonly host?: string;
  readonly auth?: AuthConfig;
  /**
   * The web dashboard at `/` (dashboard/routes.ts): on unless false. With `auth`, it needs a token:
   * `dashboardToken`, else a random one (RunningServer.dashboardToken).
   */
  readonly dashboard?: boolean;
  readonly dashboardToken?: string;
  /** The dashboard's built files (default: this package's dist/ui). */
  readonly dashboardUiDir?: string;
}

export interface RunningServer {
  readonly controlPlane: ControlPlane;
  readonly http: Server;
  readonly port: number;
  /** `http://127.0.0.1:<port>`: give it to clients as their endpoint URL. */
  readonly endpoint: string;
  /** The dashboard's address (with `?token=` when it needs one), or undefined when it is off. */
  readonly dashboardUrl: string | undefined;
  /** The token the dashboard needs (under --auth), or undefined. */
  readonly dashboardToken: string | undefined;
  /** Stop answering and wait for running jobs to finish. */
  close(): Promise<void>;
}

export async function startServer(options: OptmlServerOptions = {}): Promise<RunningServer> {
  const controlPlane = ControlPlane.open(options);
  const host = options.host ?? "127.0.0.1";
  const dashboard = options.dashboard !== false;
  const dashboardToken = dashboard && options.auth ? (options.dashboardToken ?? randomBytes(24).toString("base64url")) : undefined;
  const http = createApiServer({
    services: [sagemakerService(controlPlane), logsService(controlPlane), cloudwatchService({ store: controlPlane.store })],
    defaultRegion: controlPlane.settings.region,
    ...(options.auth ? { auth: options.auth } : {}),
    ...(dashboard
      ? {
          route: dashboardRoute({
            controlPlane,
            host,
            ...(dashboardToken !== undefined ? { token: dashboardToken } : {}),
            ...(options.dashboardUiDir !== undefined ? { uiDir: options.dashboardUiDir } : {}),
          }),
        }
      : {}),
  });
  await new Promise<void>((resolve, reject) => {
    http.once("error", reject);
    http.listen(options.port ?? DEFAULT_PORT, host, () => {
      http.off("error", reject);
      resolve();
    });
  });
  const port = (http.address() as AddressInfo).port;
  const endpoint = `http://${host.includes(":") ? `[${host}]` : host}:${port}`;
  return {
    controlPlane,
    http,
    port,
    endpoint,
    dashboardUrl: dashboard ? `${endpoint}/${dashboardToken !== undefined ? `?token=${dashboardToken}` : ""}` : undefined,
    dashboardToken,
    async close() {
      await new Promise<void>((resolve) => {
        http.close(() => resolve());
        http.closeAllConnections();
      });
      await controlPlane.close();
    },
  };
}
