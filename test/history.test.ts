// History and proof over a real gRPC client: CheckAt across adds and
// removals, CheckAt at the present against the live filter, GetHistory's
// filters and paging, a contact's history for GetContact, and the contact
// index rebuilt for a store written before it existed.

import { timestampFromMs, timestampMs } from "@bufbuild/protobuf/wkt";
import { Metadata, status } from "@grpc/grpc-js";
import { open } from "lmdb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DncList } from "../sidecar/engine/dnc-list.js";
import { AdminService, GetHistoryRequestSchema } from "../sidecar/gen/dnc/v1/admin_service_pb.js";
import { Role } from "../sidecar/gen/dnc/v1/api_key_pb.js";
import { FilterService } from "../sidecar/gen/dnc/v1/filter_service_pb.js";
import { HistoryAction, type HistoryEvent } from "../sidecar/gen/dnc/v1/history_pb.js";
import { Channel, ContactKind, EntryKeySchema, EntrySchema, SendRequestSchema, Source } from "../sidecar/gen/dnc/v1/types_pb.js";
import { create, type MessageInitShape } from "@bufbuild/protobuf";
import { GrpcClient } from "../sidecar/grpc/grpc-client.js";
import { contactHistoryPage } from "../sidecar/history/contact-history.js";
import { normaliseContact } from "../sidecar/normalise/contact-normaliser.js";
import type { Sidecar } from "../sidecar/sidecar.js";
import { tempDir } from "./support/temp-dir.js";
import { grpcError } from "./support/grpc-error.js";
import { startLoopbackSidecar } from "./support/test-sidecar.js";

const TOKEN = "test-admin-token-history";
process.env.DNC_ADMIN_TOKEN = TOKEN;

type HistoryQuery = MessageInitShape<typeof GetHistoryRequestSchema>;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function bearer(token: string): Metadata {
  const md = new Metadata();
  md.set("authorization", `Bearer ${token}`);
  return md;
}


/** A running sidecar, an admin client and an operator client named `importer`. */
class Harness {
  readonly dir = tempDir();
  sidecar!: Sidecar;
  client!: GrpcClient;
  readonly admin = bearer(TOKEN);
  importer!: Metadata;

  async start(): Promise<void> {
    this.sidecar = await startLoopbackSidecar(this.dir.path, TOKEN);
    this.client = new GrpcClient(`127.0.0.1:${this.sidecar.grpcPort}`);
    const key = await this.client.call(AdminService.method.createApiKey, { name: "importer", role: Role.OPERATOR }, this.admin);
    this.importer = bearer(key.secret);
  }

  async stop(): Promise<void> {
    this.client.close();
    await this.sidecar.stop(500);
    this.dir.remove();
  }

  history(req: HistoryQuery) {
    return this.client.call(AdminService.method.getHistory, req, this.admin);
  }

  /** Every page, following the tokens. */
  async allHistory(req: HistoryQuery): Promise<HistoryEvent[]> {
    const events: HistoryEvent[] = [];
    let pageToken = "";
    do {
      const page = await this.history({ ...req, pageToken });
      events.push(...page.events);
      pageToken = page.nextPageToken;
    } while (pageToken !== "");
    return events;
  }

  checkAt(request: MessageInitShape<typeof AdminService.method.checkAt.input>["request"], atMs: number, defaultCountry = "") {
    return this.client.call(AdminService.method.checkAt, { request, at: timestampFromMs(atMs), defaultCountry }, this.admin);
  }
}

