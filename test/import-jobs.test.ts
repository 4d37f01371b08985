// Import jobs on a real sidecar over gRPC, with files generated here: many
// batches, several target accounts, loose enum names, the report paged and
// as CSV, the completion event on the change feed, in GetHistory and to a
// webhook, cancelling, a graceful stop that leaves the job INTERRUPTED with
// the list holding exactly its committed batches, and the options refused
// before anything is written.

import { fromJsonString } from "@bufbuild/protobuf";
import { Metadata, status } from "@grpc/grpc-js";
import { writeFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AdminService } from "../sidecar/gen/dnc/v1/admin_service_pb.js";
import { HistoryAction, HistoryEventSchema, type HistoryEvent } from "../sidecar/gen/dnc/v1/history_pb.js";
import { ImportField, ImportState } from "../sidecar/gen/dnc/v1/import_pb.js";
import { Channel, ContactKind, Reason, Source } from "../sidecar/gen/dnc/v1/types_pb.js";
import { GrpcClient } from "../sidecar/grpc/grpc-client.js";
import { Sidecar, type SidecarOptions } from "../sidecar/sidecar.js";
import { grpcError } from "./support/grpc-error.js";
import { runImport, upload } from "./support/import-client.js";
import { serverStream } from "./support/server-stream.js";
import { tempDir } from "./support/temp-dir.js";

const TOKEN = "import-jobs-admin-token";
const BATCH = 1000;

const phone = (i: number) => `+44 7700 ${String(100_000 + i).padStart(6, "0")}`;

