// A route's methods: any other gets 405 with Allow, as HTTP has it, rather
// than an answer meant for another method (a POST to /healthz was 200).

import type { ServerResponse } from "node:http";
import type { HttpRoute } from "./admin-http-server.js";

export function onlyMethods(methods: readonly string[], handle: HttpRoute["handle"]): HttpRoute["handle"] {
  return (req, res) => {
    if (req.method !== undefined && methods.includes(req.method)) handle(req, res);
    else methodNotAllowed(res, methods);
  };
}

export function methodNotAllowed(res: ServerResponse, methods: readonly string[]): void {
  const allow = methods.join(", ");
  res.writeHead(405, { allow, "content-type": "text/plain" }).end(`${allow} only\n`);
}
