// ExportEntries against a real sidecar over gRPC and the HTTP download: CSV
// read back with fast-csv and XLSX with exceljs's reader (not the code that
// wrote them), every field, formula neutralisation, selection by filter and
// by keys, progress in chunks, the history record, roles, and `dnc export`.

import { createClient, type Interceptor } from "@connectrpc/connect";
import { createConnectTransport, createGrpcWebTransport } from "@connectrpc/connect-node";
import { parseString } from "@fast-csv/parse";
import { Metadata, status } from "@grpc/grpc-js";
import ExcelJS from "exceljs";
import { execFile } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { timestampDate } from "@bufbuild/protobuf/wkt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { MessageInitShape } from "@bufbuild/protobuf";
import { AdminService, type ExportEntriesRequestSchema, type ExportEntriesResponse } from "../sidecar/gen/dnc/v1/admin_service_pb.js";
import { Role } from "../sidecar/gen/dnc/v1/api_key_pb.js";
import { ExportFormat } from "../sidecar/gen/dnc/v1/export_pb.js";
import { HistoryAction } from "../sidecar/gen/dnc/v1/history_pb.js";
import { Channel, ContactKind, Reason, Source, type Entry } from "../sidecar/gen/dnc/v1/types_pb.js";
import { GrpcClient } from "../sidecar/grpc/grpc-client.js";
import type { Sidecar } from "../sidecar/sidecar.js";
import { grpcError } from "./support/grpc-error.js";
import { tempDir } from "./support/temp-dir.js";
import { DNC_BIN } from "./support/dnc-serve.js";
import { startLoopbackSidecar } from "./support/test-sidecar.js";

const TOKEN = "test-admin-token-export";
const HEADER = ["contact", "kind", "channel", "sender", "account", "source", "reason", "campaign_ref", "added_at", "added_by", "note"];

const admin = new Metadata();
admin.set("authorization", `Bearer ${TOKEN}`);
const bearer = (key: string): Metadata => {
  const md = new Metadata();
  md.set("authorization", `Bearer ${key}`);
  return md;
};

/** Every field set, and every cell that a spreadsheet would run. */
const FIXTURES = [
  {
    contact: "+44 7700 900001",
    channel: Channel.SMS,
    sender: "ACME",
    account: "acc-1",
    source: Source.URL_OPT_OUT,
    reason: Reason.OPT_OUT,
    campaignRef: "spring",
    note: 'said "stop", twice\nand again',
  },
  { contact: "+447700900002", source: Source.API, reason: Reason.SPAM_COMPLAINT, campaignRef: "+cmd", note: '=HYPERLINK("http://evil.example/","click")' },
  { contact: "Jane@Example.com", channel: Channel.EMAIL, sender: "news@example.com", source: Source.EMAIL_SERVER, campaignRef: "@SUM(A1)", note: "-2+3" },
  { contact: "+447700900003", channel: Channel.VOICE, sender: "ACME", source: Source.MANUAL, note: "\tstarts with a tab" },
  { contact: "+447700900004", channel: Channel.WHATSAPP, account: "acc-2", source: Source.MO_KEYWORD, note: "\rstarts with CR" },
  { contact: "cust-42", kind: ContactKind.CUSTOMER_ID, source: Source.CAMPAIGN, reason: Reason.SUPPORT_REQUEST, note: "Ünïcödé ✓" },
];

interface Collected {
  bytes: Buffer;
  messages: ExportEntriesResponse[];
}

async function collect(client: GrpcClient, request: MessageInitShape<typeof ExportEntriesRequestSchema>, md = admin): Promise<Collected> {
  const messages: ExportEntriesResponse[] = [];
  for await (const m of client.stream(AdminService.method.exportEntries, request, md)) messages.push(m);
  return { bytes: Buffer.concat(messages.map((m) => m.chunk)), messages };
}

async function csvRows(bytes: Buffer): Promise<string[][]> {
  expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
  const rows: string[][] = [];
  await new Promise<void>((resolve, reject) =>
    parseString<string[], string[]>(bytes.subarray(3).toString("utf8"))
      .on("data", (row: string[]) => rows.push(row))
      .on("error", reject)
      .on("end", () => resolve()),
  );
  return rows;
}

