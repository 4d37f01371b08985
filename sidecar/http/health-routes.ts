// Liveness and readiness for orchestrators: /healthz answers while the
// process runs, /readyz only once both ports are serving.

import type { HttpRoute } from "./admin-http-server.js";
import { onlyMethods } from "./method-guard.js";

const READ = ["GET", "HEAD"];

export function healthRoutes(isReady: () => boolean): HttpRoute[] {
  return [
    {
      path: "/healthz",
      handle: onlyMethods(READ, (_req, res) => res.writeHead(200, { "content-type": "text/plain" }).end("ok\n")),
    },
    {
      path: "/readyz",
      handle: onlyMethods(READ, (_req, res) => {
        const ready = isReady();
        res.writeHead(ready ? 200 : 503, { "content-type": "text/plain" }).end(ready ? "ready\n" : "not ready\n");
      }),
    },
  ];
}
