// CORS for the Connect door, so a console served from another origin (a dev
// server, say) can call it. Every origin may: the key travels in an
// Authorization header that the page has to set itself, never in a cookie,
// so a foreign page gains nothing it does not already hold. The headers
// are connect-es's own lists, plus Authorization.

import { cors } from "@connectrpc/connect";
import type { HttpRoute } from "./admin-http-server.js";

const ALLOW_METHODS = cors.allowedMethods.join(", ");
const ALLOW_HEADERS = [...cors.allowedHeaders, "Authorization"].join(", ");
/**
 * Grpc-Status, Grpc-Message and Grpc-Status-Details-Bin among them, so
 * gRPC-web errors and their details reach the page; and the downloads' file
 * name and row count, which a page shows.
 */
const EXPOSE_HEADERS = [...cors.exposedHeaders, "Content-Disposition", "Dnc-Rows-Total"].join(", ");
/** Seconds a browser may reuse a preflight answer. */
const MAX_AGE = "7200";

export function withCors(handler: HttpRoute["handle"]): HttpRoute["handle"] {
  return (req, res) => {
    const origin = req.headers.origin;
    if (origin === undefined) {
      handler(req, res);
      return;
    }
    res.setHeader("Access-Control-Allow-Origin", origin);
    res.setHeader("Vary", "Origin");
    if (req.method === "OPTIONS") {
      res.writeHead(204, {
        "Access-Control-Allow-Methods": ALLOW_METHODS,
        "Access-Control-Allow-Headers": ALLOW_HEADERS,
        "Access-Control-Max-Age": MAX_AGE,
      });
      res.end();
      return;
    }
    res.setHeader("Access-Control-Expose-Headers", EXPOSE_HEADERS);
    handler(req, res);
  };
}