async function until(done: () => boolean | Promise<boolean>, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await done())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe("import jobs", () => {
  const dir = tempDir();
  const options = (): SidecarOptions => ({
    dataDir: join(dir.path, "data"),
    grpcListen: "127.0.0.1:0",
    httpListen: "127.0.0.1:0",
    maxBatch: 1000,
    adminToken: TOKEN,
    imports: { batchRows: BATCH },
  });
  let sidecar: Sidecar;
  let client: GrpcClient;
  const md = new Metadata();
  md.set("authorization", `Bearer ${TOKEN}`);

  /** A CSV of `rows` distinct valid phone rows from `from` on, with a header. */
  function phoneFile(name: string, from: number, rows: number, extra = ""): string {
    const path = join(dir.path, name);
    const lines = ["phone,channel,reason"];
    for (let i = from; i < from + rows; i++) lines.push(`${phone(i)},sms,opt-out`);
    writeFileSync(path, `${lines.join("\n")}\n${extra}`);
    return path;
  }

  beforeAll(async () => {
    sidecar = await Sidecar.start(options());
    client = new GrpcClient(`127.0.0.1:${sidecar.grpcPort}`, { token: TOKEN });
  });

  afterAll(async () => {
    client.close();
    await sidecar.stop(1000);
    dir.remove();
  });

  it("imports in batches, one entry per row and target account, with the completion event on the change feed and in GetHistory", async () => {
    const watch = serverStream(client, AdminService.method.watchChanges, {}, md);
    await new Promise((r) => setTimeout(r, 200));
    const file = phoneFile("accounts.csv", 0, 5500, "not a phone,sms,opt-out\n+44 7700 900001,carrier-pigeon,opt-out\n");
    const job = await runImport(client, await upload(client, file), { accounts: ["tenant-a", "tenant-b", "tenant-a"], defaults: { sender: "ACME" } });
    expect(job).toMatchObject({
      state: ImportState.COMPLETED,
      counts: { rowsRead: 5502n, added: 11_000n, repeated: 0n, rejected: 2n, bytesRead: job.counts!.bytesTotal },
      committedRows: 5503n,
      etaSeconds: 0,
    });
    expect(job.finishedAt).toBeDefined();
    const listed = await client.call(AdminService.method.listEntries, { filter: { contact: phone(42) } });
    expect(listed.entries.map((e) => [e.account, e.sender, e.channel, e.reason, e.source]).sort()).toEqual([
      ["tenant-a", "ACME", Channel.SMS, Reason.OPT_OUT, Source.IMPORT],
      ["tenant-b", "ACME", Channel.SMS, Reason.OPT_OUT, Source.IMPORT],
    ]);
    // 11,000 adds, then the end of the job.
    const events = await watch.waitFor(11_001);
    watch.cancel();
    const last = events[11_000]!.event!;
    expect(last).toMatchObject({ action: HistoryAction.IMPORT_FINISHED, actor: "env-admin-token", importJob: { jobId: job.jobId, state: ImportState.COMPLETED } });
    expect(last.entry).toBeUndefined();
    expect(last.importJob!.counts).toEqual(job.counts);
    const history = await client.call(AdminService.method.getHistory, { actions: [HistoryAction.IMPORT_FINISHED] });
    expect(history.events.map((e) => e.importJob?.jobId)).toContain(job.jobId);
  });

  it("pages the report by row number", async () => {
    const bad = Array.from({ length: 25 }, (_, i) => `bad-${i},sms,opt-out`).join("\n");
    const job = await runImport(client, await upload(client, phoneFile("report.csv", 20_000, 10, `${bad}\n`)));
    expect(job.counts).toMatchObject({ rowsRead: 35n, added: 10n, rejected: 25n });
    const rows: number[] = [];
    let pageToken = "";
    let pages = 0;
    do {
      const page = await client.call(AdminService.method.getImportReport, { jobId: job.jobId, pageSize: 10, pageToken });
      rows.push(...page.rejected.map((r) => Number(r.rowNumber)));
      pageToken = page.nextPageToken;
      pages++;
    } while (pageToken !== "");
    expect(pages).toBe(3);
    expect(rows).toEqual(Array.from({ length: 25 }, (_, i) => 12 + i));
    const tooBig = await grpcError(client.call(AdminService.method.getImportReport, { jobId: job.jobId, pageSize: 10_001 }));
    expect(tooBig.details).toBe("page_size: at most 10000");
    const unknown = await grpcError(client.call(AdminService.method.getImportReport, { jobId: "nope" }));
    expect(unknown.code).toBe(status.NOT_FOUND);
  });

  it("reads enum names loosely, and rejects an unknown one naming it", async () => {
    const path = join(dir.path, "loose.csv");
    writeFileSync(
      path,
      [
        "Mobile number,Channel,Reason,Source",
        "+44 7700 930001,CHANNEL_SMS,REASON_OPT_OUT,SOURCE_API",
        "+44 7700 930002,Sms,Opt Out,api",
        "+44 7700 930003,whats-app,opt_out,mo keyword",
        "+44 7700 930004,Voice,spam,",
        "+44 7700 930005,telegram,opt-out,",
        "+44 7700 930006,sms,because,",
      ].join("\r\n"),
    );
    const job = await runImport(client, await upload(client, path));
    expect(job.counts).toMatchObject({ rowsRead: 6n, added: 4n, rejected: 2n });
    const report = await client.call(AdminService.method.getImportReport, { jobId: job.jobId });
    expect(report.rejected.map((r) => [Number(r.rowNumber), r.reason])).toEqual([
      [6, "channel: 'telegram' is not one of sms, mms, rcs, viber, whatsapp, email, voice, all"],
      [7, "reason: 'because' is not one of opt-out, list-cleanup, subscriber-complaint, support-request, suspected-fraud, hard-bounce, spam-complaint"],
    ]);
    const entries = async (contact: string) => (await client.call(AdminService.method.getContact, { contact })).entries;
    expect(await entries("+447700930001")).toMatchObject([{ channel: Channel.SMS, reason: Reason.OPT_OUT, source: Source.API }]);
    expect(await entries("+447700930003")).toMatchObject([{ channel: Channel.WHATSAPP, reason: Reason.OPT_OUT, source: Source.MO_KEYWORD }]);
    expect(await entries("+447700930004")).toMatchObject([{ channel: Channel.VOICE, reason: Reason.SPAM_COMPLAINT, source: Source.IMPORT }]);
  });

  it("maps columns as asked, skips rows, and refuses bad options before writing", async () => {
    const path = join(dir.path, "mapped.csv");
    writeFileSync(path, "exported by CRM v2\n\nname;number;tag\nAnn;+44 7700 940001;vip\nBob;+44 7700 940002;\n");
    const id = await upload(client, path);
    const analysis = await client.call(AdminService.method.analyzeImport, { uploadId: id, options: { skipRows: 2 } });
    expect(analysis).toMatchObject({ delimiter: ";", hasHeader: true, header: ["name", "number", "tag"] });
    expect(analysis.suggestedMapping.map((m) => [m.column, m.field])).toEqual([[1, ImportField.PHONE]]);
    const job = await runImport(client, id, { skipRows: 2, mapping: [{ column: 1, field: ImportField.CONTACT }, { column: 2, field: ImportField.CAMPAIGN_REF }] });
    expect(job).toMatchObject({ counts: { rowsRead: 2n, added: 2n }, committedRows: 5n });
    expect((await client.call(AdminService.method.getContact, { contact: "+447700940001" })).entries).toMatchObject([{ campaignRef: "vip" }]);

    const before = sidecar.list.store.entryCount();
    const other = await upload(client, path);
    const refusals: [object, string][] = [
      [{ skipRows: 2, mapping: [{ column: 2, field: ImportField.NOTE }] }, "options.mapping: no column is mapped to CONTACT, PHONE, EMAIL or CUSTOMER_ID: there is nothing to import"],
      [{ skipRows: 2, mapping: [{ column: 7, field: ImportField.PHONE }] }, "options.mapping[0].column: the file has 3 columns, numbered from 0"],
      [{ skipRows: 2, mapping: [{ column: 1, field: ImportField.PHONE }, { column: 1, field: ImportField.NOTE }] }, "options.mapping[1].column: column 1 is mapped twice"],
      [{ skipRows: 2, accounts: [" "] }, "options.accounts[0]: empty; leave the list empty for the rows' own accounts"],
      [{ skipRows: 2, defaults: { country: "XX" } }, "options.defaults.country: 'XX' is not a known ISO 3166 alpha-2 country code"],
      [{ skipRows: 2, defaults: { channel: 42 } }, "options.defaults.channel: unknown value 42"],
      [{ skipRows: 2, defaults: { note: "by phone\u0000" } }, "options.defaults.note: contains control characters (only tab, line feed and carriage return are text)"],
    ];
    for (const [opts, message] of refusals) {
      const err = await grpcError(client.call(AdminService.method.startImport, { uploadId: other, options: opts }));
      expect(err.code, message).toBe(status.INVALID_ARGUMENT);
      expect(err.details).toBe(message);
    }
    expect((await grpcError(client.call(AdminService.method.startImport, { uploadId: "f00" }))).code).toBe(status.NOT_FOUND);
    expect(sidecar.list.store.entryCount()).toBe(before);
  });

  it("an import resumed with skip_rows past the header maps the columns by the file's header, and a data row is never taken for a header", async () => {
    const path = join(dir.path, "resume.csv");
    const rows = [0, 1, 2, 3, 4, 5].map((i) => `${phone(9000 + i)},email,tenant-r,row ${i + 2}`);
    writeFileSync(path, `phone,channel,account,note\n${rows.join("\n")}\n`);
    const analysis = await client.call(AdminService.method.analyzeImport, { uploadId: await upload(client, path), options: { skipRows: 4 } });
    // has_header keeps ImportOptions' meaning (the first row after the skipped ones): passed on to StartImport, it eats no row.
    expect(analysis).toMatchObject({ hasHeader: false, header: ["phone", "channel", "account", "note"] });
    expect(analysis.preview.map((r) => Number(r.rowNumber))).toEqual([5, 6, 7]);
    // has_header passed back as AnalyzeImport gave it changes nothing: the header above the skipped rows still names the columns.
    const job = await runImport(client, await upload(client, path), { skipRows: 4, hasHeader: false });
    expect(job.counts).toMatchObject({ rowsRead: 3n, added: 0n, rejected: 3n });
    // 'email' reads as a channel column's value, not a header name: phones on CHANNEL_EMAIL are refused, each by its row.
    const report = await client.call(AdminService.method.getImportReport, { jobId: job.jobId });
    expect(report.rejected.map((r) => Number(r.rowNumber))).toEqual([5, 6, 7]);
    const withSms = join(dir.path, "resume-sms.csv");
    writeFileSync(withSms, `phone,channel,account,note\n${rows.map((r) => r.replace(",email,", ",sms,")).join("\n")}\n`);
    const resumed = await runImport(client, await upload(client, withSms), { skipRows: 4 });
    expect(resumed.counts).toMatchObject({ rowsRead: 3n, added: 3n, rejected: 0n });
    const stored = await client.call(AdminService.method.getContact, { contact: phone(9005) });
    expect(stored.entries).toEqual([expect.objectContaining({ channel: Channel.SMS, account: "tenant-r", note: "row 7" })]);
    // Without a header, a first row that holds a contact is data, whatever its other cells say.
    const headerless = join(dir.path, "headerless.csv");
    writeFileSync(headerless, `${phone(9100)},email\njane.resume@example.com,email\n`);
    const plain = await client.call(AdminService.method.analyzeImport, { uploadId: await upload(client, headerless) });
    expect(plain.hasHeader).toBe(false);
    expect(plain.preview.map((r) => Number(r.rowNumber))).toEqual([1, 2]);
  });

  it("a phone number kept as text with a leading apostrophe is read without it; a customer id keeps it", async () => {
    const path = join(dir.path, "apostrophes.csv");
    writeFileSync(path, "phone,customer id\n'07700 900622,'c-1\n '07700900623,\n");
    const job = await runImport(client, await upload(client, path), { defaults: { country: "GB" } });
    expect(job.counts).toMatchObject({ rowsRead: 2n, added: 3n, rejected: 0n });
    for (const contact of ["+447700900622", "+447700900623"]) expect((await client.call(AdminService.method.getContact, { contact })).entries).toHaveLength(1);
    expect((await client.call(AdminService.method.getContact, { contact: "'c-1", kind: ContactKind.CUSTOMER_ID })).entries).toHaveLength(1);
  });

  it("a row refused before it becomes an entry is in the history too, under its contact", async () => {
    const path = join(dir.path, "refused-rows.csv");
    writeFileSync(path, "phone,reason,campaign\n+447700900932,not-a-reason,\n+447700900933,opt-out,\n'07700 900935,not-a-reason,spring\n");
    const job = await runImport(client, await upload(client, path), { defaults: { country: "GB" } });
    expect(job.counts).toMatchObject({ rowsRead: 3n, added: 1n, rejected: 2n });
    // A contact the spreadsheet kept as text, national with the default country, is filed under its number, with its campaign.
    const kept = await client.call(AdminService.method.getHistory, { contact: "+447700900935" });
    expect(kept.events.map((e) => [e.action, e.entry?.campaignRef])).toEqual([[HistoryAction.REJECTED, "spring"]]);
    const { events } = await client.call(AdminService.method.getHistory, { contact: "+447700900932" });
    expect(events).toEqual([
      expect.objectContaining({ action: HistoryAction.REJECTED, actor: "env-admin-token", note: expect.stringMatching(/^import row 2: reason: 'not-a-reason' is not one of /) }),
    ]);
    expect(events[0]!.entry).toMatchObject({ contact: "+447700900932", source: Source.IMPORT });
  });

  it("a refused row's history names the channel, sender, account and the rest the row asked for", async () => {
    const path = join(dir.path, "refused-scope.csv");
    writeFileSync(path, "phone,channel,sender,account,reason,note\n+447700900941,whatsapp,ACME,tenant-q,not-a-reason,from the CRM\n+447700900942,pigeon,ACME,,stop,\n");
    const job = await runImport(client, await upload(client, path), { defaults: { sender: "fallback", note: "bulk" } });
    expect(job.counts).toMatchObject({ rowsRead: 2n, added: 0n, rejected: 2n });
    const first = await client.call(AdminService.method.getHistory, { contact: "+447700900941" });
    expect(first.events.map((e) => e.entry)).toEqual([
      expect.objectContaining({ channel: Channel.WHATSAPP, sender: "ACME", account: "tenant-q", reason: Reason.UNSPECIFIED, source: Source.IMPORT, note: "from the CRM" }),
    ]);
    // A cell the row was refused for leaves its field at the import's default; so does an empty one.
    const second = await client.call(AdminService.method.getHistory, { contact: "+447700900942" });
    expect(second.events.map((e) => e.entry)).toEqual([
      expect.objectContaining({ channel: Channel.UNSPECIFIED, sender: "ACME", account: "", reason: Reason.OPT_OUT, note: "bulk" }),
    ]);
    // Target accounts replace the rows' own: the refused row asked for each of them.
    await runImport(client, await upload(client, path), { accounts: ["tenant-1", "tenant-2"] });
    const targeted = await client.call(AdminService.method.getHistory, { contact: "+447700900941" });
    expect(targeted.events.map((e) => e.entry?.account)).toContain("tenant-1, tenant-2");
  });

  it("with the columns mapped, a first row is a header only when it names a field: a row that merely looks unlike the next is data", async () => {
    const customers = join(dir.path, "customers.txt");
    writeFileSync(customers, "alice\nC10001\nC10002\n");
    const asIds = { mapping: [{ column: 0, field: ImportField.CUSTOMER_ID }] };
    const ids = await runImport(client, await upload(client, customers), asIds);
    expect(ids).toMatchObject({ options: { hasHeader: false }, counts: { rowsRead: 3n, added: 3n, rejected: 0n } });
    expect((await client.call(AdminService.method.getContact, { contact: "alice", kind: ContactKind.CUSTOMER_ID })).entries).toHaveLength(1);

    // An address that lost its '@' is a rejected row with its number, not a header left out.
    const emails = join(dir.path, "emails.txt");
    writeFileSync(emails, "jane.example.com\nbob.first@example.com\ncarol.first@example.com\n");
    const mail = await runImport(client, await upload(client, emails), { mapping: [{ column: 0, field: ImportField.EMAIL }] });
    expect(mail).toMatchObject({ options: { hasHeader: false }, counts: { rowsRead: 3n, added: 2n, rejected: 1n } });
    expect((await client.call(AdminService.method.getImportReport, { jobId: mail.jobId })).rejected.map((r) => [Number(r.rowNumber), r.raw])).toEqual([[1, "jane.example.com"]]);

    // A header that names its field is still one.
    const named = join(dir.path, "named.txt");
    writeFileSync(named, "Customer ID\nC20001\n");
    expect(await runImport(client, await upload(client, named), asIds)).toMatchObject({ options: { hasHeader: true }, counts: { rowsRead: 1n, added: 1n } });
  });

  it("resumed past its header and committed rows, an import reads the next row as data even when it is a bad one", async () => {
    const path = join(dir.path, "resume-bad.csv");
    writeFileSync(path, "phone,note\n+447700900951,first\n12,bad\n+447700900953,third\n");
    const job = await runImport(client, await upload(client, path), { skipRows: 2 });
    expect(job).toMatchObject({ options: { hasHeader: false }, counts: { rowsRead: 2n, added: 1n, rejected: 1n } });
    expect((await client.call(AdminService.method.getImportReport, { jobId: job.jobId })).rejected.map((r) => Number(r.rowNumber))).toEqual([3]);

    // Lines skipped before a header that names its fields leave it the header.
    const preamble = join(dir.path, "preamble.csv");
    writeFileSync(preamble, "Exported by\nops@example.com\nphone,name\n+447700900955,Ann\n");
    const after = await runImport(client, await upload(client, preamble), { skipRows: 2 });
    expect(after).toMatchObject({ options: { hasHeader: true }, counts: { rowsRead: 1n, added: 1n, rejected: 0n } });
  });

  it("a completed job's upload is removed; ListImports shows the jobs newest first", async () => {
    const id = await upload(client, phoneFile("once.csv", 30_000, 3));
    const job = await runImport(client, id);
    await until(async () => (await grpcError(client.call(AdminService.method.analyzeImport, { uploadId: id }))).code === status.NOT_FOUND, "the upload to go");
    const { jobs } = await client.call(AdminService.method.listImports, {});
    expect(jobs[0]!.jobId).toBe(job.jobId);
    expect(jobs.every((j) => j.state !== ImportState.RUNNING)).toBe(true);
  });

  it("posts the completion event to a webhook", async () => {
    const received: HistoryEvent[] = [];
    const server = createServer((req, res) => {
      let body = "";
      req.on("data", (c: Buffer) => (body += c.toString()));
      req.on("end", () => {
        received.push(fromJsonString(HistoryEventSchema, body));
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
      await client.call(AdminService.method.createWebhook, { url });
      const job = await runImport(client, await upload(client, phoneFile("hooked.csv", 40_000, 2)));
      await until(() => received.some((e) => e.action === HistoryAction.IMPORT_FINISHED), "the webhook's completion event");
      expect(received.map((e) => e.action)).toEqual([HistoryAction.ADDED, HistoryAction.ADDED, HistoryAction.IMPORT_FINISHED]);
      expect(received[2]!.importJob).toMatchObject({ jobId: job.jobId, fileName: "hooked.csv", state: ImportState.COMPLETED });
      for (const hook of (await client.call(AdminService.method.listWebhooks, {})).webhooks) await client.call(AdminService.method.deleteWebhook, { id: hook.id });
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it("cancels after the batch in flight: the list holds exactly the committed batches", async () => {
    const rows = 60_000;
    const before = sidecar.list.store.entryCount();
    const { job } = await client.call(AdminService.method.startImport, { uploadId: await upload(client, phoneFile("cancel.csv", 100_000, rows)) });
    const watch = serverStream(client, AdminService.method.watchImport, { jobId: job!.jobId }, md);
    await until(() => watch.received.some((r) => r.job!.counts!.rowsRead >= BigInt(2 * BATCH)), "two batches");
    const { job: cancelled } = await client.call(AdminService.method.cancelImport, { jobId: job!.jobId });
    await watch.finished();
    expect(cancelled!.state).toBe(ImportState.CANCELLED);
    expect(cancelled!.error).toBe(`cancelled; rows 1 to ${cancelled!.committedRows} were imported`);
    // Batches are of file rows: the first holds the header and 999 data rows.
    const read = Number(cancelled!.counts!.rowsRead);
    expect(read).toBeLessThan(rows);
    expect(Number(cancelled!.committedRows) % BATCH).toBe(0);
    expect(cancelled!.committedRows).toBe(BigInt(read + 1));
    expect(sidecar.list.store.entryCount() - before).toBe(read);
    expect(watch.received.at(-1)!.job!.state).toBe(ImportState.CANCELLED);
    const again = await grpcError(client.call(AdminService.method.cancelImport, { jobId: job!.jobId }));
    expect(again.code).toBe(status.FAILED_PRECONDITION);
    expect(again.details).toBe("the import job is not running: it is CANCELLED");
  });

  it("runs at most four imports, however many starts come together", async () => {
    const file = phoneFile("many.csv", 300_000, 60_000);
    const uploads = await Promise.all(Array.from({ length: 10 }, () => upload(client, file)));
    const starts = await Promise.allSettled(uploads.map((uploadId) => client.call(AdminService.method.startImport, { uploadId })));
    const started = starts.flatMap((s) => (s.status === "fulfilled" ? [s.value.job!.jobId] : []));
    const refused = await Promise.all(starts.flatMap((s) => (s.status === "rejected" ? [grpcError(Promise.reject(s.reason))] : [])));
    // Each start took its place before its file was looked at: without that, all ten passed the check together.
    expect(started).toHaveLength(4);
    expect(refused.map((e) => [e.code, e.details])).toEqual(
      Array.from({ length: 6 }, () => [status.RESOURCE_EXHAUSTED, "4 imports are running; start this one when one of them ends"]),
    );
    for (const jobId of started) await client.call(AdminService.method.cancelImport, { jobId });
    await until(async () => (await client.call(AdminService.method.listImports, {})).jobs.every((j) => j.state !== ImportState.RUNNING), "the jobs' ends");
  });

  it("a stop while a job runs leaves it INTERRUPTED, with the list holding exactly its committed batches, after the restart", async () => {
    const before = sidecar.list.store.entryCount();
    const { job } = await client.call(AdminService.method.startImport, { uploadId: await upload(client, phoneFile("stopped.csv", 200_000, 60_000)) });
    await until(() => sidecar.list.store.entryCount() - before >= 2 * BATCH, "two batches");
    client.close();
    await sidecar.stop(1000);
    sidecar = await Sidecar.start(options());
    client = new GrpcClient(`127.0.0.1:${sidecar.grpcPort}`, { token: TOKEN });
    const after = (await client.call(AdminService.method.getImportReport, { jobId: job!.jobId })).job!;
    expect(after.state).toBe(ImportState.INTERRUPTED);
    expect(after.error).toBe(`the sidecar stopped while the job ran; rows 1 to ${after.committedRows} were imported`);
    const read = Number(after.counts!.rowsRead);
    expect(Number(after.committedRows) % BATCH).toBe(0);
    expect(sidecar.list.store.entryCount() - before).toBe(read);
    expect(after.committedRows).toBe(BigInt(read + 1));
    // The upload is kept: the rest can be imported by skipping the committed rows.
    const rest = await runImport(client, after.uploadId, { mapping: after.options!.mapping, skipRows: Number(after.committedRows), hasHeader: false });
    expect(rest.counts).toMatchObject({ rowsRead: BigInt(60_000 - read), added: BigInt(60_000 - read), repeated: 0n });
  });
});
