// The admin HTTP port: a plain Node http server that hands each request to
// the first route whose path matches. The routes (health, metrics, the
// Connect door, later the console and the unsubscribe pages) each own
// their paths; anything else is 404.

import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { sendHttpError } from "./http-status.js";

export interface HttpRoute {
  /** An exact path, or every path under it when it ends in "/". */
  path: string;
  handle(req: IncomingMessage, res: ServerResponse): void;
}

/**
 * How long a request may take to arrive. Node's default (five minutes) cut
 * off any upload of the size limit slower than half a megabyte a second; an
 * upload that stalls is dropped after a minute anyway (upload-store.ts).
 */
const REQUEST_TIMEOUT_MS = 3_600_000;

export class AdminHttpServer {
  private readonly server: Server;

  constructor(routes: HttpRoute[]) {
    this.server = createServer({ requestTimeout: REQUEST_TIMEOUT_MS }, (req, res) => {
      const path = (req.url ?? "/").split("?")[0]!;
      const route = routes.find((r) => (r.path.endsWith("/") ? path.startsWith(r.path) : path === r.path));
      if (route === undefined) {
        res.writeHead(404, { "content-type": "text/plain" }).end("not found\n");
        return;
      }
      // A route's own errors come back as statuses; one it throws at once must still not end the process.
      try {
        route.handle(req, res);
      } catch (err: unknown) {
        if (res.headersSent) res.destroy();
        else sendHttpError(res, err);
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