describe("CheckAt", () => {
  const h = new Harness();
  beforeAll(() => h.start());
  afterAll(() => h.stop());

  it("replays a contact's adds and removals: before any add, while in force, after the removal, after a re-add", async () => {
    const contact = "+447700900301";
    const entry = { contact, channel: Channel.SMS, sender: "ACME" };
    await h.client.call(AdminService.method.addEntries, { entries: [{ ...entry, source: Source.MO_KEYWORD, campaignRef: "spring" }] }, h.admin);
    await sleep(5);
    await h.client.call(AdminService.method.removeEntries, { keys: [entry], consentConfirmed: true, note: "re-subscribed at the desk" }, h.admin);
    await sleep(5);
    await h.client.call(AdminService.method.addEntries, { entries: [{ ...entry, source: Source.IMPORT }] }, h.importer);

    const events = (await h.history({ contact, oldestFirst: true })).events;
    expect(events.map((e) => e.action)).toEqual([HistoryAction.ADDED, HistoryAction.REMOVED, HistoryAction.ADDED]);
    const [added, removed, readded] = events.map((e) => ({ seq: e.seq, at: timestampMs(e.at!) }));
    expect(added!.at < removed!.at && removed!.at < readded!.at).toBe(true);

    const send = { recipient: contact, channel: Channel.SMS, sender: "ACME" };
    const before = await h.checkAt(send, added!.at - 1);
    expect(before).toMatchObject({ blocked: false, code: "" });
    expect(before.entry).toBeUndefined();

    for (const at of [added!.at, removed!.at - 1]) {
      const v = await h.checkAt(send, at);
      expect(v).toMatchObject({ blocked: true, code: "DNC_BLOCKED" });
      expect(v.entry).toMatchObject({ contact: "447700900301", channel: Channel.SMS, sender: "ACME", source: Source.MO_KEYWORD, campaignRef: "spring" });
      expect(v.addedBy).toMatchObject({ seq: added!.seq, action: HistoryAction.ADDED, actor: "env-admin-token" });
    }

    const after = await h.checkAt(send, removed!.at);
    expect(after).toMatchObject({ blocked: false, code: "" });

    // Events are stamped in whole milliseconds: 0.6 ms into the one before an event is still before it.
    const within = (ms: number) => ({ seconds: BigInt(Math.floor(ms / 1000)), nanos: (ms % 1000) * 1_000_000 + 600_000 });
    const call = (ms: number) => h.client.call(AdminService.method.checkAt, { request: send, at: within(ms) }, h.admin);
    expect((await call(added!.at - 1)).blocked).toBe(false);
    expect((await call(removed!.at - 1)).blocked).toBe(true);

    for (const at of [readded!.at, Date.now()]) {
      const v = await h.checkAt(send, at);
      expect(v).toMatchObject({ blocked: true, code: "DNC_BLOCKED" });
      expect(v.entry).toMatchObject({ source: Source.IMPORT, addedBy: "importer" });
      expect(v.addedBy).toMatchObject({ seq: readded!.seq, actor: "importer" });
    }

    // The same normalisation and scope rules as the filter.
    expect((await h.checkAt({ ...send, recipient: "07700 900301" }, added!.at, "GB")).blocked).toBe(true);
    expect((await h.checkAt({ ...send, sender: "OTHER" }, added!.at)).blocked).toBe(false);
    expect((await h.checkAt({ ...send, channel: Channel.VOICE }, added!.at)).blocked).toBe(false);
  });

  it("matches customer ids, reports invalid recipients, and refuses malformed requests", async () => {
    await h.client.call(AdminService.method.addEntries, { entries: [{ contact: "CRM-7", kind: ContactKind.CUSTOMER_ID, account: "tenant-a" }] }, h.admin);
    const now = Date.now();
    const byCustomer = await h.checkAt({ recipient: "+12015550199", customerId: "CRM-7", channel: Channel.VOICE, account: "tenant-a" }, now);
    expect(byCustomer).toMatchObject({ blocked: true, code: "DNC_BLOCKED", entry: { contact: "CRM-7", kind: ContactKind.CUSTOMER_ID } });
    expect((await h.checkAt({ recipient: "+12015550199", customerId: "CRM-7", channel: Channel.VOICE, account: "tenant-b" }, now)).blocked).toBe(false);

    const invalid = await h.checkAt({ recipient: "not a number", channel: Channel.SMS }, now);
    expect(invalid).toMatchObject({ blocked: false, code: "INVALID_RECIPIENT", invalidReason: expect.stringMatching(/not a phone number/) });
    const emailOnSms = await h.checkAt({ recipient: "jane@example.com", channel: Channel.SMS }, now);
    expect(emailOnSms.invalidReason).toMatch(/only the EMAIL channel/);
    // A customer id that does not normalise, as in the filter: blocked wins, else the request is invalid.
    await h.client.call(AdminService.method.addEntries, { entries: [{ contact: "+12015550177" }] }, h.admin);
    const badCustomer = "C".repeat(129);
    const blockedAnyway = await h.checkAt({ recipient: "+12015550177", customerId: badCustomer, channel: Channel.SMS }, Date.now());
    expect(blockedAnyway).toMatchObject({ blocked: true, code: "DNC_BLOCKED", entry: { contact: "12015550177" } });
    const unchecked = await h.checkAt({ recipient: "+12015550178", customerId: badCustomer, channel: Channel.SMS }, Date.now());
    expect(unchecked).toMatchObject({ blocked: false, code: "INVALID_RECIPIENT", invalidReason: expect.stringMatching(/^customer id/) });

    const bad = [
      [h.client.call(AdminService.method.checkAt, { request: { recipient: "+447700900301", channel: Channel.SMS } }, h.admin), /^at: required/],
      [h.checkAt({ recipient: "+447700900301", channel: Channel.SMS }, Date.now() + 60_000), /^at: is in the future/],
      [h.client.call(AdminService.method.checkAt, { at: timestampFromMs(now) }, h.admin), /^request: required/],
      [h.checkAt({ recipient: "+447700900301" }, now), /^request\.channel: required/],
      [h.checkAt({ recipient: "07700 900301", channel: Channel.SMS }, now, "XX"), /^default_country/],
    ] as const;
    for (const [call, message] of bad) {
      const err = await grpcError(call);
      expect(err.code).toBe(status.INVALID_ARGUMENT);
      expect(err.details).toMatch(message);
    }
  });

  it("at the present, agrees with the live filter's Check", async () => {
    const contacts = ["+447700900311", "+447700900312", "+447700900313", "ann@example.com"];
    await h.client.call(
      AdminService.method.addEntries,
      {
        entries: [
          { contact: contacts[0]!, channel: Channel.SMS },
          { contact: contacts[0]!, sender: "ACME", account: "t1" },
          { contact: contacts[1]!, account: "t1" },
          { contact: contacts[1]!, channel: Channel.VOICE, sender: "ACME" },
          { contact: contacts[2]! },
          { contact: contacts[3]!, channel: Channel.EMAIL, sender: "news" },
        ],
      },
      h.admin,
    );
    await h.client.call(AdminService.method.removeEntries, { keys: [{ contact: contacts[2]! }], consentConfirmed: true }, h.admin);
    const at = Date.now();
    let compared = 0;
    for (const recipient of [...contacts, "+447700900399", "not a number"]) {
      for (const channel of [Channel.SMS, Channel.VOICE, Channel.EMAIL]) {
        for (const sender of ["", "ACME", "news"]) {
          for (const account of ["", "t1"]) {
            const send: MessageInitShape<typeof SendRequestSchema> = { recipient, channel, sender, account };
            const live = await h.client.call(FilterService.method.check, { request: send }, h.admin);
            const past = await h.checkAt(send, at);
            expect([past.blocked, past.code, past.invalidReason], JSON.stringify(send)).toEqual([live.blocked, live.code, live.invalidReason]);
            compared++;
          }
        }
      }
    }
    expect(compared).toBe(6 * 3 * 3 * 2);
  });
});

