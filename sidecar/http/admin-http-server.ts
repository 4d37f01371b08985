// The admin HTTP port. For now it answers liveness and readiness; the
// Connect door, metrics and the console are added here by later issues.

import { createServer, type Server } from "node:http";

export class AdminHttpServer {
  private readonly server: Server;

  constructor(isReady: () => boolean) {
    this.server = createServer((req, res) => {
      const path = (req.url ?? "/").split("?")[0];
      if (path === "/healthz") {
        res.writeHead(200, { "content-type": "text/plain" }).end("ok\n");
      } else if (path === "/readyz") {
        const ready = isReady();
        res.writeHead(ready ? 200 : 503, { "content-type": "text/plain" }).end(ready ? "ready\n" : "not ready\n");
      } else {
        res.writeHead(404, { "content-type": "text/plain" }).end("not found\n");
      }
    });
  }

  /** Binds `HOST:PORT`; resolves to the bound port. */
  listen(address: string): Promise<number> {
    const { host, port } = parseHostPort(address, "--http-listen");
    return new Promise((resolve, reject) => {
      this.server.once("error", reject);
      this.server.listen(port, host, () => {
        const bound = this.server.address();
        resolve(typeof bound === "object" && bound !== null ? bound.port : port);
      });
    });
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }
}

export function parseHostPort(address: string, flag: string): { host: string; port: number } {
  const i = address.lastIndexOf(":");
  const port = Number(address.slice(i + 1));
  if (i <= 0 || !Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`${flag}: expected HOST:PORT, got '${address}'`);
  return { host: address.slice(0, i).replace(/^\[|\]$/g, ""), port };
}
