// The answer to a Connect or gRPC-web call refused before its body is read
// (no key, a wrong key, too weak a role), in the caller's own protocol: a
// Connect unary error with its HTTP status, a Connect stream's end message,
// or a gRPC-web trailers-only response. connect-es writes these itself only
// for errors raised after it has decoded the request.

import type { IncomingMessage, ServerResponse } from "node:http";
import type { ConnectError } from "@connectrpc/connect";
import { codeToHttpStatus, contentTypeStreamRegExp, endStreamFlag, endStreamToJson, errorToJsonBytes } from "@connectrpc/connect/protocol-connect";
import { setTrailerStatus } from "@connectrpc/connect/protocol-grpc-web";
import { answerAndDropBody } from "./refused-body.js";

/** `maxBytes`: the most the door reads of a request; the refused body is dropped up to that before the answer (refused-body.ts). */
export function refuseConnectCall(req: IncomingMessage, res: ServerResponse, error: ConnectError, maxBytes: number): void {
  answerAndDropBody(req, res, maxBytes, () => writeRefusal(req, res, error));
}

function writeRefusal(req: IncomingMessage, res: ServerResponse, error: ConnectError): void {
  const contentType = req.headers["content-type"] ?? "";
  if (/^application\/grpc-web/i.test(contentType)) {
    const headers = setTrailerStatus(new Headers(), error);
    res.writeHead(200, { "content-type": contentType, ...Object.fromEntries(headers) });
    res.end();
    return;
  }
  if (contentTypeStreamRegExp.test(contentType)) {
    const json = Buffer.from(JSON.stringify(endStreamToJson(new Headers(), error, undefined)));
    const envelope = Buffer.alloc(5 + json.length);
    envelope[0] = endStreamFlag;
    envelope.writeUInt32BE(json.length, 1);
    json.copy(envelope, 5);
    res.writeHead(200, { "content-type": contentType });
    res.end(envelope);
    return;
  }
  res.writeHead(codeToHttpStatus(error.code), { "content-type": "application/json" });
  res.end(Buffer.from(errorToJsonBytes(error, {})));
}
