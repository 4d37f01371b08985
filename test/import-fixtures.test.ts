// Every import fixture, made by other programs (LibreOffice, zip, iconv,
// printf: test/fixtures/import/sources/make-fixtures.sh), through a real
// sidecar over gRPC: uploaded in chunks, analyzed (format, encoding,
// delimiter, header, suggested mapping, the dry run), imported, and checked
// against the list. The bad files are refused with a clear reason before
// anything is written, or their bad rows are rejected one by one.

import { status } from "@grpc/grpc-js";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AdminService } from "../sidecar/gen/dnc/v1/admin_service_pb.js";
import { ImportField, ImportState } from "../sidecar/gen/dnc/v1/import_pb.js";
import { Channel, ContactKind, Reason, Source } from "../sidecar/gen/dnc/v1/types_pb.js";
import { GrpcClient } from "../sidecar/grpc/grpc-client.js";
import type { Sidecar } from "../sidecar/sidecar.js";
import { grpcError } from "./support/grpc-error.js";
import { FIXTURES, runImport, upload } from "./support/import-client.js";
import { tempDir } from "./support/temp-dir.js";
import { startLoopbackSidecar } from "./support/test-sidecar.js";

const TOKEN = "import-fixtures-admin-token";

const counts = (rowsRead: number, added: number, repeated: number, rejected: number) => ({
  rowsRead: BigInt(rowsRead),
  added: BigInt(added),
  repeated: BigInt(repeated),
  rejected: BigInt(rejected),
});

/** Where a zip member's data and CRC-32 fields are: its local header, then its entry in the central directory. */
function zipMember(zip: Buffer, name: string): { dataStart: number; compressedSize: number; localCrcAt: number; centralCrcAt: number; centralSizeAt: number } {
  const central = zip.indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]));
  for (let at = central; at >= 0 && zip.readUInt32LE(at) === 0x02014b50; at += 46 + zip.readUInt16LE(at + 28) + zip.readUInt16LE(at + 30) + zip.readUInt16LE(at + 32)) {
    if (zip.toString("utf8", at + 46, at + 46 + zip.readUInt16LE(at + 28)) !== name) continue;
    const local = zip.readUInt32LE(at + 42);
    return {
      dataStart: local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28),
      compressedSize: zip.readUInt32LE(at + 20),
      localCrcAt: local + 14,
      centralCrcAt: at + 16,
      centralSizeAt: at + 24,
    };
  }
  throw new Error(`no member ${name}`);
}

