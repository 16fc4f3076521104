/**
 * The control plane on HTTP: SageMaker, CloudWatch Logs and CloudWatch metrics at one endpoint on 127.0.0.1.
 */
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { cloudwatchService } from "./cloudwatch/handlers.js";
import { ControlPlane, type ControlPlaneOptions } from "./control-plane.js";
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
}

export interface RunningServer {
  readonly controlPlane: ControlPlane;
  readonly http: Server;
  readonly port: number;
  /** `http://127.0.0.1:<port>`: give it to clients as their endpoint URL. */
  readonly endpoint: string;
  /** Stop answering and wait for running jobs to finish. */
  close(): Promise<void>;
}

export async function startServer(options: OptmlServerOptions = {}): Promise<RunningServer> {
  const controlPlane = ControlPlane.open(options);
  const http = createApiServer({
    services: [sagemakerService(controlPlane), logsService(controlPlane), cloudwatchService({ store: controlPlane.store })],
    defaultRegion: controlPlane.settings.region,
    ...(options.auth ? { auth: options.auth } : {}),
  });
  const host = options.host ?? "127.0.0.1";
  await new Promise<void>((resolve, reject) => {
    http.once("error", reject);
    http.listen(options.port ?? DEFAULT_PORT, host, () => {
      http.off("error", reject);
      resolve();
    });
  });
  const port = (http.address() as AddressInfo).port;
  return {
    controlPlane,
    http,
    port,
    endpoint: `http://${host}:${port}`,
    async close() {
      await new Promise<void>((resolve) => {
        http.close(() => resolve());
        http.closeAllConnections();
      });
      await controlPlane.close();
    },
  };
}
