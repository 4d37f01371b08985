// drained() over a real socket: it resolves when the client reads on, and
// when the client has gone, even if it went before the wait began (no
// 'drain' or 'close' comes after that, and a download would wait for ever).

import { once } from "node:events";
import { createServer, get, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { setTimeout } from "node:timers/promises";
import { describe, expect, it } from "vitest";
import { drained } from "./response-drain.js";

/** A server whose one response is handed to `use`; the client reads it, or goes away at once. */
async function withResponse(clientLeaves: boolean, use: (res: ServerResponse) => Promise<void>): Promise<void> {
  let done!: Promise<void>;
  const server = createServer((_req, res) => {
    res.writeHead(200);
    res.flushHeaders();
    done = use(res);
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const req = get({ host: "127.0.0.1", port: (server.address() as AddressInfo).port }, (res) => {
    if (clientLeaves) req.destroy();
    else res.resume();
  });
  req.on("error", () => undefined);
  await once(req, "close");
  while (done === undefined) await setTimeout(5);
  await done;
  server.close();
}

const within = <T>(ms: number, p: Promise<T>) => Promise.race([p.then(() => "resolved"), setTimeout(ms, "still waiting")]);

describe("drained", () => {
  it("resolves once a reading client has taken the bytes", async () => {
    await withResponse(false, async (res) => {
      let full = false;
      for (let i = 0; i < 64 && !full; i++) full = !res.write(Buffer.alloc(64 * 1024));
      expect(full).toBe(true);
      expect(await within(5000, drained(res))).toBe("resolved");
      res.end();
    });
  });

  it("resolves for a client that has already gone", async () => {
    await withResponse(true, async (res) => {
      if (!res.destroyed) await once(res, "close");
      expect(res.write(Buffer.alloc(1000))).toBe(false);
      expect(await within(2000, drained(res))).toBe("resolved");
    });
  });
});
