import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { getEventListeners } from "node:events";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { deliver } from "./webhook-delivery.js";
import type { StoredWebhook } from "./webhook-store.js";

/** What a signal holds of the signals linked to it by AbortSignal.any (Node's own field; absent until any() is called). */
function linkedSignals(signal: AbortSignal): number {
  const field = Object.getOwnPropertySymbols(signal).find((s) => s.description === "kDependantSignals");
  return field === undefined ? 0 : ((signal as unknown as Record<symbol, Set<unknown>>)[field]?.size ?? 0);
}

describe("deliver", () => {
  let server: Server;
  let hook: StoredWebhook;
  const event = { seq: 7, at: 0, actor: "test", action: "added" as const, entry: new Uint8Array(0) };

  beforeAll(async () => {
    server = createServer((req, res) => {
      req.resume();
      if (req.url === "/silent") return;
      res.statusCode = req.url === "/fail" ? 500 : 204;
      res.end();
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const port = (server.address() as AddressInfo).port;
    hook = { id: "h", url: `http://127.0.0.1:${port}/ok`, secret: "s", createdAt: 0, createdBy: "test", deliveredSeq: 0 };
  });

  afterAll(() => {
    server.closeAllConnections();
    server.close();
  });

  it("leaves nothing on the worker's long-lived signal, however many attempts it makes", async () => {
    const worker = new AbortController();
    for (let i = 0; i < 100; i++) {
      const url = hook.url.replace("/ok", i % 2 === 0 ? "/ok" : "/fail");
      const attempt = deliver({ ...hook, url }, event, 5_000, worker.signal);
      if (i % 2 === 0) await attempt;
      else await expect(attempt).rejects.toThrow("HTTP 500");
    }
    expect(getEventListeners(worker.signal, "abort")).toHaveLength(0);
    expect(linkedSignals(worker.signal)).toBe(0);
  });

  it("gives up on a receiver that does not answer in time, saying so", async () => {
    const worker = new AbortController();
    await expect(deliver({ ...hook, url: hook.url.replace("/ok", "/silent") }, event, 100, worker.signal)).rejects.toThrow("no answer within 100 ms");
    expect(getEventListeners(worker.signal, "abort")).toHaveLength(0);
  });

  it("ends an attempt in flight when the worker stops", async () => {
    const worker = new AbortController();
    const attempt = deliver({ ...hook, url: hook.url.replace("/ok", "/silent") }, event, 60_000, worker.signal);
    setTimeout(() => worker.abort(new Error("stopping")), 50);
    await expect(attempt).rejects.toThrow("stopping");
  });
});