describe("GetHistory", () => {
  const h = new Harness();
  let all: HistoryEvent[];

  beforeAll(async () => {
    await h.start();
    const add = (md: Metadata, entries: MessageInitShape<typeof EntrySchema>[]) => h.client.call(AdminService.method.addEntries, { entries }, md);
    await add(h.admin, [
      { contact: "+447700900401", channel: Channel.SMS, source: Source.MO_KEYWORD },
      { contact: "ann@example.com", source: Source.URL_OPT_OUT },
    ]);
    await sleep(5);
    await add(h.importer, [
      { contact: "+447700900403", source: Source.IMPORT },
      { contact: "+447700900404", source: Source.IMPORT },
      { contact: "+447700900401", channel: Channel.SMS, source: Source.IMPORT },
      { contact: "not a number", source: Source.IMPORT },
      { contact: "+447700900401", channel: Channel.EMAIL, source: Source.IMPORT },
    ]);
    await sleep(5);
    const removal = { keys: [{ contact: "+447700900401", channel: Channel.SMS }], consentConfirmed: true, note: "consent renewed" };
    await h.client.call(AdminService.method.removeEntries, removal, h.admin);
    await grpcError(h.client.call(AdminService.method.removeEntries, { keys: [{ contact: "+447700900403" }] }, h.importer));
    all = (await h.history({ oldestFirst: true, pageSize: 1000 })).events;
  });
  afterAll(() => h.stop());

  it("records every add, repeat, removal and rejection with its actor, time, entry and note", () => {
    expect(all.map((e) => [e.action, e.entry?.contact, e.actor])).toEqual([
      [HistoryAction.ADDED, "447700900401", "env-admin-token"],
      [HistoryAction.ADDED, "ann@example.com", "env-admin-token"],
      [HistoryAction.ADDED, "447700900403", "importer"],
      [HistoryAction.ADDED, "447700900404", "importer"],
      [HistoryAction.REPEATED, "447700900401", "importer"],
      [HistoryAction.REJECTED, "not a number", "importer"],
      [HistoryAction.REJECTED, "+447700900401", "importer"],
      [HistoryAction.REMOVED, "447700900401", "env-admin-token"],
      [HistoryAction.REJECTED, "+447700900403", "importer"],
    ]);
    expect(all.map((e) => Number(e.seq))).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9].map((n) => n + Number(all[0]!.seq) - 1));
    expect(all[5]!.note).toMatch(/not a phone number/);
    expect(all[7]!.note).toBe("consent renewed");
    expect(all[8]!.note).toMatch(/consent_confirmed/);
    expect(all.every((e) => e.at !== undefined && timestampMs(e.at) > Date.now() - 60_000)).toBe(true);
  });

  it("filters by contact (normalised like an entry's), including refused changes to it", async () => {
    const expected = [HistoryAction.REMOVED, HistoryAction.REJECTED, HistoryAction.REPEATED, HistoryAction.ADDED];
    const spellings = [{ contact: "+44 7700 900401" }, { contact: "07700-900401", defaultCountry: "gb" }, { contact: "447700900401", kind: ContactKind.PHONE }];
    for (const req of spellings) {
      expect((await h.history(req)).events.map((e) => e.action), JSON.stringify(req)).toEqual(expected);
    }
    expect((await h.history({ contact: "+447700900403" })).events.map((e) => e.action)).toEqual([HistoryAction.REJECTED, HistoryAction.ADDED]);
    expect((await h.history({ contact: "ANN@example.com", oldestFirst: true })).events.map((e) => e.seq)).toEqual([all[1]!.seq]);
    expect((await h.history({ contact: "+447700900499" })).events).toEqual([]);
    const err = await grpcError(h.history({ contact: "not a number" }));
    expect([err.code, err.details]).toEqual([status.INVALID_ARGUMENT, expect.stringMatching(/^contact: /)]);
  });

  it("filters by actor, source, action and time range, alone and together", async () => {
    const seqs = (events: HistoryEvent[]) => events.map((e) => e.seq);
    const expectFilter = async (req: HistoryQuery, keep: (e: HistoryEvent) => boolean) => {
      const label = Object.keys(req).join(", ");
      expect(seqs(await h.allHistory({ ...req, oldestFirst: true, pageSize: 2 })), label).toEqual(seqs(all.filter(keep)));
    };
    await expectFilter({ actors: ["importer"] }, (e) => e.actor === "importer");
    await expectFilter({ actors: ["importer", "env-admin-token"] }, () => true);
    await expectFilter({ sources: [Source.IMPORT] }, (e) => e.entry?.source === Source.IMPORT);
    const keyword = [Source.MO_KEYWORD, Source.URL_OPT_OUT];
    await expectFilter({ sources: keyword }, (e) => keyword.includes(e.entry!.source));
    await expectFilter({ actions: [HistoryAction.REJECTED] }, (e) => e.action === HistoryAction.REJECTED);
    await expectFilter({ actions: [HistoryAction.ADDED], actors: ["importer"] }, (e) => e.action === HistoryAction.ADDED && e.actor === "importer");
    const times = [...new Set(all.map((e) => timestampMs(e.at!)))];
    expect(times.length).toBeGreaterThanOrEqual(3);
    const [t0, t1] = [times[1]!, times[2]!];
    await expectFilter({ after: timestampFromMs(t0) }, (e) => timestampMs(e.at!) >= t0);
    await expectFilter({ before: timestampFromMs(t1) }, (e) => timestampMs(e.at!) < t1);
    await expectFilter({ after: timestampFromMs(t0), before: timestampFromMs(t1) }, (e) => timestampMs(e.at!) >= t0 && timestampMs(e.at!) < t1);
    await expectFilter({ contact: "+447700900401", after: timestampFromMs(t0), actions: [HistoryAction.REPEATED, HistoryAction.REMOVED] }, (e) =>
      e.entry?.contact === "447700900401" && timestampMs(e.at!) >= t0 && (e.action === HistoryAction.REPEATED || e.action === HistoryAction.REMOVED),
    );
  });

  it("pages newest first by default and oldest first on request, each event once", async () => {
    const newest = await h.allHistory({ pageSize: 2 });
    expect(newest.map((e) => e.seq)).toEqual([...all].reverse().map((e) => e.seq));
    const first = await h.history({ pageSize: 4 });
    expect(first.events).toHaveLength(4);
    expect(first.nextPageToken).not.toBe("");
    const oldest = await h.allHistory({ pageSize: 4, oldestFirst: true });
    expect(oldest.map((e) => e.seq)).toEqual(all.map((e) => e.seq));
    const exact = await h.history({ pageSize: all.length });
    expect([exact.events.length, exact.nextPageToken]).toEqual([all.length, ""]);
    expect((await h.history({})).events).toHaveLength(all.length);
    const byContact = await h.allHistory({ contact: "+447700900401", pageSize: 1, oldestFirst: true });
    expect(byContact.map((e) => e.action)).toEqual([HistoryAction.ADDED, HistoryAction.REPEATED, HistoryAction.REJECTED, HistoryAction.REMOVED]);

    const bad = [
      [h.history({ pageSize: 1001 }), /^page_size/],
      [h.history({ pageToken: "garbage" }), /^page_token/],
      [h.history({ pageToken: first.nextPageToken, oldestFirst: true }), /^page_token/],
      [h.history({ actions: [9 as HistoryAction] }), /^actions\[0\]/],
      [h.history({ sources: [Source.IMPORT, 42 as Source] }), /^sources\[1\]/],
      [h.history({ after: timestampFromMs(2000), before: timestampFromMs(1000) }), /^before/],
      [h.history({ contact: "+447700900401", kind: 7 as ContactKind }), /^kind/],
    ] as const;
    for (const [call, message] of bad) {
      const err = await grpcError(call);
      expect([err.code, err.details]).toEqual([status.INVALID_ARGUMENT, expect.stringMatching(message)]);
    }
    expect((await h.history({ pageSize: 1000 })).events).toHaveLength(all.length);
  });

  it("gives GetContact a contact's history, newest first, limited", () => {
    const n = normaliseContact("+447700900401", ContactKind.UNSPECIFIED, undefined, "find");
    if (!n.ok) throw new Error(n.reason);
    const events = contactHistoryPage(h.sidecar.list, n.key, 3).events;
    expect(events.map((e) => e.action)).toEqual([HistoryAction.REMOVED, HistoryAction.REJECTED, HistoryAction.REPEATED]);
    expect(events[0]).toEqual(all[7]);
    const unknown = normaliseContact("+447700900499", ContactKind.UNSPECIFIED, undefined, "find");
    if (!unknown.ok) throw new Error(unknown.reason);
    expect(contactHistoryPage(h.sidecar.list, unknown.key, 3).events).toEqual([]);
  });
});