async function xlsxRows(bytes: Buffer): Promise<string[][]> {
  const workbook = new ExcelJS.Workbook();
  await workbook.xlsx.load(bytes as unknown as ArrayBuffer);
  expect(workbook.worksheets.map((w) => w.name)).toEqual(["entries"]);
  const rows: string[][] = [];
  workbook.worksheets[0]!.eachRow({ includeEmpty: true }, (row) => {
    const cells: string[] = [];
    for (let c = 1; c <= HEADER.length; c++) {
      const value = row.getCell(c).value;
      expect(value === null || typeof value === "string", `row ${row.number} cell ${c}: ${JSON.stringify(value)}`).toBe(true);
      cells.push((value as string | null) ?? "");
    }
    rows.push(cells);
  });
  return rows;
}

/** What a row of an entry must hold, written out here independently of the exporter. */
function expectedRow(e: Entry): string[] {
  const guard = (s: string) => (/^[=+\-@\t\r]/.test(s) ? `'${s}` : s);
  const names: Record<string, Record<number, string>> = {
    kind: { 1: "phone", 2: "email", 3: "customer_id" },
    channel: { 0: "all", 1: "sms", 2: "mms", 3: "rcs", 4: "viber", 5: "whatsapp", 6: "email", 7: "voice" },
    source: { 0: "", 1: "manual", 2: "import", 3: "api", 4: "mo_keyword", 5: "url_opt_out", 6: "campaign", 7: "email_server" },
    reason: { 0: "", 1: "opt_out", 2: "list_cleanup", 3: "subscriber_complaint", 4: "support_request", 5: "suspected_fraud", 6: "hard_bounce", 7: "spam_complaint" },
  };
  return [
    e.kind === 1 ? `+${e.contact}` : e.contact,
    names.kind![e.kind]!,
    names.channel![e.channel]!,
    e.sender,
    e.account,
    names.source![e.source]!,
    names.reason![e.reason]!,
    guard(e.campaignRef),
    timestampDate(e.addedAt!).toISOString(),
    e.addedBy,
    guard(e.note),
  ];
}

const byContact = (a: string[], b: string[]) => (a.join("\u0000") < b.join("\u0000") ? -1 : 1);

