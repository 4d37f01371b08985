// The body of a request refused before it was read. An HTTP client writes its
// whole body before it reads the answer, so a connection closed under it
// ended in a broken pipe (EPIPE) instead of the 401, 403 or 405 it was sent.
// The answer goes at once; the rest of the body is then read and dropped, up
// to the most its route would take, and the connection stays open for the
// client's next request. A larger body, one that stops coming, or one still
// coming after a minute closes it: a caller without a key holds nothing long.

import type { IncomingMessage, ServerResponse } from "node:http";

/** How long a refused body may pause before the connection is closed. */
const STALLED_BODY_MS = 10_000;
/** How long a refused body may take in all. */
const REFUSED_BODY_MS = 60_000;

export function answerAndDropBody(req: IncomingMessage, res: ServerResponse, maxBytes: number, answer: () => void): void {
  const tooLarge = !req.complete && Number(req.headers["content-length"]) > maxBytes;
  if (tooLarge) res.setHeader("connection", "close");
  answer();
  if (req.complete || tooLarge) return;
  let received = 0;
  const cut = () => req.socket.destroy();
  const stalled = setTimeout(cut, STALLED_BODY_MS).unref();
  const overall = setTimeout(cut, REFUSED_BODY_MS).unref();
  req.on("data", (chunk: Buffer) => {
    received += chunk.length;
    if (received > maxBytes) cut();
    else stalled.refresh();
  });
  req.once("close", () => {
    clearTimeout(stalled);
    clearTimeout(overall);
  });
}
