// A route's methods: any other gets 405 with Allow, as HTTP has it, rather
// than an answer meant for another method (a POST to /healthz was 200).

import type { IncomingMessage, ServerResponse } from "node:http";
import type { HttpRoute } from "./admin-http-server.js";
import { answerAndDropBody } from "./refused-body.js";

export function onlyMethods(methods: readonly string[], handle: HttpRoute["handle"]): HttpRoute["handle"] {
  return (req, res) => {
    if (req.method !== undefined && methods.includes(req.method)) handle(req, res);
    else methodNotAllowed(req, res, methods);
  };
}

/**
 * A request with another method has no use for a body: one of up to
 * REFUSED_BODY_BYTES is dropped before the answer, a larger one closes the
 * connection (refused-body.ts).
 */
export function methodNotAllowed(req: IncomingMessage, res: ServerResponse, methods: readonly string[]): void {
  const allow = methods.join(", ");
  answerAndDropBody(req, res, REFUSED_BODY_BYTES, () => res.writeHead(405, { allow, "content-type": "text/plain" }).end(`${allow} only\n`));
}

const REFUSED_BODY_BYTES = 1024 * 1024;