describe("ExportEntries", () => {
  const dir = tempDir();
  let sidecar: Sidecar;
  let client: GrpcClient;
  let stored: Entry[];
  let operatorKey: string;
  let viewerKey: string;

  const list = async (): Promise<Entry[]> => (await client.call(AdminService.method.listEntries, { pageSize: 1000 }, admin)).entries;

  beforeAll(async () => {
    sidecar = await startLoopbackSidecar(dir.path, TOKEN, { maxBatch: 10_000 });
    client = new GrpcClient(`127.0.0.1:${sidecar.grpcPort}`);
    operatorKey = (await client.call(AdminService.method.createApiKey, { name: "ops", role: Role.OPERATOR }, admin)).secret;
    viewerKey = (await client.call(AdminService.method.createApiKey, { name: "reader", role: Role.VIEWER }, admin)).secret;
    const added = await client.call(AdminService.method.addEntries, { entries: FIXTURES }, bearer(operatorKey));
    expect(added.rejected).toEqual([]);
    stored = await list();
    expect(stored).toHaveLength(FIXTURES.length);
  });
  afterAll(async () => {
    client.close();
    await sidecar.stop(500);
    dir.remove();
  });

  it("writes every field of every entry as CSV, with a header row, short enum names and neutralised formulas", async () => {
    const { bytes, messages } = await collect(client, { format: ExportFormat.CSV }, bearer(operatorKey));
    const [header, ...rows] = await csvRows(bytes);
    expect(header).toEqual(HEADER);
    expect(rows.sort(byContact)).toEqual(stored.map(expectedRow).sort(byContact));
    expect(messages.at(-1)).toMatchObject({ rowsWritten: 6n, rowsTotal: 6n });
    // Spot checks against the values as typed, beside the model above.
    const jane = rows.find((r) => r[0] === "jane@example.com")!;
    expect(jane.slice(1, 8)).toEqual(["email", "email", "news@example.com", "", "email_server", "", "'@SUM(A1)"]);
    expect(jane[10]).toBe("'-2+3");
    expect(rows.find((r) => r[0] === "+447700900002")![10]).toBe(`'=HYPERLINK("http://evil.example/","click")`);
    expect(rows.find((r) => r[0] === "+447700900002")![7]).toBe("'+cmd");
    expect(rows.find((r) => r[0] === "+447700900001")![10]).toBe('said "stop", twice\nand again');
    expect(rows.find((r) => r[0] === "+447700900003")![10]).toBe("'\tstarts with a tab");
    expect(rows.find((r) => r[0] === "+447700900004")![10]).toBe("'\rstarts with CR");
    expect(rows.find((r) => r[0] === "cust-42")!.slice(1, 3)).toEqual(["customer_id", "all"]);
    expect(rows.every((r) => r[9] === "ops" && /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/.test(r[8]!))).toBe(true);
  });

  it("writes the same cells as XLSX, read back with exceljs's reader", async () => {
    const csv = await csvRows((await collect(client, { format: ExportFormat.CSV })).bytes);
    const { bytes, messages } = await collect(client, { format: ExportFormat.XLSX });
    expect(bytes.subarray(0, 4).toString("latin1")).toBe("PK\u0003\u0004");
    const [header, ...rows] = await xlsxRows(bytes);
    expect(header).toEqual(HEADER);
    // XML would read a CR inside text as a line feed: it is written as OOXML's escape, as Excel writes it,
    // which exceljs's reader hands over as it is (the import reads it back: export-round-trip.test.ts).
    const xmlText = (r: string[]) => r.map((c) => c.replace(/\r/g, "_x000D_"));
    expect(rows.sort(byContact)).toEqual(csv.slice(1).map(xmlText).sort(byContact));
    expect(rows.find((r) => r[0] === "+447700900002")![10]).toBe(`'=HYPERLINK("http://evil.example/","click")`);
    expect(messages.at(-1)).toMatchObject({ rowsWritten: 6n, rowsTotal: 6n });
  });

  it("selects by filter: channels, senders, accounts, sources, reasons, campaign, contact, prefix and time", async () => {
    const contacts = async (filter: MessageInitShape<typeof ExportEntriesRequestSchema>["filter"]) => {
      const { bytes, messages } = await collect(client, { filter });
      const rows = (await csvRows(bytes)).slice(1);
      expect(messages.at(-1)!.rowsWritten).toBe(BigInt(rows.length));
      return rows.map((r) => r[0]).sort();
    };
    expect(await contacts({ channels: [Channel.SMS, Channel.VOICE] })).toEqual(["+447700900001", "+447700900003"]);
    expect(await contacts({ senders: ["ACME"] })).toEqual(["+447700900001", "+447700900003"]);
    expect(await contacts({ accounts: ["acc-2"] })).toEqual(["+447700900004"]);
    expect(await contacts({ sources: [Source.API, Source.CAMPAIGN] })).toEqual(["+447700900002", "cust-42"]);
    expect(await contacts({ reasons: [Reason.OPT_OUT] })).toEqual(["+447700900001"]);
    expect(await contacts({ campaignRef: "spring" })).toEqual(["+447700900001"]);
    expect(await contacts({ contact: "+44 7700 900004" })).toEqual(["+447700900004"]);
    // A customer id is named as one: read as a phone number, it would be refused.
    expect(await contacts({ contact: "cust-42", contactKind: ContactKind.CUSTOMER_ID })).toEqual(["cust-42"]);
    expect(await contacts({ contactPrefix: "4477009000" })).toEqual(["+447700900001", "+447700900002", "+447700900003", "+447700900004"]);
    expect(await contacts({ contactPrefix: "4477009000", senders: ["ACME"] })).toEqual(["+447700900001", "+447700900003"]);
    expect(await contacts({ addedBefore: { seconds: 1n } })).toEqual([]);
    expect(await contacts({ senders: ["nobody"] })).toEqual([]);
  });

  it("selects by keys, skipping keys that are not on the list", async () => {
    const keys = [
      { contact: "+447700900001", channel: Channel.SMS, sender: "ACME", account: "acc-1" },
      { contact: "jane@example.com", channel: Channel.EMAIL, sender: "news@example.com" },
      { contact: "+447700900001", channel: Channel.MMS }, // not on the list
      { contact: "+447700900001", channel: Channel.SMS, sender: "ACME", account: "acc-1" }, // twice
    ];
    const { bytes, messages } = await collect(client, { keys, format: ExportFormat.XLSX });
    const rows = (await xlsxRows(bytes)).slice(1);
    expect(rows.map((r) => r[0]).sort()).toEqual(["+447700900001", "jane@example.com"]);
    expect(messages.at(-1)).toMatchObject({ rowsWritten: 2n, rowsTotal: 2n });
  });

  it("refuses bad requests with INVALID_ARGUMENT naming the field", async () => {
    const cases: [MessageInitShape<typeof ExportEntriesRequestSchema>, RegExp][] = [
      [{ format: 9 as ExportFormat }, /^format: /],
      [{ keys: [{ contact: "not a number" }] }, /^keys\[0\]: /],
      [{ keys: [{ contact: "+447700900001" }], filter: { senders: ["ACME"] } }, /^keys: give keys or a filter, not both/],
      [{ filter: { contact: "nonsense" } }, /^filter\.contact: /],
      [{ defaultCountry: "XX" }, /^default_country: /],
    ];
    for (const [request, message] of cases) {
      const err = await grpcError(collect(client, request));
      expect([err.code, err.details], JSON.stringify(request)).toEqual([status.INVALID_ARGUMENT, expect.stringMatching(message)]);
    }
  });

  it("streams a large export in chunks of about 64 KB with growing progress, and records it in the history", async () => {
    const entries = Array.from({ length: 6000 }, (_, i) => ({
      contact: `+4479${String(i).padStart(8, "0")}`,
      channel: Channel.SMS,
      source: Source.IMPORT,
      note: i % 2 === 0 ? "=1+1" : `note ${i}`,
    }));
    for (let i = 0; i < entries.length; i += 1000) {
      await client.call(AdminService.method.addEntries, { entries: entries.slice(i, i + 1000) }, admin);
    }
    const filter = { contactPrefix: "4479" };
    const { bytes, messages } = await collect(client, { filter }, bearer(operatorKey));
    expect(messages.length).toBeGreaterThan(3);
    for (const m of messages.slice(0, -1)) expect(m.chunk.length).toBeGreaterThanOrEqual(64 * 1024);
    for (const m of messages) expect(m.chunk.length).toBeLessThan(80 * 1024);
    const written = messages.map((m) => Number(m.rowsWritten));
    expect(written).toEqual([...written].sort((a, b) => a - b));
    expect(written[0]).toBeLessThan(6000);
    expect(messages.every((m) => m.rowsTotal === 6000n)).toBe(true);
    expect(messages.at(-1)!.rowsWritten).toBe(6000n);
    const rows = (await csvRows(bytes)).slice(1);
    expect(rows).toHaveLength(6000);
    expect(rows.filter((r) => r[10] === "'=1+1")).toHaveLength(3000);

    const history = await client.call(AdminService.method.getHistory, { actions: [HistoryAction.EXPORTED], pageSize: 1 }, admin);
    expect(history.events).toHaveLength(1);
    expect(history.events[0]).toMatchObject({ actor: "ops", action: HistoryAction.EXPORTED, note: 'CSV export of 6000 entries; filter {"contactPrefix":"4479"}' });
    expect(history.events[0]!.entry).toBeUndefined();
  });

  it("records an export the client stops early, with the rows it got that far", async () => {
    // More than the client's and the transport's buffers hold, so the export is still running when the client stops.
    const many = Array.from({ length: 40_000 }, (_, i) => ({ contact: `+4478${String(i).padStart(8, "0")}`, note: "x".repeat(40) }));
    for (let i = 0; i < many.length; i += 10_000) {
      await client.call(AdminService.method.addEntries, { entries: many.slice(i, i + 10_000) }, admin);
    }
    let got = 0;
    for await (const m of client.stream(AdminService.method.exportEntries, { filter: { contactPrefix: "4478" } }, bearer(operatorKey))) {
      got = Number(m.rowsWritten);
      break;
    }
    expect(got).toBeGreaterThan(0);
    const deadline = Date.now() + 5_000;
    for (;;) {
      const [event] = (await client.call(AdminService.method.getHistory, { actions: [HistoryAction.EXPORTED], pageSize: 1 }, admin)).events;
      if (event?.note.startsWith("CSV export stopped")) {
        expect(event.note).toMatch(/^CSV export stopped after \d+ of 40000 entries; filter \{"contactPrefix":"4478"\}$/);
        expect(Number(/after (\d+)/.exec(event.note)![1])).toBeGreaterThanOrEqual(got);
        break;
      }
      if (Date.now() > deadline) throw new Error(`the stopped export was not recorded: ${event?.note}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  });

  it("keeps exports out of contact histories, CheckAt and the change feed", async () => {
    const keysExport = await collect(client, { keys: [{ contact: "+447700900003", channel: Channel.VOICE, sender: "ACME" }] });
    expect(keysExport.messages.at(-1)!.rowsWritten).toBe(1n);
    const [recorded] = (await client.call(AdminService.method.getHistory, { actions: [HistoryAction.EXPORTED], pageSize: 1 }, admin)).events;
    expect(recorded!.note).toBe("CSV export of 1 entry; 1 key");

    const contact = await client.call(AdminService.method.getContact, { contact: "+447700900003" }, admin);
    expect(contact.history.map((e) => e.action)).toEqual([HistoryAction.ADDED]);
    const at = await client.call(
      AdminService.method.checkAt,
      { request: { recipient: "+447700900003", channel: Channel.VOICE, sender: "ACME" }, at: { seconds: BigInt(Math.floor(Date.now() / 1000)) } },
      admin,
    );
    expect(at.blocked).toBe(true);

    const before = (await client.call(AdminService.method.getHistory, { pageSize: 1 }, admin)).events[0]!.seq;
    const watch = client.stream(AdminService.method.watchChanges, { afterSeq: before }, admin);
    await collect(client, { filter: { channels: [Channel.VOICE] } });
    await client.call(AdminService.method.addEntries, { entries: [{ contact: "+447700900099", channel: Channel.SMS }] }, admin);
    const first = await watch.next();
    await watch.return(undefined);
    expect(first.value!.event).toMatchObject({ action: HistoryAction.ADDED, entry: { contact: "447700900099" } });
  });

  it("lets operators and admins export, not viewers or callers without a key", async () => {
    const denied = await grpcError(collect(client, {}, bearer(viewerKey)));
    expect([denied.code, denied.details]).toEqual([status.PERMISSION_DENIED, "ExportEntries needs ROLE_OPERATOR; API key 'reader' has ROLE_VIEWER"]);
    const anonymous = await grpcError(collect(client, {}, new Metadata()));
    expect(anonymous.code).toBe(status.UNAUTHENTICATED);
    expect((await collect(client, { filter: { contact: "+447700900001" } }, admin)).messages.at(-1)!.rowsWritten).toBe(1n);
  });

  it("streams over the Connect and gRPC-web doors too", async () => {
    const withKey: Interceptor = (next) => (req) => {
      req.header.set("authorization", `Bearer ${operatorKey}`);
      return next(req);
    };
    const grpc = await collect(client, { filter: { senders: ["ACME"] }, format: ExportFormat.CSV });
    for (const transport of [createConnectTransport, createGrpcWebTransport]) {
      const admin = createClient(AdminService, transport({ baseUrl: `http://127.0.0.1:${sidecar.httpPort}`, httpVersion: "1.1", interceptors: [withKey] }));
      const chunks: Uint8Array[] = [];
      for await (const m of admin.exportEntries({ filter: { senders: ["ACME"] } })) chunks.push(m.chunk);
      expect(Buffer.concat(chunks).equals(grpc.bytes)).toBe(true);
    }
  });

  describe("over HTTP", () => {
    const url = (query: string) => `http://127.0.0.1:${sidecar.httpPort}/exports${query}`;
    const get = (query: string, key: string | null = operatorKey) => fetch(url(query), { headers: key === null ? {} : { authorization: `Bearer ${key}` } });

    it("downloads CSV with the query as the filter, the same bytes as over gRPC", async () => {
      const res = await get("?format=csv&channel=sms&channel=VOICE&sender=ACME");
      expect(res.status).toBe(200);
      expect(res.headers.get("content-type")).toBe("text/csv; charset=utf-8");
      expect(res.headers.get("content-disposition")).toMatch(/^attachment; filename="dnc-export-\d{8}T\d{6}Z\.csv"$/);
      expect(res.headers.get("dnc-rows-total")).toBe("2");
      const body = Buffer.from(await res.arrayBuffer());
      const grpc = await collect(client, { filter: { channels: [Channel.SMS, Channel.VOICE], senders: ["ACME"] } });
      expect(body.equals(grpc.bytes)).toBe(true);
      expect((await csvRows(body)).slice(1).map((r) => r[0]).sort()).toEqual(["+447700900001", "+447700900003"]);
    });

    it("downloads XLSX", async () => {
      const res = await get("?format=xlsx&contact_prefix=4477009000&added_after=2000-01-01&source=url-opt-out&source=SOURCE_API");
      expect(res.status).toBe(200);
      expect(res.headers.get("content-type")).toBe("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
      expect(res.headers.get("content-disposition")).toMatch(/\.xlsx"$/);
      const rows = await xlsxRows(Buffer.from(await res.arrayBuffer()));
      expect(rows.slice(1).map((r) => r[0]).sort()).toEqual(["+447700900001", "+447700900002"]);
    });

    it("answers refusals and bad queries with a status and a JSON error", async () => {
      const cases: [Promise<Response>, number, string, RegExp][] = [
        [get("", null), 401, "unauthenticated", /^no API key/],
        [get("", viewerKey), 403, "permission_denied", /needs ROLE_OPERATOR/],
        [get("?chanel=sms"), 400, "invalid_argument", /^chanel: unknown parameter$/],
        [get("?channel=fax"), 400, "invalid_argument", /^channel: 'fax' is not one of sms, mms/],
        [get("?format=pdf"), 400, "invalid_argument", /^format: /],
        [get("?added_after=yesterday"), 400, "invalid_argument", /^added_after: /],
        [get("?campaign_ref=a&campaign_ref=b"), 400, "invalid_argument", /^campaign_ref: give it once$/],
        [get("?format=csv&format=xlsx"), 400, "invalid_argument", /^format: give it once$/],
        [get("?added_before=2026-02-30"), 400, "invalid_argument", /^added_before: '2026-02-30' is not a date of the calendar$/],
        [get("?added_after=2026-04-31T10:00"), 400, "invalid_argument", /^added_after: '2026-04-31T10:00' is not a date of the calendar$/],
        [get("?added_after=2026-05-02&added_before=2026-05-01"), 400, "invalid_argument", /^filter\.added_before: must be later than added_after$/],
      ];
      for (const [response, code, name, message] of cases) {
        const res = await response;
        expect(res.status).toBe(code);
        expect(res.headers.get("content-type")).toBe("application/json");
        const body = (await res.json()) as { code: string; message: string };
        expect(body.code).toBe(name);
        expect(body.message).toMatch(message);
      }
      expect((await get("", null)).headers.get("www-authenticate")).toBe("Bearer");
      const post = await fetch(url(""), { method: "POST", headers: { authorization: `Bearer ${operatorKey}` } });
      expect([post.status, post.headers.get("allow")]).toEqual([405, "GET"]);
    });
  });

  describe("dnc export", () => {
    const run = promisify(execFile);
    const dnc = (...args: string[]) =>
      run(process.execPath, [DNC_BIN, ...args, "--server", `127.0.0.1:${sidecar.grpcPort}`], { env: { ...process.env, DNC_TOKEN: operatorKey } });

    it("writes the file with plain progress lines off a terminal, the format from the extension", async () => {
      const file = join(dir.path, "sms.xlsx");
      const { stdout, stderr } = await dnc("export", "--channel", "sms", "--sender", "ACME", "-o", file);
      expect(stdout).toMatch(/^exported 1 entries to .*sms\.xlsx \(XLSX, [\d.]+ MB\) in [\d.]+ s\n$/);
      expect(stderr).toMatch(/^exporting: 1\/1 rows, [\d,]+ rows\/s, ETA 0:00 \(100%\)\n/);
      expect((await xlsxRows(readFileSync(file))).slice(1).map((r) => r[0])).toEqual(["+447700900001"]);
      expect(existsSync(`${file}.part`)).toBe(false);
    });

    it("takes every filter flag and --format", async () => {
      const file = join(dir.path, "out.txt");
      await dnc(
        "export",
        "--format",
        "csv",
        "--contact-prefix",
        "4477",
        "--channel",
        "sms",
        "--account",
        "acc-1",
        "--source",
        "url_opt_out",
        "--reason",
        "opt-out",
        "--campaign",
        "spring",
        "--added-after",
        "2000-01-01T00:00:00Z",
        "--added-before",
        "2999-01-01",
        "-o",
        file,
      );
      expect((await csvRows(readFileSync(file))).slice(1).map((r) => r[0])).toEqual(["+447700900001"]);
      await dnc("export", "--contact", "cust-42", "--kind", "customer-id", "--format", "csv", "-o", file);
      expect((await csvRows(readFileSync(file))).slice(1).map((r) => r[0])).toEqual(["cust-42"]);
    });

    it("fails with the flag named, and leaves no file", async () => {
      const file = join(dir.path, "never.csv");
      const err = (await dnc("export", "--channel", "fax", "-o", file).catch((e: unknown) => e)) as { code: number; stderr: string };
      expect(err.code).toBe(1);
      expect(err.stderr).toMatch(/^dnc: --channel: 'fax' is not one of sms/);
      for (const [args, message] of [
        [["-o", join(dir.path, "no-such-dir", "x.csv")], /^dnc: -o: cannot write '.*x\.csv': its directory does not exist/],
        [["-o", dir.path, "--format", "csv"], /^dnc: -o: '.*' is a directory/],
        [["--kind", "customer-id", "-o", file], /^dnc: --kind: names the kind of a --contact: give one/],
      ] as const) {
        const refused = (await dnc("export", ...args).catch((e: unknown) => e)) as { code: number; stderr: string };
        expect([refused.code, refused.stderr], args.join(" ")).toEqual([1, expect.stringMatching(message)]);
      }
      expect(existsSync(join(dir.path, "no-such-dir"))).toBe(false);
      const json = join(dir.path, "never.json");
      const unnamed = (await dnc("export", "-o", json).catch((e: unknown) => e)) as { code: number; stderr: string };
      expect([unnamed.code, unnamed.stderr]).toEqual([1, expect.stringMatching(/does not say the format: name it \.csv or \.xlsx, or give --format csv\|xlsx/)]);
      expect(existsSync(json)).toBe(false);
      const denied = (await run(process.execPath, [DNC_BIN, "export", "-o", file, "--server", `127.0.0.1:${sidecar.grpcPort}`, "--token", viewerKey]).catch(
        (e: unknown) => e,
      )) as { code: number; stderr: string };
      expect(denied.stderr).toMatch(/needs ROLE_OPERATOR/);
      expect(existsSync(file) || existsSync(`${file}.part`)).toBe(false);
    });
  });
});