describe("GetContact's history", () => {
  const h = new Harness();
  beforeAll(() => h.start());
  afterAll(() => h.stop());

  it("shows the newest 100 events, and a GetHistory token for the older ones, so none is out of sight", async () => {
    const entries = Array.from({ length: 130 }, () => ({ contact: "+447700900777", channel: Channel.SMS }));
    await h.client.call(AdminService.method.addEntries, { entries }, h.admin);
    const contact = await h.client.call(AdminService.method.getContact, { contact: "+447700900777" }, h.admin);
    expect(contact.history).toHaveLength(100);
    expect(contact.historyNextPageToken).not.toBe("");
    const older: HistoryEvent[] = [];
    for (let pageToken = contact.historyNextPageToken; pageToken !== ""; ) {
      const page = await h.history({ contact: "+447700900777", pageToken, pageSize: 7 });
      older.push(...page.events);
      pageToken = page.nextPageToken;
    }
    const seqs = [...contact.history, ...older].map((e) => Number(e.seq));
    expect(seqs).toHaveLength(130);
    expect(seqs).toEqual([...seqs].sort((a, b) => b - a));
    expect(new Set(seqs).size).toBe(130);
    const few = await h.client.call(AdminService.method.getContact, { contact: "+447700900778" }, h.admin);
    expect(few.historyNextPageToken).toBe("");
  });

  it("files a refused RemoveByFilter under the contact its filter names", async () => {
    await h.client.call(AdminService.method.addEntries, { entries: [{ contact: "+447700900779" }] }, h.admin);
    await grpcError(h.client.call(AdminService.method.removeByFilter, { filter: { contact: "0044 7700 900779" }, note: "asked" }, h.admin));
    const { events } = await h.history({ contact: "+447700900779" });
    expect(events[0]).toMatchObject({ action: HistoryAction.REJECTED, note: expect.stringMatching(/^removal by filter refused: consent_confirmed is not set; 1 entries matched/) });
  });
});

