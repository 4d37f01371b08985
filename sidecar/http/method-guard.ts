// A route's methods: any other gets 405 with Allow, as HTTP has it, rather
// than an answer meant for another method (a POST to /healthz was 200).

import type { IncomingMessage, ServerResponse } from "node:http";
import type { HttpRoute } from "./admin-http-server.js";

export function onlyMethods(methods: readonly string[], handle: HttpRoute["handle"]): HttpRoute["handle"] {
  return (req, res) => {
    if (req.method !== undefined && methods.includes(req.method)) handle(req, res);
    else methodNotAllowed(req, res, methods);
  };
}

/** The body, if any, is not read: the connection closes rather than take the rest of it. */
export function methodNotAllowed(req: IncomingMessage, res: ServerResponse, methods: readonly string[]): void {
  const allow = methods.join(", ");
  const close: Record<string, string> = req.complete ? {} : { connection: "close" };
  res.writeHead(405, { allow, "content-type": "text/plain", ...close }).end(`${allow} only\n`);
}