describe("import fixtures", () => {
  const dir = tempDir();
  let sidecar: Sidecar;
  let client: GrpcClient;

  beforeAll(async () => {
    sidecar = await startLoopbackSidecar(dir.path, TOKEN);
    client = new GrpcClient(`127.0.0.1:${sidecar.grpcPort}`, { token: TOKEN });
  });

  afterAll(async () => {
    client.close();
    await sidecar.stop(1000);
    dir.remove();
  });

  const fixture = (name: string) => upload(client, join(FIXTURES, name), name, 1024);
  const analyze = (uploadId: string, options = {}, validateAll = true) => client.call(AdminService.method.analyzeImport, { uploadId, options, validateAll });
  const rejectedRows = async (jobId: string) =>
    (await client.call(AdminService.method.getImportReport, { jobId })).rejected.map((r) => [Number(r.rowNumber), r.reason, r.raw]);
  const entriesOf = async (contact: string) => (await client.call(AdminService.method.getContact, { contact })).entries;

  it("an .xlsx saved by LibreOffice: header names mapped, enum names read loosely, bad rows rejected with their reason", async () => {
    const id = await fixture("libreoffice-contacts.xlsx");
    const a = await analyze(id);
    expect(a).toMatchObject({ format: "xlsx", hasHeader: true, sheets: ["libreoffice-contacts"], ignoredFiles: [], warnings: [] });
    expect(a.header).toEqual(["Contact", "Channel", "Sender", "Reason", "Campaign", "Note"]);
    expect(a.suggestedMapping.map((m) => [m.column, m.field])).toEqual([
      [0, ImportField.CONTACT],
      [1, ImportField.CHANNEL],
      [2, ImportField.SENDER],
      [3, ImportField.REASON],
      [4, ImportField.CAMPAIGN_REF],
      [5, ImportField.NOTE],
    ]);
    expect(a.preview).toHaveLength(13);
    // LibreOffice stored "+447700900105" as the number 447700900105.
    expect(a.preview[12]!.cells[0]).toBe("447700900105");
    expect(a.dryRun).toMatchObject(counts(13, 9, 1, 3));
    const job = await runImport(client, id);
    expect(job).toMatchObject({ state: ImportState.COMPLETED, counts: counts(13, 9, 1, 3), committedRows: 14n, format: "xlsx" });
    expect(await rejectedRows(job.jobId)).toEqual([
      [8, "contact is not a possible phone number for its country calling code", "12345,sms,ACME,opt-out"],
      [9, "channel: 'pigeon' is not one of sms, mms, rcs, viber, whatsapp, email, voice, all", "+44 7700 900104,pigeon,ACME,opt-out"],
      [11, "contact is not a valid email address", "not-an-email@,email"],
    ]);
    expect(await entriesOf("+44 7700 900102")).toMatchObject([
      { contact: "447700900102", channel: Channel.SMS, sender: "ACME", reason: Reason.OPT_OUT, source: Source.IMPORT, campaignRef: "spring-2026", addedBy: "env-admin-token" },
    ]);
    expect(await entriesOf("jane.doe@example.com")).toMatchObject([{ channel: Channel.EMAIL, sender: "news@example.com", reason: Reason.HARD_BOUNCE }]);
    expect(await entriesOf("+447700900105")).toMatchObject([{ channel: Channel.MMS }]);
  });

  it("an .xlsx saved by LibreOffice with numbers in number formats: read as the formats show them, leading zero and plus kept", async () => {
    const id = await fixture("phone-formats.xlsx");
    const options = { defaults: { country: "IT" } };
    const a = await analyze(id, options);
    expect(a.preview.map((r) => r.cells[0])).toEqual(["0612345678", "3123456789", "+390612345678"]);
    expect(a.dryRun).toMatchObject(counts(3, 2, 1, 0));
    const job = await runImport(client, id, options);
    expect(job).toMatchObject({ state: ImportState.COMPLETED, counts: counts(3, 2, 1, 0) });
    // Without its format, 612345678 reads as +39 612345678: another number, and Rome's stays allowed.
    expect(await entriesOf("+390612345678")).toHaveLength(1);
    expect(await entriesOf("+39612345678")).toEqual([]);
    expect(await entriesOf("+393123456789")).toHaveLength(1);
  });

  it("an .xlsx with formulas (their saved results) and merged cells (the covered cells empty); a sheet by name", async () => {
    const id = await fixture("formulas-merged.xlsx");
    const a = await analyze(id);
    expect(a.sheets).toEqual(["Opt-outs", "Archive"]);
    expect(a.preview.map((r) => r.cells[0])).toEqual(["+44 7700 900201", "+44 7700 900202", "+44 7700 900202", "447700900203", "Totals", "#ERROR"]);
    expect(a.dryRun).toMatchObject(counts(6, 3, 1, 2));
    const job = await runImport(client, id);
    expect(job.counts).toMatchObject(counts(6, 3, 1, 2));
    expect((await rejectedRows(job.jobId)).map((r) => r.slice(0, 1).concat(r.slice(2)))).toEqual([
      [6, "Totals"],
      [7, "#ERROR,sms,opt-out"],
    ]);
    expect(await entriesOf("+44 7700 900201")).toMatchObject([{ channel: Channel.SMS }]);
    // B3 lies under the merged B2:B4: empty, so the default (all channels) applies.
    expect(await entriesOf("+44 7700 900202")).toMatchObject([{ channel: Channel.UNSPECIFIED }]);
    expect(await entriesOf("+447700900203")).toMatchObject([{ channel: Channel.VOICE, reason: Reason.LIST_CLEANUP }]);

    const archive = await analyze(await fixture("formulas-merged.xlsx"), { sheet: "Archive" });
    expect(archive).toMatchObject({ hasHeader: true, header: ["Email"], dryRun: counts(2, 2, 0, 0) });
    const missing = await grpcError(analyze(await fixture("formulas-merged.xlsx"), { sheet: "Nope" }));
    expect(missing.code).toBe(status.INVALID_ARGUMENT);
    expect(missing.details).toBe("options.sheet: no sheet named 'Nope'; the workbook has 'Opt-outs', 'Archive'");
  });

  it("a CSV as a spreadsheet saves it: BOM, semicolons, CRLF, quoted delimiters, line breaks and quotes", async () => {
    const id = await fixture("spreadsheet-semicolon-bom.csv");
    const a = await analyze(id);
    expect(a).toMatchObject({ format: "csv", encoding: "utf-8-bom", delimiter: ";", hasHeader: true });
    expect(a.header).toEqual(["E-mail", "Mobile number", "Customer ID", "Channel", "Note"]);
    expect(a.suggestedMapping.map((m) => m.field)).toEqual([
      ImportField.EMAIL,
      ImportField.PHONE,
      ImportField.CUSTOMER_ID,
      ImportField.CHANNEL,
      ImportField.NOTE,
    ]);
    expect(a.preview.map((r) => Number(r.rowNumber))).toEqual([2, 3, 4, 5, 6, 8, 9]);
    expect(a.preview[1]!.cells[4]).toBe("asked twice; very upset");
    expect(a.preview[2]!.cells[4]).toBe("called on\r\nMonday");
    // Row 4 holds a phone and a customer id: two entries.
    expect(a.dryRun).toMatchObject(counts(7, 6, 0, 2));
    const job = await runImport(client, id);
    expect(job.counts).toMatchObject(counts(7, 6, 0, 2));
    expect(await rejectedRows(job.jobId)).toEqual([
      [8, "channel: 'fax' is not one of sms, mms, rcs, viber, whatsapp, email, voice, all", ";+44 7700 900303;;fax;"],
      [9, "contact is a national phone number and no default country was given", ";0770 0900 304;;sms;national, no country"],
    ]);
    expect(await entriesOf("bjorn@exämple.no")).toMatchObject([{ contact: "bjorn@xn--exmple-cua.no", channel: Channel.EMAIL, note: 'said "stop"' }]);
    expect((await client.call(AdminService.method.getContact, { contact: "C-1002", kind: ContactKind.CUSTOMER_ID })).entries).toMatchObject([{ kind: ContactKind.CUSTOMER_ID, channel: Channel.SMS, note: "called on\r\nMonday" }]);
  });

  it("a .txt of bare national numbers, with the country given (and without it, every one rejected)", async () => {
    const id = await fixture("national-numbers.txt");
    const without = await analyze(id);
    expect(without).toMatchObject({ format: "txt", encoding: "utf-8", delimiter: "", hasHeader: false, dryRun: counts(8, 0, 0, 8) });
    expect(without.suggestedMapping.map((m) => [m.column, m.field])).toEqual([[0, ImportField.CONTACT]]);
    expect(without.rejectedSample[0]?.reason).toBe("contact is a national phone number and no default country was given");
    const options = { defaults: { country: "GB" } };
    expect((await analyze(id, options)).dryRun).toMatchObject(counts(8, 6, 1, 1));
    const job = await runImport(client, id, options);
    expect(job.counts).toMatchObject(counts(8, 6, 1, 1));
    expect(await rejectedRows(job.jobId)).toEqual([[7, "contact is not a possible phone number for its country calling code", "12"]]);
    expect(await entriesOf("+44 7700 900403")).toMatchObject([{ contact: "447700900403", source: Source.IMPORT }]);
  });

  it("a zip holding two files: the first is read, the other named as ignored", async () => {
    const id = await fixture("two-files.zip");
    const a = await analyze(id);
    expect(a).toMatchObject({ format: "zip/csv", ignoredFiles: ["second.txt"], header: ["phone", "channel"], dryRun: counts(3, 2, 0, 1) });
    const job = await runImport(client, id);
    expect(job).toMatchObject({ counts: counts(3, 2, 0, 1), ignoredFiles: ["second.txt"] });
    expect(await rejectedRows(job.jobId)).toEqual([[4, "channel: a phone number cannot be blocked on CHANNEL_EMAIL", "+44 7700 900503,email"]]);
  });

  it("a zip whose file is stored, not deflated, analysed (a preview stops early) and imported", async () => {
    const id = await fixture("stored.zip");
    expect(await analyze(id, {}, false)).toMatchObject({ format: "zip/csv", header: ["phone"] });
    expect((await analyze(id)).dryRun).toMatchObject(counts(2000, 2000, 0, 0));
    const job = await runImport(client, id);
    expect(job.counts).toMatchObject(counts(2000, 2000, 0, 0));
    expect(await entriesOf("+44 7700 911999")).toMatchObject([{ contact: "447700911999", source: Source.IMPORT }]);
  });

  it("a workbook inside a zip", async () => {
    const id = await fixture("xlsx-in.zip");
    expect(await analyze(id)).toMatchObject({ format: "zip/xlsx", sheets: ["libreoffice-contacts"], ignoredFiles: [], dryRun: counts(13, 0, 10, 3) });
  });

  it("UTF-16 with a BOM, little- and big-endian", async () => {
    for (const [name, encoding, contact] of [
      ["utf16le-bom.csv", "utf-16le", "447700900601"],
      ["utf16be-bom.csv", "utf-16be", "447700900701"],
    ] as const) {
      const id = await fixture(name);
      expect(await analyze(id)).toMatchObject({ encoding, delimiter: ",", header: ["phone", "channel"], dryRun: counts(2, 2, 0, 0) });
      expect((await runImport(client, id)).counts).toMatchObject(counts(2, 2, 0, 0));
      expect(await entriesOf(`+${contact}`)).toMatchObject([{ contact, channel: Channel.SMS }]);
    }
  });

  it("Latin-1 bytes read as UTF-8: a warning, and the rows holding them rejected, never stored garbled", async () => {
    const id = await fixture("latin1.csv");
    const a = await analyze(id);
    expect(a.warnings).toEqual([
      "the file has bytes that are not UTF-8 (is it Latin-1 or Windows-1252?): rows holding them are rejected; save the file as UTF-8 to import them",
    ]);
    const job = await runImport(client, id);
    expect(job.counts).toMatchObject(counts(3, 1, 0, 2));
    const rejected = await rejectedRows(job.jobId);
    expect(rejected.map((r) => r[0])).toEqual([2, 4]);
    expect(rejected[0]![1]).toMatch(/not valid UTF-8/);
    expect(await entriesOf("jose@example.com")).toEqual([]);
    expect(await entriesOf("renee@example.com")).toHaveLength(1);
  });

  it("refuses a truncated zip, binary garbage, a zip bomb, a workbook missing shared strings and an empty file, naming why", async () => {
    const before = sidecar.list.store.entryCount();
    const truncated = await grpcError(analyze(await fixture("truncated.zip")));
    expect(truncated.code).toBe(status.INVALID_ARGUMENT);
    expect(truncated.details).toMatch(/^upload_id: 'truncated\.zip' is not a readable zip archive \(truncated or damaged\?\)/);
    const garbage = await grpcError(analyze(await fixture("garbage.csv")));
    expect(garbage.code).toBe(status.INVALID_ARGUMENT);
    expect(garbage.details).toBe("upload_id: 'garbage.csv' is not text (binary data in its first bytes): a .csv or .txt must be UTF-8 or UTF-16 text");
    const bombId = await fixture("bomb.zip");
    // One call at a time: a second call made up front could fail before anything awaits it.
    for (const call of [() => analyze(bombId), () => client.call(AdminService.method.startImport, { uploadId: bombId })]) {
      const bomb = await grpcError(call());
      expect(bomb.code).toBe(status.RESOURCE_EXHAUSTED);
      expect(bomb.details).toBe("'zeros.csv' in 'bomb.zip' is compressed 1030:1, over the limit of 100:1 (a zip bomb?)");
    }
    const cut = await grpcError(analyze(await fixture("missing-shared-string.xlsx")));
    expect(cut.code).toBe(status.INVALID_ARGUMENT);
    expect(cut.details).toMatch(/^upload_id: the workbook could not be read: the workbook names shared string \d+, which it does not hold$/);
    const empty = await grpcError(fixture("empty.csv"));
    expect(empty.code).toBe(status.INVALID_ARGUMENT);
    expect(empty.details).toBe("chunk: the file is empty: there is nothing to import");
    const renamed = await grpcError(analyze(await upload(client, join(FIXTURES, "two-files.zip"), "list.csv")));
    expect(renamed.details).toBe("upload_id: 'list.csv' is a zip archive or an .xlsx workbook, not text: name it .zip or .xlsx");
    const pdf = await grpcError(upload(client, join(FIXTURES, "garbage.csv"), "list.pdf"));
    expect(pdf.details).toBe("file_name: 'list.pdf': import reads .csv, .tsv, .txt, .xlsx, .zip files");
    expect(sidecar.list.store.entryCount()).toBe(before);
  });

  it("refuses a workbook whose sheet's compressed data or CRC is damaged, naming the part, before any write", async () => {
    const before = sidecar.list.store.entryCount();
    const workbook = readFileSync(join(FIXTURES, "libreoffice-contacts.xlsx"));
    const sheet = zipMember(workbook, "xl/worksheets/sheet1.xml");
    const garbled = Buffer.from(workbook);
    garbled.fill(0xff, sheet.dataStart + (sheet.compressedSize >> 2), sheet.dataStart + (sheet.compressedSize >> 2) + 64);
    // The same contents under another checksum, in the local header and in the central directory.
    const misdated = Buffer.from(workbook);
    for (const at of [sheet.localCrcAt, sheet.centralCrcAt]) misdated.writeUInt32LE((misdated.readUInt32LE(at) ^ 0x5a5a5a5a) >>> 0, at);
    for (const [name, bytes, reason] of [
      ["garbled.xlsx", garbled, /^upload_id: 'xl\/worksheets\/sheet1\.xml' in 'garbled\.xlsx' is damaged: .+/],
      ["misdated.xlsx", misdated, /^upload_id: 'xl\/worksheets\/sheet1\.xml' in 'misdated\.xlsx' is damaged: its contents do not match their CRC-32$/],
    ] as const) {
      writeFileSync(join(dir.path, name), bytes);
      const uploadId = await upload(client, join(dir.path, name));
      // exceljs, handed such a sheet, waited for ever: each call would time out rather than fail.
      for (const call of [() => analyze(uploadId), () => client.call(AdminService.method.startImport, { uploadId })]) {
        const refused = await grpcError(call());
        expect(refused.code).toBe(status.INVALID_ARGUMENT);
        expect(refused.details).toMatch(reason);
      }
    }
    expect(sidecar.list.store.entryCount()).toBe(before);
  });

  it("refuses a zip whose file's compressed data is damaged as the caller's error, naming the file", async () => {
    const before = sidecar.list.store.entryCount();
    for (const [fixtureName, member] of [
      ["two-files.zip", "first.csv"],
      ["xlsx-in.zip", "libreoffice-contacts.xlsx"],
    ] as const) {
      const zip = readFileSync(join(FIXTURES, fixtureName));
      const at = zipMember(zip, member);
      zip.fill(0xff, at.dataStart + 8, at.dataStart + 24);
      const name = `damaged-${fixtureName}`;
      writeFileSync(join(dir.path, name), zip);
      const refused = await grpcError(analyze(await upload(client, join(dir.path, name))));
      expect(refused.code).toBe(status.INVALID_ARGUMENT);
      expect(refused.details).toMatch(new RegExp(`^upload_id: '${member.replace(".", "\\.")}' in '${name.replace(".", "\\.")}' is damaged: .+`));
    }
    expect(sidecar.list.store.entryCount()).toBe(before);
  });

  it("refuses a zip whose file holds more or fewer bytes than its directory declares, naming the file", async () => {
    const before = sidecar.list.store.entryCount();
    for (const [declared, reason] of [
      [40, "it holds more than the 40 bytes it declares"],
      [100, "it ends after 78 of the 100 bytes it declares"],
    ] as const) {
      const zip = readFileSync(join(FIXTURES, "two-files.zip"));
      zip.writeUInt32LE(declared, zipMember(zip, "first.csv").centralSizeAt);
      const name = `declares-${declared}.zip`;
      writeFileSync(join(dir.path, name), zip);
      const refused = await grpcError(analyze(await upload(client, join(dir.path, name))));
      expect(refused.code).toBe(status.INVALID_ARGUMENT);
      expect(refused.details).toBe(`upload_id: 'first.csv' in '${name}' is damaged: ${reason}`);
    }
    expect(sidecar.list.store.entryCount()).toBe(before);
  });

  it("a file with only a header analyzes, and does not start: the dry run says so as the start does", async () => {
    const id = await fixture("header-only.csv");
    expect(await analyze(id, {}, false)).toMatchObject({ hasHeader: true, header: ["phone", "channel", "reason"], preview: [] });
    for (const refused of [grpcError(analyze(id)), grpcError(client.call(AdminService.method.startImport, { uploadId: id }))]) {
      expect((await refused).code).toBe(status.INVALID_ARGUMENT);
      expect((await refused).details).toBe("upload_id: the file holds a header row and no data rows");
    }
    const skippedAll = await grpcError(client.call(AdminService.method.startImport, { uploadId: await fixture("national-numbers.txt"), options: { skipRows: 1000 } }));
    expect(skippedAll.details).toBe("upload_id: the file holds no rows to import");
  });

  it("a data row after more blank lines than the preview looks through is imported, as the dry run says", async () => {
    const gap = join(dir.path, "blank-gap.csv");
    writeFileSync(gap, `phone\n${"\n".repeat(30_000)}+44 7700 900811\n`);
    const id = await upload(client, gap);
    expect((await analyze(id)).dryRun).toMatchObject(counts(1, 1, 0, 0));
    const job = await runImport(client, id);
    expect(job.counts).toMatchObject(counts(1, 1, 0, 0));
  });

  it("rows with 10 KB cells are rejected for what they hold; a row over the length limit stops the import before any write", async () => {
    const big = join(dir.path, "big-cells.csv");
    writeFileSync(big, `contact,note\n${"7".repeat(10_240)},x\n+44 7700 900801,${"n".repeat(10_240)}\n+44 7700 900802,fine\n`);
    const job = await runImport(client, await upload(client, big));
    expect(job.counts).toMatchObject(counts(3, 1, 0, 2));
    expect((await rejectedRows(job.jobId)).map((r) => [r[0], r[1], (r[2] as string).length])).toEqual([
      [2, "contact is longer than 576 bytes", 1000],
      [3, "note: longer than 500 characters", 1000],
    ]);

    const before = sidecar.list.store.entryCount();
    const rows = Array.from({ length: 25_000 }, (_, i) => `+44 7700 ${String(910_000 + i)}`);
    const long = join(dir.path, "long-row.csv");
    writeFileSync(long, `phone,note\n${rows.join("\n")}\n+44 7700 900803,${"n".repeat(70_000)}\n`);
    const tooLong = await grpcError(client.call(AdminService.method.startImport, { uploadId: await upload(client, long) }));
    expect(tooLong.code).toBe(status.RESOURCE_EXHAUSTED);
    expect(tooLong.details).toBe("row 25002 is longer than 65536 characters (a quote that is never closed?): nothing was imported");
    const unclosed = join(dir.path, "unclosed-quote.csv");
    writeFileSync(unclosed, `phone,note\n+44 7700 900804,"opens\n${rows.join("\n")}\n`);
    const quote = await grpcError(client.call(AdminService.method.startImport, { uploadId: await upload(client, unclosed) }));
    expect(quote.details).toBe("row 2 is longer than 65536 characters (a quote that is never closed?): nothing was imported");
    expect(sidecar.list.store.entryCount()).toBe(before);
  });
});

