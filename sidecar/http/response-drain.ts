// Back-pressure for the streaming routes: wait until a response can take
// more bytes, or the client has gone.

import type { ServerResponse } from "node:http";

export function drained(res: ServerResponse): Promise<void> {
  // Gone already: its 'close' has fired and no 'drain' ever will.
  if (res.destroyed || res.closed) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      res.off("drain", done);
      res.off("close", done);
      resolve();
    };
    res.on("drain", done);
    res.on("close", done);
  });
}
