// Export → import into an empty store → identical entries, as CSV and as
// XLSX, through the public API only: ExportEntries on one sidecar, then
// UploadImportFile, StartImport and WatchImport on a second one with a fresh
// data dir. added_at and added_by are the importer's (the import sets them,
// as every add does); everything else must come back as it was, cells that
// the export neutralised against formulas included.

import { Metadata } from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AdminService, type UploadImportFileResponse } from "../sidecar/gen/dnc/v1/admin_service_pb.js";
import { ExportFormat } from "../sidecar/gen/dnc/v1/export_pb.js";
import { ImportField, ImportState, type ImportJob } from "../sidecar/gen/dnc/v1/import_pb.js";
import type { CountryCode } from "libphonenumber-js";
import { Channel, Reason, Source, type Entry } from "../sidecar/gen/dnc/v1/types_pb.js";
import { GrpcClient } from "../sidecar/grpc/grpc-client.js";
import type { Sidecar } from "../sidecar/sidecar.js";
import { tempDir } from "./support/temp-dir.js";
import { startTestSidecar } from "./support/test-sidecar.js";

const TOKEN = "test-admin-token-round-trip";
const md = new Metadata();
md.set("authorization", `Bearer ${TOKEN}`);

/** Phones and emails (the import tells them apart by '@'), each with a source, since an empty one imports as IMPORT. */
const ENTRIES = [
  { contact: "+447700900001", channel: Channel.SMS, sender: "ACME", account: "acc-1", source: Source.URL_OPT_OUT, reason: Reason.OPT_OUT, campaignRef: "spring", note: 'said "stop", twice' },
  { contact: "+447700900002", source: Source.API, reason: Reason.SPAM_COMPLAINT, campaignRef: "+cmd", note: '=HYPERLINK("http://evil.example/","click")' },
  { contact: "jane@example.com", channel: Channel.EMAIL, sender: "news@example.com", source: Source.EMAIL_SERVER, campaignRef: "@SUM(A1)", note: "-2+3" },
  { contact: "+447700900003", channel: Channel.VOICE, sender: "ACME", source: Source.MANUAL, note: "\tstarts with a tab" },
  { contact: "+447700900004", channel: Channel.WHATSAPP, account: "acc-2", source: Source.MO_KEYWORD, reason: Reason.HARD_BOUNCE, note: "'=already quoted" },
  { contact: "+15417543010", channel: Channel.RCS, account: "acc-2", source: Source.CAMPAIGN, reason: Reason.SUPPORT_REQUEST, note: "Ünïcödé ✓, line\nbreak" },
  // Read back under a German default, bare digits would be German numbers, or refused as ambiguous.
  { contact: "+442079460958", source: Source.API, note: "lone\rCR, CRLF\r\nand \rthe rest" },
  { contact: "+12015550123", source: Source.API, note: "  spaced, and ending in a line feed\n" },
  { contact: "+12015550124", source: Source.API, note: "   " },
  { contact: "+33612345678", source: Source.API, sender: "_x0041_", note: "\rCR first; _x005F_x0041_ as typed" },
  // Text that reads as an XML entity, which a workbook reader could decode once too often; an address that starts as a spreadsheet marks text.
  { contact: "+33612345679", source: Source.API, sender: "AT&amp;T", account: "R&lt;D", campaignRef: "x&quot;y", note: "&apos; &gt; &amp;amp; & AT&T" },
  { contact: "'1abc@example.com", channel: Channel.EMAIL, source: Source.API },
  ...Array.from({ length: 2000 }, (_, i) => ({ contact: `+4479${String(i).padStart(8, "0")}`, channel: Channel.MMS, source: Source.IMPORT, reason: Reason.LIST_CLEANUP })),
];

/** The export's columns: contact, kind, channel, sender, account, source, reason, campaign_ref, added_at, added_by, note. */
const MAPPING = [
  { column: 0, field: ImportField.CONTACT },
  { column: 2, field: ImportField.CHANNEL },
  { column: 3, field: ImportField.SENDER },
  { column: 4, field: ImportField.ACCOUNT },
  { column: 5, field: ImportField.SOURCE },
  { column: 6, field: ImportField.REASON },
  { column: 7, field: ImportField.CAMPAIGN_REF },
  { column: 10, field: ImportField.NOTE },
];