describe("import limits", () => {
  const dir = tempDir();
  let sidecar: Sidecar;
  let client: GrpcClient;

  beforeAll(async () => {
    sidecar = await startLoopbackSidecar(dir.path, TOKEN, { imports: { maxFileBytes: 4000, maxUnzippedBytes: 50 } });
    client = new GrpcClient(`127.0.0.1:${sidecar.grpcPort}`, { token: TOKEN });
  });

  afterAll(async () => {
    client.close();
    await sidecar.stop(1000);
    dir.remove();
  });

  it("refuses an upload over the size limit while it streams, keeping nothing of it", async () => {
    const file = join(dir.path, "over.csv");
    writeFileSync(file, `phone\n${"+44 7700 900900\n".repeat(400)}`);
    const err = await grpcError(upload(client, file, "over.csv", 512));
    expect(err.code).toBe(status.RESOURCE_EXHAUSTED);
    expect(err.details).toBe("the file is larger than the import limit of 4000 bytes");
    const { readdirSync } = await import("node:fs");
    expect(readdirSync(join(dir.path, "uploads"))).toEqual([]);
  });

  it("holds a zip's entry to the uncompressed size limit", async () => {
    const err = await grpcError(client.call(AdminService.method.analyzeImport, { uploadId: await upload(client, join(FIXTURES, "two-files.zip")) }));
    expect(err.code).toBe(status.RESOURCE_EXHAUSTED);
    expect(err.details).toBe("'first.csv' in 'two-files.zip' unpacks to 78 bytes, over the limit of 50");
  });
});