describe("the history's contact index", () => {
  it("is rebuilt on open for a store written before it existed", async () => {
    const dir = tempDir();
    try {
      let list = DncList.open(dir.path);
      const entry = create(EntryKeySchema, { contact: "+447700900501", channel: Channel.SMS });
      const entries = [{ contact: entry.contact, channel: entry.channel }, { contact: "+447700900502" }].map((e) => create(EntrySchema, e));
      await list.addEntries(entries, undefined, "t");
      await list.addEntries([entries[0]!], undefined, "t");
      await list.addEntries([{ ...entries[0]!, channel: Channel.EMAIL }], undefined, "t");
      expect((await list.removeEntries([entry], "", undefined, "t")).removed).toBe(1);
      const key = normaliseContact(entry.contact, ContactKind.UNSPECIFIED, undefined, "find");
      if (!key.ok) throw new Error(key.reason);
      const before = contactHistoryPage(list, key.key, 100).events;
      expect(before.map((e) => e.action)).toEqual([HistoryAction.REMOVED, HistoryAction.REJECTED, HistoryAction.REPEATED, HistoryAction.ADDED]);
      await list.close();

      const env = open({ path: dir.path, maxDbs: 32 });
      const index = () => env.openDB({ name: "history-by-contact", keyEncoding: "binary", encoding: "binary" });
      expect(index().getCount()).toBeGreaterThan(4);
      await index().drop();
      expect(index().getCount()).toBe(0);
      await env.close();

      list = DncList.open(dir.path);
      expect(contactHistoryPage(list, key.key, 100).events).toEqual(before);
      await list.close();
    } finally {
      dir.remove();
    }
  });
});
