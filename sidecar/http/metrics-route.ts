// GET /metrics: the registry in Prometheus text format.

import type { Registry } from "prom-client";
import type { HttpRoute } from "./admin-http-server.js";
import { onlyMethods } from "./method-guard.js";
import { messageOf } from "../errors.js";

export function metricsRoute(registry: Registry): HttpRoute {
  return {
    path: "/metrics",
    handle: onlyMethods(["GET", "HEAD"], (_req, res) => {
      registry.metrics().then(
        (text) => res.writeHead(200, { "content-type": registry.contentType }).end(text),
        (err: unknown) => res.writeHead(500, { "content-type": "text/plain" }).end(`metrics failed: ${messageOf(err)}\n`),
      );
    }),
  };
}
