// The sidecar over a real socket with a real grpc-js client: both filter
// forms, Check, the admin methods, health, reflection, and bad requests.

import { create, fromBinary, toBinary, type MessageInitShape } from "@bufbuild/protobuf";
import { status } from "@grpc/grpc-js";
import { connect } from "node:http2";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AdminService, type EntryFilterSchema } from "../sidecar/gen/dnc/v1/admin_service_pb.js";
import { FilterBatchRequestSchema, FilterBatchResponseSchema, FilterService } from "../sidecar/gen/dnc/v1/filter_service_pb.js";
import { Channel, ContactKind, Reason, Source } from "../sidecar/gen/dnc/v1/types_pb.js";
import { GrpcClient } from "../sidecar/grpc/grpc-client.js";
import { RECEIVE_WINDOW_BYTES } from "../sidecar/grpc/grpc-server.js";
import { FileDescriptorProtoSchema, timestampFromMs } from "@bufbuild/protobuf/wkt";
import { Sidecar } from "../sidecar/sidecar.js";
import { healthCheck, reflect } from "./support/health-and-reflection.js";
import { tempDir } from "./support/temp-dir.js";
import { grpcError } from "./support/grpc-error.js";

const FILTER_BATCH = "/dnc.v1.FilterService/FilterBatch";
const ADMIN_TOKEN = "grpc-test-admin-token";