function start(dir: string, defaultCountry?: CountryCode): Promise<{ sidecar: Sidecar; client: GrpcClient }> {
  return startTestSidecar(dir, TOKEN, { maxBatch: 10_000, defaultCountry });
}

function upload(client: GrpcClient, fileName: string, bytes: Buffer): Promise<UploadImportFileResponse> {
  const requests = (async function* () {
    for (let at = 0; at < bytes.length; at += 64 * 1024) yield { fileName: at === 0 ? fileName : "", chunk: bytes.subarray(at, at + 64 * 1024) };
  })();
  return client.clientStream(AdminService.method.uploadImportFile, requests, md);
}

async function allEntries(client: GrpcClient): Promise<Entry[]> {
  const entries: Entry[] = [];
  let pageToken = "";
  do {
    const page = await client.call(AdminService.method.listEntries, { pageSize: 1000, pageToken }, md);
    entries.push(...page.entries);
    pageToken = page.nextPageToken;
  } while (pageToken !== "");
  return entries;
}

/** An entry without what the sidecar sets at each add, in a comparable order. */
const comparable = (entries: Entry[]) =>
  entries
    .map(({ addedAt: _at, addedBy: _by, ...rest }) => rest)
    .sort((a, b) => (`${a.contact}/${a.channel}/${a.sender}/${a.account}` < `${b.contact}/${b.channel}/${b.sender}/${b.account}` ? -1 : 1));

describe("export, then import into an empty store", () => {
  const sourceDir = tempDir();
  let source: { sidecar: Sidecar; client: GrpcClient };
  let original: Entry[];

  beforeAll(async () => {
    source = await start(sourceDir.path);
    const added = await source.client.call(AdminService.method.addEntries, { entries: ENTRIES }, md);
    expect(added.rejected).toEqual([]);
    original = await allEntries(source.client);
    expect(original).toHaveLength(ENTRIES.length);
  });
  afterAll(async () => {
    source.client.close();
    await source.sidecar.stop(500);
    sourceDir.remove();
  });

  for (const [name, format] of [
    ["csv", ExportFormat.CSV],
    ["xlsx", ExportFormat.XLSX],
  ] as const) {
    it(`gives back identical entries through ${name.toUpperCase()}`, async () => {
      const chunks: Buffer[] = [];
      for await (const m of source.client.stream(AdminService.method.exportEntries, { format }, md)) chunks.push(Buffer.from(m.chunk));
      const file = Buffer.concat(chunks);

      const targetDir = tempDir();
      const target = await start(targetDir.path, "DE");
      try {
        expect(await allEntries(target.client)).toEqual([]);
        const { uploadId } = await upload(target.client, `export.${name}`, file);
        // A default channel is for rows that name none: the export names all channels as such ("all"), so it leaves them alone.
        const options = { hasHeader: true, mapping: MAPPING, defaults: { channel: Channel.SMS } };
        const analyzed = await target.client.call(AdminService.method.analyzeImport, { uploadId, options, validateAll: true }, md);
        expect(analyzed.dryRun).toMatchObject({ added: BigInt(ENTRIES.length), rejected: 0n });
        const { job } = await target.client.call(AdminService.method.startImport, { uploadId, options }, md);
        let last: ImportJob = job!;
        for await (const update of target.client.stream(AdminService.method.watchImport, { jobId: job!.jobId }, md)) {
          last = update.job!;
          if (last.state !== ImportState.RUNNING) break;
        }
        expect(last).toMatchObject({ state: ImportState.COMPLETED, error: "" });
        expect(last.counts).toMatchObject({ added: BigInt(ENTRIES.length), repeated: 0n, rejected: 0n });

        const imported = await allEntries(target.client);
        expect(comparable(imported)).toEqual(comparable(original));
      } finally {
        target.client.close();
        await target.sidecar.stop(500);
        targetDir.remove();
      }
    });
  }
});
