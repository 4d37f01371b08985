// Finding and changing entries over the gRPC door: ListEntries search,
// order and exact counts; RemoveByFilter; the values in the list; the
// per-channel view of a contact; and GetStats.

import { Metadata, status } from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AdminService, EntryOrder } from "../sidecar/gen/dnc/v1/admin_service_pb.js";
import { FilterService } from "../sidecar/gen/dnc/v1/filter_service_pb.js";
import { HistoryAction } from "../sidecar/gen/dnc/v1/history_pb.js";
import { Channel, ContactKind, Reason, Source } from "../sidecar/gen/dnc/v1/types_pb.js";
import { GrpcClient } from "../sidecar/grpc/grpc-client.js";
import { Sidecar } from "../sidecar/sidecar.js";
import { tempDir } from "./support/temp-dir.js";
import { grpcError } from "./support/grpc-error.js";

const TOKEN = "test-admin-token-entries";


describe("finding and changing entries", () => {
  const dir = tempDir();
  let sidecar: Sidecar;
  let client: GrpcClient;
  const md = new Metadata();
  md.set("authorization", `Bearer ${TOKEN}`);
  const call: GrpcClient["call"] = (method, req) => client.call(method, req, md);

  beforeAll(async () => {
    sidecar = await Sidecar.start({ dataDir: dir.path, grpcListen: "127.0.0.1:0", httpListen: "127.0.0.1:0", maxBatch: 10_000, adminToken: TOKEN });
    client = new GrpcClient(`127.0.0.1:${sidecar.grpcPort}`);
    // 30 GB numbers 447700900100..129, alternating SMS / all channels; every
    // third one from sender ACME; 10 emails; campaigns spring (12) and autumn (5).
    await call(AdminService.method.addEntries, {
      entries: [
        ...Array.from({ length: 30 }, (_, i) => ({
          contact: `+4477009001${String(i).padStart(2, "0")}`,
          channel: i % 2 === 0 ? Channel.SMS : Channel.UNSPECIFIED,
          sender: i % 3 === 0 ? "ACME" : "",
          source: i < 20 ? Source.MO_KEYWORD : Source.IMPORT,
          reason: Reason.OPT_OUT,
          campaignRef: i < 12 ? "spring" : i < 17 ? "autumn" : "",
        })),
        ...Array.from({ length: 10 }, (_, i) => ({ contact: `user${i}@example.com`, account: i < 4 ? "tenant-a" : "" })),
      ],
    });
  });
  afterAll(async () => {
    client.close();
    await sidecar.stop(500);
    dir.remove();
  });

  it("searches by contact prefix and orders by contact, both ways in time, with exact totals", async () => {
    const prefix = await call(AdminService.method.listEntries, { filter: { contactPrefix: "44770090011" }, order: EntryOrder.CONTACT });
    expect(prefix.entries.map((e) => e.contact)).toEqual(Array.from({ length: 10 }, (_, i) => `4477009001${10 + i}`));
    expect(Number(prefix.totalCount)).toBe(10);
    const oldest = await call(AdminService.method.listEntries, { pageSize: 3, order: EntryOrder.OLDEST_FIRST });
    expect(oldest.entries.map((e) => e.contact)).toEqual(["447700900100", "447700900101", "447700900102"]);
    const next = await call(AdminService.method.listEntries, { pageSize: 3, order: EntryOrder.OLDEST_FIRST, pageToken: oldest.nextPageToken });
    expect(next.entries.map((e) => e.contact)).toEqual(["447700900103", "447700900104", "447700900105"]);
    const wrongOrder = await grpcError(call(AdminService.method.listEntries, { order: EntryOrder.CONTACT, pageToken: oldest.nextPageToken }));
    expect(wrongOrder.code).toBe(status.INVALID_ARGUMENT);
    expect(wrongOrder.details).toMatch(/^page_token/);
    // Tokens whose cursor this server could not have written: refused, never read as NaN or past a buffer.
    const forged = (order: number, cursor: string) => Buffer.from(`dnc1.${order}.${cursor}`).toString("base64url");
    for (const [method, req] of [
      [AdminService.method.listEntries, { order: EntryOrder.CONTACT, pageToken: forged(EntryOrder.CONTACT, "00") }],
      [AdminService.method.listEntries, { order: EntryOrder.CONTACT, pageToken: forged(EntryOrder.CONTACT, "abc") }],
      [AdminService.method.listEntries, { order: EntryOrder.OLDEST_FIRST, pageToken: forged(EntryOrder.OLDEST_FIRST, "ff") }],
      [AdminService.method.getHistory, { contact: "+447700900100", pageToken: forged(100, "f".repeat(13)) }],
    ] as const) {
      const refused = await grpcError(call(method as typeof AdminService.method.listEntries, req as never));
      expect([refused.code, refused.details], JSON.stringify(req)).toEqual([status.INVALID_ARGUMENT, "page_token: not a token this server issued"]);
    }

    const all: string[] = [];
    let token = "";
    do {
      const page = await call(AdminService.method.listEntries, { pageSize: 7, order: EntryOrder.CONTACT, pageToken: token });
      all.push(...page.entries.map((e) => e.contact));
      token = page.nextPageToken;
    } while (token !== "");
    expect(all).toHaveLength(40);
    expect(all).toEqual([...all].sort());

    // A prefix in time order, page by page, both ways; and narrowed further by sender.
    const byTime = async (order: EntryOrder, senders: string[] = []) => {
      const seen: string[] = [];
      let page = "";
      do {
        const res = await call(AdminService.method.listEntries, { filter: { contactPrefix: "4477009001", senders }, pageSize: 7, order, pageToken: page });
        seen.push(...res.entries.map((e) => e.contact));
        page = res.nextPageToken;
      } while (page !== "");
      return seen;
    };
    const added = Array.from({ length: 30 }, (_, i) => `4477009001${String(i).padStart(2, "0")}`);
    expect(await byTime(EntryOrder.OLDEST_FIRST)).toEqual(added);
    expect(await byTime(EntryOrder.NEWEST_FIRST)).toEqual([...added].reverse());
    expect(await byTime(EntryOrder.NEWEST_FIRST, ["ACME"])).toEqual(added.filter((_, i) => i % 3 === 0).reverse());

    const acme = await call(AdminService.method.listEntries, { filter: { senders: ["ACME"] } });
    expect(Number(acme.totalCount)).toBe(10);
    const acmeSms = await call(AdminService.method.listEntries, { filter: { senders: ["ACME"], channels: [Channel.SMS] } });
    expect(Number(acmeSms.totalCount)).toBe(5);
    expect(acmeSms.entries.every((e) => e.sender === "ACME" && e.channel === Channel.SMS)).toBe(true);
    const spring = await call(AdminService.method.listEntries, { filter: { campaignRef: "spring" } });
    expect(Number(spring.totalCount)).toBe(12);
  });

  it("lists senders, accounts and campaigns with counts", async () => {
    expect((await call(AdminService.method.listSenders, {})).values.map((v) => [v.value, Number(v.count)])).toEqual([["ACME", 10]]);
    expect((await call(AdminService.method.listAccounts, {})).values.map((v) => [v.value, Number(v.count)])).toEqual([["tenant-a", 4]]);
    expect((await call(AdminService.method.listCampaigns, {})).values.map((v) => [v.value, Number(v.count)])).toEqual([
      ["spring", 12],
      ["autumn", 5],
    ]);
    expect((await call(AdminService.method.listCampaigns, { prefix: "aut" })).values.map((v) => v.value)).toEqual(["autumn"]);
  });

  it("shows one contact per channel", async () => {
    await call(AdminService.method.addEntries, { entries: [{ contact: "+447700900101", channel: Channel.VOICE, account: "tenant-b" }] });
    const c = await call(AdminService.method.getContact, { contact: "+44 7700 900101" });
    expect(c.channels.map((s) => [Channel[s.channel], s.blocked, s.blockedForSome])).toEqual([
      ["SMS", true, false],
      ["MMS", true, false],
      ["RCS", true, false],
      ["VIBER", true, false],
      ["WHATSAPP", true, false],
      ["VOICE", true, false],
    ]);
    expect(c.history.map((h) => [HistoryAction[h.action], h.entry?.channel])).toEqual([
      ["ADDED", Channel.VOICE],
      ["ADDED", Channel.UNSPECIFIED],
    ]);
    const sms = await call(AdminService.method.getContact, { contact: "+447700900102" });
    expect(sms.channels.find((s) => s.channel === Channel.SMS)).toMatchObject({ blocked: true });
    expect(sms.channels.find((s) => s.channel === Channel.VOICE)).toMatchObject({ blocked: false, blockedForSome: false, entries: [] });
    const email = await call(AdminService.method.getContact, { contact: "user1@example.com" });
    expect(email.channels.map((s) => [s.channel, s.blocked, s.blockedForSome])).toEqual([[Channel.EMAIL, false, true]]);
    const customer = await call(AdminService.method.getContact, { contact: "CRM-1", kind: ContactKind.CUSTOMER_ID });
    expect(customer.channels).toHaveLength(7);
  });

  it("removes by filter: a dry run counts and samples, consent is required, the filter sees the removal at once", async () => {
    const dry = await call(AdminService.method.removeByFilter, { filter: { campaignRef: "autumn" }, dryRun: true, sampleSize: 2 });
    expect(Number(dry.matched)).toBe(5);
    expect(Number(dry.removed)).toBe(0);
    expect(dry.sample).toHaveLength(2);
    const empty = await grpcError(call(AdminService.method.removeByFilter, { consentConfirmed: true }));
    expect(empty.details).toMatch(/^filter: /);
    const noConsent = await grpcError(call(AdminService.method.removeByFilter, { filter: { campaignRef: "autumn" }, note: "asked by phone" }));
    expect(noConsent.code).toBe(status.FAILED_PRECONDITION);
    // The refusal is in the history (SPEC §2: every rejected change), once for the whole filter.
    const [refusal] = (await call(AdminService.method.getHistory, { pageSize: 1 })).events;
    expect(refusal).toMatchObject({
      action: HistoryAction.REJECTED,
      actor: "env-admin-token",
      note: 'removal by filter refused: consent_confirmed is not set; 5 entries matched filter {"campaignRef":"autumn"}',
      entry: { contact: "", note: "asked by phone" },
    });
    expect(Number((await call(AdminService.method.listEntries, { filter: { campaignRef: "autumn" } })).totalCount)).toBe(5);
    const done = await call(AdminService.method.removeByFilter, { filter: { campaignRef: "autumn" }, consentConfirmed: true, note: "re-opted in" });
    expect(Number(done.removed)).toBe(5);
    expect(Number((await call(AdminService.method.listEntries, { filter: { campaignRef: "autumn" } })).totalCount)).toBe(0);
    expect((await call(AdminService.method.listCampaigns, {})).values.map((v) => v.value)).toEqual(["spring"]);
    const res = await call(FilterService.method.filterBatch, { channel: Channel.SMS, recipients: ["+447700900112", "+447700900111"] });
    expect(res.blocked.map((b) => b.index)).toEqual([1]);
  });

  it("GetStats: entries by dimension, opt-outs per campaign per day, and what the filter did not send", async () => {
    await call(FilterService.method.filterBatch, { channel: Channel.SMS, sender: "ACME", campaignRef: "promo-7", recipients: ["+447700900100", "+447700900199", "nonsense"] });
    await call(FilterService.method.filterBatch, {
      campaignRef: "promo-7",
      requests: [
        { recipient: "+447700900101", channel: Channel.VOICE, account: "tenant-z" },
        { recipient: "user5@example.com", channel: Channel.EMAIL },
      ],
    });
    const s = await call(AdminService.method.getStats, {});
    expect(Number(s.totalEntries)).toBe(36);
    expect(Object.fromEntries(s.entriesByChannel.map((v) => [v.value, Number(v.count)]))).toMatchObject({ CHANNEL_SMS: 12, CHANNEL_UNSPECIFIED: 23, CHANNEL_VOICE: 1 });
    expect(Object.fromEntries(s.entriesBySource.map((v) => [v.value, Number(v.count)]))).toMatchObject({ SOURCE_MO_KEYWORD: 15, SOURCE_IMPORT: 10 });
    const today = new Date().toISOString().slice(0, 10);
    expect(s.optOutsPerCampaignDay.map((c) => [c.campaignRef, c.day, Number(c.count)]).sort()).toEqual([
      ["autumn", today, 5],
      ["spring", today, 12],
    ]);
    expect(Number(s.recipientsChecked)).toBeGreaterThanOrEqual(5);
    expect(Number(s.recipientsBlocked)).toBeGreaterThanOrEqual(3);
    expect(Number(s.recipientsInvalid)).toBeGreaterThanOrEqual(1);
    expect(Object.fromEntries(s.blockedByCampaign.map((v) => [v.value, Number(v.count)]))).toMatchObject({ "promo-7": 3 });
    expect(Object.fromEntries(s.blockedBySender.map((v) => [v.value, Number(v.count)]))).toMatchObject({ ACME: 1 });
    expect(Object.fromEntries(s.blockedByAccount.map((v) => [v.value, Number(v.count)]))).toMatchObject({ "tenant-z": 1 });
    expect(Object.fromEntries(s.blockedByChannel.map((v) => [v.value, Number(v.count)]))).toMatchObject({ CHANNEL_SMS: 2, CHANNEL_VOICE: 1, CHANNEL_EMAIL: 1 });
    const past = await call(AdminService.method.getStats, { from: { seconds: 0n }, to: { seconds: 3600n } });
    expect(Number(past.recipientsChecked)).toBe(0);
    expect(past.optOutsPerCampaignDay).toEqual([]);
  });
});