describe("gRPC door", () => {
  const dir = tempDir();
  let sidecar: Sidecar;
  let client: GrpcClient;
  let address: string;

  beforeAll(async () => {
    sidecar = await Sidecar.start({ dataDir: dir.path, grpcListen: "127.0.0.1:0", httpListen: "127.0.0.1:0", maxBatch: 500, adminToken: ADMIN_TOKEN });
    address = `127.0.0.1:${sidecar.grpcPort}`;
    client = new GrpcClient(address, { token: ADMIN_TOKEN });
    const res = await client.call(AdminService.method.addEntries, {
      entries: [
        { contact: "+44 7700 900123", source: Source.MO_KEYWORD, reason: Reason.OPT_OUT, campaignRef: "spring" },
        { contact: "+1 201 555 0123", channel: Channel.SMS, sender: "ACME" },
        { contact: "Jane@Example.com", channel: Channel.EMAIL },
        { contact: "CRM-42", kind: ContactKind.CUSTOMER_ID, account: "tenant-a" },
        { contact: "not a number" },
      ],
    });
    expect(res.added).toBe(4);
    expect(res.rejected).toEqual([expect.objectContaining({ index: 4, reason: expect.stringMatching(/not a phone number/) })]);
  });

  afterAll(async () => {
    client.close();
    await sidecar.stop(1000);
    dir.remove();
  });

  it("FilterBatch, fast form: only the blocked and the invalid come back, by index", async () => {
    const res = await client.call(FilterService.method.filterBatch, {
      channel: Channel.SMS,
      sender: "ACME",
      recipients: ["+447700900999", "0044 7700 900123", "+12015550123", "", "x".repeat(10 * 1024), "jane@example.com"],
    });
    expect(res.checked).toBe(6);
    expect(res.blocked.map((b) => [b.index, b.code, b.entry?.contact])).toEqual([
      [1, "DNC_BLOCKED", "447700900123"],
      [2, "DNC_BLOCKED", "12015550123"],
    ]);
    expect(res.blocked[0]!.entry).toMatchObject({ source: Source.MO_KEYWORD, reason: Reason.OPT_OUT, campaignRef: "spring", addedBy: "env-admin-token" });
    expect(res.invalid.map((i) => [i.index, i.code])).toEqual([
      [3, "INVALID_RECIPIENT"],
      [4, "INVALID_RECIPIENT"],
      [5, "INVALID_RECIPIENT"],
    ]);
    expect(res.invalid[0]!.reason).toMatch(/empty/);
    expect(res.invalid[1]!.reason).toMatch(/longer than/);
    expect(res.invalid[2]!.reason).toMatch(/only the EMAIL channel/);
  });

  it("FilterBatch, full form: an unset field takes the batch scope", async () => {
    const res = await client.call(FilterService.method.filterBatch, {
      channel: Channel.VOICE,
      account: "tenant-a",
      requests: [
        { recipient: "+12015550123" },
        { recipient: "+12015550123", channel: Channel.SMS, sender: "ACME" },
        { recipient: "JANE@example.com", channel: Channel.EMAIL },
        { recipient: "+447700900555", customerId: "CRM-42" },
        { recipient: "+447700900555", customerId: "CRM-42", account: "tenant-b" },
      ],
    });
    expect(res.checked).toBe(5);
    expect(res.blocked.map((b) => [b.index, b.entry?.contact])).toEqual([
      [1, "12015550123"],
      [2, "jane@example.com"],
      [3, "CRM-42"],
    ]);
    expect(res.invalid).toEqual([]);
  });

  it("Check answers blocked, invalid or allowed", async () => {
    const blocked = await client.call(FilterService.method.check, { request: { recipient: "07700 900123", channel: Channel.WHATSAPP }, defaultCountry: "GB" });
    expect(blocked).toMatchObject({ blocked: true, code: "DNC_BLOCKED", entry: { contact: "447700900123" } });
    const invalid = await client.call(FilterService.method.check, { request: { recipient: "07700 900123", channel: Channel.SMS } });
    expect(invalid).toMatchObject({ blocked: false, code: "INVALID_RECIPIENT", invalidReason: expect.stringMatching(/default country/) });
    const allowed = await client.call(FilterService.method.check, { request: { recipient: "+447700900124", channel: Channel.SMS } });
    expect(allowed).toMatchObject({ blocked: false, code: "" });
  });

  it("bare digits that are a number both nationally and internationally are blocked when either is", async () => {
    // +44 7911 123456 opted out; a gateway sends it as an MSISDN to a sidecar whose requests default to Germany,
    // where 447911123456 is a national number too.
    await client.call(AdminService.method.addEntries, { entries: [{ contact: "+44 7911 123456", channel: Channel.SMS }] });
    const fast = await client.call(FilterService.method.filterBatch, {
      channel: Channel.SMS,
      defaultCountry: "DE",
      // The same digits with spaces or dashes are blocked alike: formatting does not decide whether a send goes.
      recipients: ["+447911123457", "447911123456", "0447911123456", "+447911123456", "44 7911 123456", "44-7911-123456"],
    });
    expect(fast.blocked.map((b) => [b.index, b.entry?.contact])).toEqual([
      [1, "447911123456"],
      [3, "447911123456"],
      [4, "447911123456"],
      [5, "447911123456"],
    ]);
    const full = await client.call(FilterService.method.filterBatch, {
      channel: Channel.SMS,
      defaultCountry: "DE",
      requests: [{ recipient: "447911123457" }, { recipient: "447911123456", customerId: "CRM-none" }, { recipient: "44 7911 123456" }],
    });
    expect(full.blocked.map((b) => [b.index, b.entry?.contact])).toEqual([
      [1, "447911123456"],
      [2, "447911123456"],
    ]);
    for (const recipient of ["447911123456", "44 7911 123456"]) {
      const check = await client.call(FilterService.method.check, { request: { recipient, channel: Channel.SMS }, defaultCountry: "DE" });
      expect(check, recipient).toMatchObject({ blocked: true, entry: { contact: "447911123456" } });
      const at = await client.call(AdminService.method.checkAt, {
        request: { recipient, channel: Channel.SMS },
        at: timestampFromMs(Date.now()),
        defaultCountry: "DE",
      });
      expect(at, recipient).toMatchObject({ blocked: true, entry: { contact: "447911123456" } });
    }
    // The German reading alone is someone else: not blocked.
    const german = await client.call(FilterService.method.check, { request: { recipient: "+49 447911123456", channel: Channel.SMS } });
    expect(german.blocked).toBe(false);
    // An add does not guess between two valid numbers where national numbers are written with a 0; it says which two they are.
    const ambiguous = /ambiguous: as a national number of DE it is \+49447911123456, as an international number \+447911123456/;
    const added = await client.call(AdminService.method.addEntries, { entries: [{ contact: "447911123456" }], defaultCountry: "DE" });
    expect(added.added).toBe(0);
    expect(added.rejected[0]!.reason).toMatch(ambiguous);
    // Nor do a lookup and a removal pick one: "not blocked" or "not found" would contradict the filter.
    const lookup = await grpcError(client.call(AdminService.method.getContact, { contact: "447911123456", defaultCountry: "DE" }));
    expect([lookup.code, lookup.details]).toEqual([status.INVALID_ARGUMENT, expect.stringMatching(ambiguous)]);
    const refused = await client.call(AdminService.method.removeEntries, {
      keys: [{ contact: "447911123456", channel: Channel.SMS }],
      defaultCountry: "DE",
      consentConfirmed: true,
    });
    expect(refused).toMatchObject({ removed: 0, rejected: [{ index: 0, reason: expect.stringMatching(ambiguous) }] });
    expect((await client.call(FilterService.method.check, { request: { recipient: "+447911123456", channel: Channel.SMS } })).blocked).toBe(true);
    // With both readings listed, CheckAt names the one added first, as it does of any two entries in force.
    await client.call(AdminService.method.addEntries, { entries: [{ contact: "+49 447911123456", channel: Channel.SMS }] });
    const both = await client.call(AdminService.method.checkAt, {
      request: { recipient: "447911123456", channel: Channel.SMS },
      at: timestampFromMs(Date.now()),
      defaultCountry: "DE",
    });
    expect(both).toMatchObject({ blocked: true, entry: { contact: "447911123456" } });
    const removed = await client.call(AdminService.method.removeEntries, {
      keys: [
        { contact: "+447911123456", channel: Channel.SMS },
        { contact: "+49447911123456", channel: Channel.SMS },
      ],
      consentConfirmed: true,
    });
    expect(removed.removed).toBe(2);
  });

  it("an acknowledged add is visible to the very next filter call, a removal too", async () => {
    await client.call(AdminService.method.addEntries, { entries: [{ contact: "+49 1512 3456789", channel: Channel.RCS }] });
    const after = await client.call(FilterService.method.filterBatch, { channel: Channel.RCS, recipients: ["+4915123456789"] });
    expect(after.blocked).toHaveLength(1);
    const refused = await grpcError(
      client.call(AdminService.method.removeEntries, { keys: [{ contact: "+4915123456789", channel: Channel.RCS }] }),
    );
    expect(refused.code).toBe(status.FAILED_PRECONDITION);
    expect(refused.details).toMatch(/consent_confirmed/);
    const still = await client.call(FilterService.method.filterBatch, { channel: Channel.RCS, recipients: ["+4915123456789"] });
    expect(still.blocked).toHaveLength(1);
    const removed = await client.call(AdminService.method.removeEntries, {
      keys: [
        { contact: "+4915123456789", channel: Channel.RCS },
        { contact: "+4915123456789", channel: Channel.SMS },
        { contact: "bogus", kind: ContactKind.PHONE },
        { contact: "+4915123456789", channel: 99 as Channel },
      ],
      consentConfirmed: true,
      note: "user texted START",
    });
    // A key that is no valid key says why, rather than pass for one not on the list.
    expect(removed).toMatchObject({
      removed: 1,
      notFound: [1],
      rejected: [
        { index: 2, reason: "contact is not a phone number: only digits, '+', spaces, dashes, dots and brackets are allowed" },
        { index: 3, reason: "channel: unknown value 99" },
      ],
    });
    const gone = await client.call(FilterService.method.filterBatch, { channel: Channel.RCS, recipients: ["+4915123456789"] });
    expect(gone.blocked).toHaveLength(0);
  });

  it("a repeated add keeps the first added_at and campaign_ref", async () => {
    const first = await client.call(AdminService.method.getContact, { contact: "+447700900123" });
    const res = await client.call(AdminService.method.addEntries, { entries: [{ contact: "00447700900123", campaignRef: "autumn" }] });
    expect(res).toMatchObject({ added: 0, repeated: 1 });
    const again = await client.call(AdminService.method.getContact, { contact: "+447700900123" });
    expect(again.entries).toEqual(first.entries);
    expect(again.entries[0]!.campaignRef).toBe("spring");
  });

  it("ListEntries pages newest first with a total; GetContact gives every entry of a contact", async () => {
    await client.call(AdminService.method.addEntries, {
      entries: Array.from({ length: 25 }, (_, i) => ({ contact: `+4477009010${String(i).padStart(2, "0")}`, channel: Channel.SMS, sender: i % 2 ? "ACME" : "" })),
    });
    const seen: string[] = [];
    let token = "";
    let pages = 0;
    do {
      const page = await client.call(AdminService.method.listEntries, { pageSize: 10, pageToken: token, filter: { channels: [Channel.SMS] } });
      expect(Number(page.totalCount)).toBe(26);
      seen.push(...page.entries.map((e) => e.contact));
      token = page.nextPageToken;
      pages++;
    } while (token !== "");
    expect(pages).toBe(3);
    expect(seen).toHaveLength(26);
    expect(seen[0]).toBe("447700901024");
    expect(new Set(seen).size).toBe(26);
    const acme = await client.call(AdminService.method.listEntries, { filter: { senders: ["ACME"], channels: [Channel.SMS] } });
    expect(Number(acme.totalCount)).toBe(13);
    const all = await client.call(AdminService.method.listEntries, {});
    expect(Number(all.totalCount)).toBe(29);
    const badToken = await grpcError(client.call(AdminService.method.listEntries, { pageToken: "bogus" }));
    expect(badToken.code).toBe(status.INVALID_ARGUMENT);
    const tooBig = await grpcError(client.call(AdminService.method.listEntries, { pageSize: 1001 }));
    expect(tooBig.details).toMatch(/page_size/);
    const contact = await client.call(AdminService.method.getContact, { contact: "+1 (201) 555-0123" });
    expect(contact).toMatchObject({ contact: "12015550123", kind: ContactKind.PHONE, entries: [{ channel: Channel.SMS, sender: "ACME" }] });
  });

  it("bad requests get INVALID_ARGUMENT or RESOURCE_EXHAUSTED naming the field, and leave the list alone", async () => {
    const before = sidecar.list.store.entryCount();
    const garbage = await grpcError(client.callRaw(FILTER_BATCH, Buffer.from([0xff, 0xff, 0xff, 0xff, 0x0f, 0x12])));
    expect(garbage.code).toBe(status.INVALID_ARGUMENT);
    expect(garbage.details).toMatch(/FilterBatchRequest/);
    const both = await grpcError(client.call(FilterService.method.filterBatch, { channel: Channel.SMS, recipients: ["+447700900123"], requests: [{ recipient: "+447700900123" }] }));
    expect(both.code).toBe(status.INVALID_ARGUMENT);
    expect(both.details).toMatch(/^recipients: /);
    const oversize = await grpcError(client.call(FilterService.method.filterBatch, { channel: Channel.SMS, recipients: Array.from({ length: 501 }, () => "+447700900123") }));
    expect(oversize.code).toBe(status.RESOURCE_EXHAUSTED);
    const unknownChannel = await grpcError(client.call(FilterService.method.filterBatch, { channel: 99 as Channel, recipients: ["+447700900123"] }));
    expect(unknownChannel.code).toBe(status.INVALID_ARGUMENT);
    expect(unknownChannel.details).toMatch(/^channel: unknown channel 99/);
    const noChannel = await grpcError(client.call(FilterService.method.filterBatch, { recipients: ["+447700900123"] }));
    expect(noChannel.details).toMatch(/^channel: required/);
    const requestChannel = await grpcError(client.call(FilterService.method.filterBatch, { requests: [{ recipient: "+447700900123", channel: Channel.SMS }, { recipient: "+447700900123", channel: -3 as Channel }] }));
    expect(requestChannel.details).toMatch(/^requests\[1\]\.channel: unknown channel -3/);
    const badCountry = await grpcError(client.call(FilterService.method.filterBatch, { channel: Channel.SMS, defaultCountry: "Narnia", recipients: ["1"] }));
    expect(badCountry.details).toMatch(/^default_country: /);
    const badCheck = await grpcError(client.callRaw("/dnc.v1.FilterService/Check", Buffer.from([0x0a, 0x40, 0x01])));
    expect(badCheck.code).toBe(status.INVALID_ARGUMENT);
    const badAdd = await grpcError(client.callRaw("/dnc.v1.AdminService/AddEntries", Buffer.from("garbage that is not protobuf")));
    expect(badAdd.code).toBe(status.INVALID_ARGUMENT);
    const anonymous = new GrpcClient(address);
    const badAddWithoutKey = await grpcError(anonymous.callRaw("/dnc.v1.AdminService/AddEntries", Buffer.from("garbage that is not protobuf")));
    anonymous.close();
    expect(badAddWithoutKey.code).toBe(status.UNAUTHENTICATED);
    const unknownEnum = await client.call(AdminService.method.addEntries, { entries: [{ contact: "+447700900777", channel: 42 as Channel }, { contact: "+447700900778", reason: 77 as Reason }] });
    expect(unknownEnum.rejected.map((r) => r.reason)).toEqual(["channel: unknown value 42", "reason: unknown value 77"]);
    expect(sidecar.list.store.entryCount()).toBe(before);
  });

  it("an entry filter or a time no entry can match is INVALID_ARGUMENT naming the field, and RemoveByFilter removes nothing", async () => {
    const before = sidecar.list.store.entryCount();
    const bad: [Record<string, unknown>, RegExp][] = [
      [{ channels: [Channel.SMS, 99] }, /^filter\.channels\[1\]: unknown value 99/],
      [{ sources: [-1] }, /^filter\.sources\[0\]: unknown value -1/],
      [{ reasons: [42] }, /^filter\.reasons\[0\]: unknown value 42/],
      [{ contactKind: 9 }, /^filter\.contact_kind: unknown value 9/],
      [{ contactPrefix: "+44 77" }, /^filter\.contact_prefix: .*use 4477/],
      [{ addedAfter: { seconds: 10n ** 15n, nanos: 0 } }, /^filter\.added_after: must be between 0001-01-01 and 9999-12-31/],
      [{ addedBefore: { seconds: 0n, nanos: -1 } }, /^filter\.added_before: nanos/],
    ];
    for (const [filter, message] of bad) {
      const list = await grpcError(client.call(AdminService.method.listEntries, { filter }));
      expect(list.code, JSON.stringify(filter, (_, v: unknown) => (typeof v === "bigint" ? String(v) : v))).toBe(status.INVALID_ARGUMENT);
      expect(list.details).toMatch(message);
      const remove = await grpcError(client.call(AdminService.method.removeByFilter, { filter: { ...filter, campaignRef: "any" }, consentConfirmed: true, note: "n" }));
      expect(remove.code).toBe(status.INVALID_ARGUMENT);
      expect(remove.details).toMatch(message);
    }
    const stats = await grpcError(client.call(AdminService.method.getStats, { to: { seconds: 10n ** 15n, nanos: 0 } }));
    expect(stats.code).toBe(status.INVALID_ARGUMENT);
    expect(stats.details).toMatch(/^to: must be between/);
    const history = await grpcError(client.call(AdminService.method.getHistory, { after: { seconds: 1n, nanos: 2_000_000_000 } }));
    expect(history.details).toMatch(/^after: nanos/);
    const at = await grpcError(client.call(AdminService.method.checkAt, { request: { recipient: "+447700900123", channel: Channel.SMS }, at: { seconds: -(10n ** 15n), nanos: 0 } }));
    expect(at.details).toMatch(/^at: must be between/);
    const historyBefore = sidecar.list.store.lastSeq;
    const nul = "consent\u0000by\u0007phone";
    for (const consentConfirmed of [true, false]) {
      const byKey = await grpcError(client.call(AdminService.method.removeEntries, { keys: [{ contact: "+12015550123", channel: Channel.SMS, sender: "ACME" }], note: nul, consentConfirmed }));
      expect(byKey.details).toBe("note: contains control characters (only tab, line feed and carriage return are text)");
      const byFilter = await grpcError(client.call(AdminService.method.removeByFilter, { filter: { senders: ["ACME"] }, note: nul, consentConfirmed }));
      expect(byFilter.details).toBe("note: contains control characters (only tab, line feed and carriage return are text)");
    }
    expect(sidecar.list.store.lastSeq).toBe(historyBefore);
    // A name of white space alone is refused, never read as no condition: RemoveByFilter would take the whole list.
    const blankNames: [MessageInitShape<typeof EntryFilterSchema>, string][] = [
      [{ campaignRef: " " }, "filter.campaign_ref"],
      [{ senders: ["ACME", " "] }, "filter.senders[1]"],
      [{ accounts: ["\u3000"], channels: [Channel.SMS] }, "filter.accounts[0]"],
    ];
    for (const [filter, field] of blankNames) {
      for (const dryRun of [true, false]) {
        const err = await grpcError(client.call(AdminService.method.removeByFilter, { filter, consentConfirmed: true, dryRun, note: "n" }));
        expect([err.code, err.details]).toEqual([status.INVALID_ARGUMENT, `${field}: is white space only`]);
      }
    }
    // A sender filter is trimmed, as the names it matches were when stored.
    const padded = await client.call(AdminService.method.listEntries, { filter: { senders: [" ACME "] } });
    expect(padded.entries.length).toBeGreaterThan(0);
    expect(padded.entries.every((e) => e.sender === "ACME")).toBe(true);
    expect(padded.totalCount).toBe((await client.call(AdminService.method.listEntries, { filter: { senders: ["ACME"] } })).totalCount);
    const campaign = await client.call(AdminService.method.listEntries, { filter: { campaignRef: " spring " } });
    expect(campaign.totalCount).toBeGreaterThan(0n);
    expect(campaign.totalCount).toBe((await client.call(AdminService.method.listEntries, { filter: { campaignRef: "spring" } })).totalCount);
    expect(sidecar.list.store.entryCount()).toBe(before);
  });

  it("the fast form reads the raw bytes right even with unknown fields and the scope after the recipients", async () => {
    const body = toBinary(FilterBatchRequestSchema, create(FilterBatchRequestSchema, { recipients: ["+12015550123"] }));
    const scope = toBinary(FilterBatchRequestSchema, create(FilterBatchRequestSchema, { channel: Channel.SMS, sender: "ACME" }));
    const unknownField = Buffer.from([0xa2, 0x06, 0x03, 0x61, 0x62, 0x63]); // field 100, 3 bytes
    const res = fromBinary(FilterBatchResponseSchema, await client.callRaw(FILTER_BATCH, Buffer.concat([body, unknownField, scope])));
    expect(res.blocked.map((b) => b.index)).toEqual([0]);
  });

  it("lets a client send RECEIVE_WINDOW_BYTES on a connection and on a stream before it reads", async () => {
    const session = connect(`http://${address}`);
    try {
      // The server's settings and window update go out as the connection opens, so the answer to a ping comes after them.
      await new Promise<void>((resolve, reject) => {
        session.once("error", reject);
        session.once("connect", () => session.ping((err) => (err ? reject(err) : resolve())));
      });
      expect(session.remoteSettings.initialWindowSize).toBe(RECEIVE_WINDOW_BYTES);
      expect(session.state.remoteWindowSize).toBe(RECEIVE_WINDOW_BYTES);
    } finally {
      session.close();
    }
  });

  it("a sender or account name is trimmed in a send as in an add: padding never lets a send past an opt-out", async () => {
    await client.call(AdminService.method.addEntries, {
      entries: [{ contact: "+447700955101", channel: Channel.SMS, sender: " PADCO ", account: "tenant-pad\t" }],
    });
    const padded = [" PADCO", "PADCO ", "\tPADCO\r\n", "\u00a0PADCO\u3000", "\ufeffPADCO\u2009"];
    for (const sender of padded) {
      const fast = await client.call(FilterService.method.filterBatch, { channel: Channel.SMS, sender, account: " tenant-pad ", recipients: ["+447700955101"] });
      expect(fast.blocked.map((b) => b.entry?.sender), JSON.stringify(sender)).toEqual(["PADCO"]);
      const full = await client.call(FilterService.method.filterBatch, {
        channel: Channel.SMS,
        requests: [{ recipient: "+447700955101", sender, account: "tenant-pad " }],
      });
      expect(full.blocked.map((b) => b.index), JSON.stringify(sender)).toEqual([0]);
      const check = await client.call(FilterService.method.check, { request: { recipient: "+447700955101", channel: Channel.SMS, sender, account: "tenant-pad" } });
      expect(check.blocked, JSON.stringify(sender)).toBe(true);
      const at = await client.call(AdminService.method.checkAt, {
        request: { recipient: "+447700955101", channel: Channel.SMS, sender, account: " tenant-pad" },
        at: timestampFromMs(Date.now()),
      });
      expect(at.blocked, JSON.stringify(sender)).toBe(true);
    }
    // A request's sender or account of white space alone is unset, as an empty one is: the batch's applies.
    const blank = await client.call(FilterService.method.filterBatch, {
      channel: Channel.SMS,
      sender: "PADCO",
      account: "tenant-pad",
      requests: [{ recipient: "+447700955101", sender: " ", account: "\u00a0" }, { recipient: "+447700955101" }],
    });
    expect(blank.blocked.map((b) => b.index)).toEqual([0, 1]);
    // Trimming takes only the white space around a name: another name is still another sender.
    const other = await client.call(FilterService.method.check, { request: { recipient: "+447700955101", channel: Channel.SMS, sender: "PAD CO", account: "tenant-pad" } });
    expect(other.blocked).toBe(false);
  });

  it("a customer id of 128 characters is stored and blocks, however many bytes its characters take", async () => {
    const id = "顧客".repeat(64);
    const added = await client.call(AdminService.method.addEntries, { entries: [{ contact: ` ${id} `, kind: ContactKind.CUSTOMER_ID }] });
    expect(added).toMatchObject({ added: 1, rejected: [] });
    const res = await client.call(FilterService.method.filterBatch, {
      channel: Channel.SMS,
      requests: [{ recipient: "+447700900777", customerId: id }, { recipient: "+447700900777", customerId: `${id}客` }],
    });
    expect(res.blocked.map((b) => [b.index, b.entry?.contact])).toEqual([[0, id]]);
    expect(res.invalid.map((i) => [i.index, i.reason])).toEqual([[1, expect.stringMatching(/1 to 128 printable characters/)]]);
  });

  it("serves grpc.health.v1.Health", async () => {
    expect(await healthCheck(address, "")).toBe("SERVING");
    expect(await healthCheck(address, "dnc.v1.FilterService")).toBe("SERVING");
  });

  it("serves reflection: services listed, descriptors resolvable", async () => {
    const list = await reflect(address, { list_services: "" });
    const names = list.list_services_response!.service.map((s) => s.name);
    // Health among them, so that a reflecting client (buf curl, grpcurl) can call it.
    expect(names).toEqual(expect.arrayContaining(["dnc.v1.FilterService", "dnc.v1.AdminService", "grpc.health.v1.Health"]));
    const health = await reflect(address, { file_containing_symbol: "grpc.health.v1.Health" });
    const healthFile = health.file_descriptor_response!.file_descriptor_proto.map((b) => fromBinary(FileDescriptorProtoSchema, b)).find((f) => f.package === "grpc.health.v1");
    expect(healthFile?.service[0]?.method.map((m) => m.name)).toEqual(expect.arrayContaining(["Check", "Watch"]));
    const file = await reflect(address, { file_containing_symbol: "dnc.v1.FilterService" });
    const files = file.file_descriptor_response!.file_descriptor_proto.map((b) => fromBinary(FileDescriptorProtoSchema, b));
    const filterFile = files.find((f) => f.name === "dnc/v1/filter_service.proto");
    expect(filterFile?.service[0]?.method.map((m) => m.name)).toEqual(["FilterBatch", "Check"]);
  });

  it("answers UNAVAILABLE, never allowed, once the store is closed", async () => {
    const dir2 = tempDir();
    const other = await Sidecar.start({ dataDir: dir2.path, grpcListen: `unix:${dir2.path}/dnc.sock`, httpListen: "127.0.0.1:0", maxBatch: 10 });
    const c = new GrpcClient(`unix:${dir2.path}/dnc.sock`);
    try {
      const ok = await c.call(FilterService.method.filterBatch, { channel: Channel.SMS, recipients: ["+447700900123"] });
      expect(ok.checked).toBe(1);
      await other.list.close();
      const err = await grpcError(c.call(FilterService.method.filterBatch, { channel: Channel.SMS, recipients: ["+447700900123"] }));
      expect(err.code).toBe(status.UNAVAILABLE);
      const checkErr = await grpcError(c.call(FilterService.method.check, { request: { recipient: "+447700900123", channel: Channel.SMS } }));
      expect(checkErr.code).toBe(status.UNAVAILABLE);
    } finally {
      c.close();
      await other.stop(500);
      dir2.remove();
    }
  });
});
