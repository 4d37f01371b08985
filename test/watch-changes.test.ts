// WatchChanges over a real gRPC stream: live adds and removals only, resume
// after a disconnect with exactly the missed changes, and an end on shutdown.

import { Metadata, status } from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AdminService } from "../sidecar/gen/dnc/v1/admin_service_pb.js";
import { HistoryAction } from "../sidecar/gen/dnc/v1/history_pb.js";
import { Channel } from "../sidecar/gen/dnc/v1/types_pb.js";
import { GrpcClient } from "../sidecar/grpc/grpc-client.js";
import { Sidecar } from "../sidecar/sidecar.js";
import { serverStream } from "./support/server-stream.js";
import { tempDir } from "./support/temp-dir.js";
import { startTestSidecar } from "./support/test-sidecar.js";

const TOKEN = "test-admin-token-watch-changes";
process.env.DNC_ADMIN_TOKEN = TOKEN;

const md = new Metadata();
md.set("authorization", `Bearer ${TOKEN}`);

const startSidecar = (dataDir: string) => startTestSidecar(dataDir, TOKEN);

const phone = (n: number) => `+4477009002${String(n).padStart(2, "0")}`;
const contact = (n: number) => phone(n).slice(1);

describe("WatchChanges", () => {
  const dir = tempDir();
  let sidecar: Sidecar;
  let client: GrpcClient;
  const add = (...ns: number[]) => client.call(AdminService.method.addEntries, { entries: ns.map((n) => ({ contact: phone(n), channel: Channel.SMS })) }, md);
  const remove = (...ns: number[]) => {
    const keys = ns.map((n) => ({ contact: phone(n), channel: Channel.SMS }));
    return client.call(AdminService.method.removeEntries, { keys, consentConfirmed: true, note: "asked again" }, md);
  };
  const watch = (afterSeq: bigint) => serverStream(client, AdminService.method.watchChanges, { afterSeq }, md);

  beforeAll(async () => {
    ({ sidecar, client } = await startSidecar(dir.path));
    await add(1); // before any watch: not streamed from 0
  });
  afterAll(async () => {
    client.close();
    await sidecar.stop(500);
    dir.remove();
  });

  it("from 0, starts with the next change", async () => {
    const stream = watch(0n);
    // Whenever the server has set the stream up, one of these adds comes next.
    for (let n = 50; stream.received.length === 0 && n < 90; n++) {
      await add(n);
      await new Promise((r) => setTimeout(r, 50));
    }
    const [first] = await stream.waitFor(1);
    expect(first!.event).toMatchObject({ action: HistoryAction.ADDED, entry: { contact: expect.stringMatching(/^4477009002[5-8]\d$/) } });
    stream.cancel();
    await stream.finished();
  });

  it("streams adds and removals as they commit, not repeats or rejections, and resumes after a disconnect without gaps or duplicates", async () => {
    const newest = await client.call(AdminService.method.getHistory, { pageSize: 1 }, md);
    const first = watch(newest.events[0]!.seq);
    await add(2, 3, 1); // 1 repeats
    await client.call(AdminService.method.addEntries, { entries: [{ contact: "not a number" }] }, md);
    await remove(2);
    const seen = await first.waitFor(3);
    expect(seen.map((m) => [m.event?.action, m.event?.entry?.contact])).toEqual([
      [HistoryAction.ADDED, contact(2)],
      [HistoryAction.ADDED, contact(3)],
      [HistoryAction.REMOVED, contact(2)],
    ]);
    expect(seen[2]!.event!.note).toBe("asked again");
    const lastSeen = seen[2]!.event!.seq;
    first.cancel();
    await first.finished();

    // Missed while disconnected: two adds and a removal.
    await add(4, 5);
    await remove(3);
    const resumed = watch(lastSeen);
    const replayed = await resumed.waitFor(3);
    expect(replayed.map((m) => [m.event?.action, m.event?.entry?.contact])).toEqual([
      [HistoryAction.ADDED, contact(4)],
      [HistoryAction.ADDED, contact(5)],
      [HistoryAction.REMOVED, contact(3)],
    ]);
    await add(6);
    const live = await resumed.waitFor(4);
    expect(live[3]!.event?.entry?.contact).toBe(contact(6));

    // Exactly the adds and removals the history holds after lastSeen, in order.
    const history = await client.call(AdminService.method.getHistory, { actions: [HistoryAction.ADDED, HistoryAction.REMOVED], oldestFirst: true }, md);
    const expected = history.events.filter((e) => e.seq > lastSeen).map((e) => e.seq);
    expect(live.map((m) => m.event!.seq)).toEqual(expected);
    await new Promise((r) => setTimeout(r, 100));
    expect(resumed.received).toHaveLength(4);
    resumed.cancel();
  });

  it("refuses a start beyond the newest sequence number", async () => {
    const stream = watch(1_000_000n);
    await stream.finished();
    expect(stream.error?.code).toBe(status.INVALID_ARGUMENT);
    expect(stream.error?.details).toMatch(/after_seq/);
  });

  it("ends open streams with UNAVAILABLE when the sidecar stops, without waiting out the grace period", async () => {
    const other = tempDir();
    const s = await startSidecar(other.path);
    try {
      const stream = serverStream(s.client, AdminService.method.watchChanges, {}, md);
      await new Promise((r) => setTimeout(r, 100));
      const started = Date.now();
      await s.sidecar.stop(30_000);
      expect(Date.now() - started).toBeLessThan(5_000);
      await stream.finished();
      expect(stream.error?.code).toBe(status.UNAVAILABLE);
    } finally {
      s.client.close();
      other.remove();
    }
  });
});
