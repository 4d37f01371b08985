// `dnc import FILE`: a file into a running sidecar over gRPC. Uploads it
// (client streaming), analyzes it (format, header, mapping), then either
// dry-runs it or starts the job and follows it with WatchImport: a progress
// line redrawn on a terminal, plain lines otherwise. Ctrl-C cancels the job;
// the rows of the batches already committed stay imported.

import { create } from "@bufbuild/protobuf";
import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import { basename } from "node:path";
import { parseFlags } from "./command-flags.js";
import { ProgressBar } from "./progress-bar.js";
import { AdminService, type AnalyzeImportResponse } from "../gen/dnc/v1/admin_service_pb.js";
import {
  ColumnMappingSchema,
  ImportField,
  ImportFieldSchema,
  ImportOptionsSchema,
  ImportState,
  type ColumnMapping,
  type ImportCounts,
  type ImportJob,
  type ImportOptions,
} from "../gen/dnc/v1/import_pb.js";
import { ChannelSchema, ReasonSchema, SourceSchema } from "../gen/dnc/v1/types_pb.js";
import type { GrpcClient } from "../grpc/grpc-client.js";
import { clientFlags, clientUsage, connect } from "./client-options.js";
import { enumName, parseEnum } from "./enum-names.js";

export const importUsage = `  dnc import FILE [--skip N] [--map COLUMN=FIELD ...] [--account A ...] [--channel C] [--sender S]
            [--reason R] [--source S] [--campaign REF] [--note TEXT] [--country CC] [--sheet NAME]
            [--header | --no-header] [--dry-run] ${clientUsage}
            (COLUMN: a 1-based number or a header name; FIELD: contact, phone, email, customer-id,
            channel, sender, account, reason, source, campaign, note or kind. Without --map the
            columns are mapped from the header's names)`;

const UPLOAD_CHUNK = 256 * 1024;
const SHOWN_REJECTED = 10;

const FIELD_ALIASES: Record<string, string> = { campaign: "CAMPAIGN_REF" };

export async function importCommand(args: string[]): Promise<void> {
  const { values, positionals } = parseFlags({
    args,
    allowPositionals: true,
    options: {
      skip: { type: "string", default: "0" },
      map: { type: "string", multiple: true, default: [] },
      account: { type: "string", multiple: true, default: [] },
      channel: { type: "string", default: "" },
      sender: { type: "string", default: "" },
      reason: { type: "string", default: "" },
      source: { type: "string", default: "" },
      campaign: { type: "string", default: "" },
      note: { type: "string", default: "" },
      country: { type: "string", default: "" },
      sheet: { type: "string", default: "" },
      header: { type: "boolean" },
      "no-header": { type: "boolean" },
      "dry-run": { type: "boolean", default: false },
      ...clientFlags,
    },
  });
  if (positionals.length !== 1) throw new Error("import: give one FILE");
  const file = positionals[0]!;
  const skip = Number(values.skip);
  if (!Number.isInteger(skip) || skip < 0) throw new Error("--skip: expected a whole number");
  if (values.header === true && values["no-header"] === true) throw new Error("--header and --no-header contradict each other");
  const options = create(ImportOptionsSchema, {
    skipRows: skip,
    hasHeader: values.header === true ? true : values["no-header"] === true ? false : undefined,
    accounts: values.account,
    sheet: values.sheet,
    defaults: {
      channel: values.channel === "" ? 0 : parseEnum(ChannelSchema, "CHANNEL", values.channel, "--channel"),
      sender: values.sender,
      reason: values.reason === "" ? 0 : parseEnum(ReasonSchema, "REASON", values.reason, "--reason"),
      source: values.source === "" ? 0 : parseEnum(SourceSchema, "SOURCE", values.source, "--source"),
      country: values.country,
      campaignRef: values.campaign,
      note: values.note,
    },
  });
  const client = connect(values);
  try {
    const uploadId = await upload(client, file);
    const analysis = await client.call(AdminService.method.analyzeImport, { uploadId, options });
    describeFile(file, analysis);
    options.mapping = values.map.length > 0 ? checkedMapping(values.map.map((m) => parseMapping(m, analysis.header)), analysis) : analysis.suggestedMapping;
    console.log(`mapping: ${describeMapping(options.mapping, analysis.header)}`);
    const accountColumn = options.mapping.find((m) => m.field === ImportField.ACCOUNT);
    if (accountColumn !== undefined && options.accounts.length > 0) {
      console.log(`note: --account replaces the accounts of column ${accountColumn.column + 1}: each row is imported into ${options.accounts.join(", ")}`);
    }
    if (values["dry-run"]) await dryRun(client, uploadId, options);
    else await runJob(client, uploadId, options);
  } finally {
    client.close();
  }
}

async function upload(client: GrpcClient, file: string): Promise<string> {
  const { size } = await stat(file);
  const name = basename(file);
  async function* chunks() {
    let first = true;
    for await (const chunk of createReadStream(file, { highWaterMark: UPLOAD_CHUNK }) as AsyncIterable<Buffer>) {
      yield { fileName: first ? name : "", chunk };
      first = false;
    }
    if (first) yield { fileName: name };
  }
  const res = await client.clientStream(AdminService.method.uploadImportFile, chunks());
  console.log(`uploaded ${name} (${bytes(size)})`);
  return res.uploadId;
}

function describeFile(file: string, a: AnalyzeImportResponse): void {
  const parts = [a.format, a.encoding, a.delimiter === "" ? "" : `delimiter ${JSON.stringify(a.delimiter)}`].filter((p) => p !== "");
  const header = a.header.length === 0 ? "no header" : `${a.hasHeader ? "header" : "header above the skipped rows"}: ${a.header.join(" | ")}`;
  console.log(`${basename(file)}: ${parts.join(", ")}; ${header}`);
  if (a.sheets.length > 1) console.log(`sheets: ${a.sheets.join(", ")}`);
  if (a.ignoredFiles.length > 0) console.log(`ignored in the zip: ${a.ignoredFiles.join(", ")}`);
  for (const w of a.warnings) console.log(`warning: ${w}`);
}

/** COLUMN=FIELD, COLUMN a 1-based number or a header name (any case). */
function parseMapping(text: string, header: string[]): ColumnMapping {
  const eq = text.lastIndexOf("=");
  if (eq <= 0) throw new Error(`--map: expected COLUMN=FIELD, got '${text}'`);
  const columnText = text.slice(0, eq).trim();
  const fieldText = text.slice(eq + 1).trim();
  let column = /^\d+$/.test(columnText) ? Number(columnText) - 1 : header.findIndex((h) => h.trim().toLowerCase() === columnText.toLowerCase());
  if (column < 0) {
    throw new Error(`--map: no column '${columnText}'${header.length > 0 ? `; the header has ${header.map((h) => `'${h}'`).join(", ")}` : " (the file has no header: use column numbers)"}`);
  }
  const wanted = FIELD_ALIASES[fieldText.toLowerCase()] ?? fieldText;
  const field = parseEnum(ImportFieldSchema, "IMPORT_FIELD", wanted, `--map ${columnText}`);
  return create(ColumnMappingSchema, { column, field });
}

/** The columns given to --map, held to the file as the analysis saw it, in --map's own 1-based numbers. */
function checkedMapping(mapping: ColumnMapping[], analysis: AnalyzeImportResponse): ColumnMapping[] {
  const width = Math.max(analysis.header.length, ...analysis.preview.map((r) => r.cells.length));
  const seen = new Set<number>();
  for (const m of mapping) {
    if (width > 0 && m.column >= width) throw new Error(`--map ${m.column + 1}: the file has ${width} columns (1 to ${width})`);
    if (seen.has(m.column)) throw new Error(`--map: column ${m.column + 1} is mapped twice`);
    seen.add(m.column);
  }
  return mapping;
}

function describeMapping(mapping: ColumnMapping[], header: string[]): string {
  if (mapping.length === 0) return "none (give --map COLUMN=FIELD)";
  return mapping
    .map((m) => `${m.column + 1}${header[m.column] === undefined ? "" : ` '${header[m.column]}'`} → ${enumName(ImportFieldSchema, "IMPORT_FIELD", m.field)}`)
    .join(", ");
}

async function dryRun(client: GrpcClient, uploadId: string, options: ImportOptions): Promise<void> {
  const res = await client.call(AdminService.method.analyzeImport, { uploadId, options, validateAll: true });
  console.log(`dry run (nothing written): ${countsLine(res.dryRun!)}`);
  for (const r of res.rejectedSample.slice(0, SHOWN_REJECTED)) console.log(`  row ${r.rowNumber}: ${r.reason}  [${r.raw}]`);
  if (res.dryRun!.rejected > BigInt(SHOWN_REJECTED)) console.log(`  … and ${res.dryRun!.rejected - BigInt(SHOWN_REJECTED)} more`);
  if (res.dryRun!.rejected > 0n) process.exitCode = 1;
}

async function runJob(client: GrpcClient, uploadId: string, options: ImportOptions): Promise<void> {
  const { job: started } = await client.call(AdminService.method.startImport, { uploadId, options });
  const jobId = started!.jobId;
  console.log(`import ${jobId} started`);
  const cancel = () => {
    process.stderr.write("\ncancelling the import after the batch in flight…\n");
    void client.call(AdminService.method.cancelImport, { jobId }).catch(() => undefined);
  };
  process.once("SIGINT", cancel);
  let job = started!;
  const progress = new ProgressBar(process.stdout, "importing", "rows", true);
  try {
    for await (const res of client.stream(AdminService.method.watchImport, { jobId })) {
      job = res.job!;
      if (job.state === ImportState.RUNNING) showJob(progress, job);
    }
  } finally {
    process.off("SIGINT", cancel);
    progress.done();
  }
  const state = ImportState[job.state].toLowerCase();
  console.log(`import ${jobId} ${state}: ${countsLine(job.counts!)}`);
  // A job that stopped early says itself which rows are in the list.
  if (job.error !== "") console.log(`  ${job.error}`);
  else if (job.state !== ImportState.COMPLETED) console.log(`  rows 1 to ${job.committedRows} of the file are imported`);
  if (job.counts!.rejected > 0n) await showRejected(client, job);
  if (job.state !== ImportState.COMPLETED || job.counts!.rejected > 0n) process.exitCode = 1;
}

async function showRejected(client: GrpcClient, job: ImportJob): Promise<void> {
  const report = await client.call(AdminService.method.getImportReport, { jobId: job.jobId, pageSize: SHOWN_REJECTED });
  for (const r of report.rejected) console.log(`  row ${r.rowNumber}: ${r.reason}  [${r.raw}]`);
  console.log(
    `all ${job.counts!.rejected} rejected rows: GET /imports/${job.jobId}/rejected.csv on the admin HTTP port, or GetImportReport with job_id ${job.jobId}`,
  );
}

/** The job's own measure of its progress: rows, rate, and how far through the file's bytes. */
function showJob(progress: ProgressBar, job: ImportJob): void {
  const c = job.counts!;
  const fraction = c.bytesTotal > 0n ? Number(c.bytesRead) / Number(c.bytesTotal) : undefined;
  const eta = job.etaSeconds > 0 ? job.etaSeconds : NaN;
  progress.show(Number(c.rowsRead), 0, fraction, job.rowsPerSecond, eta, `${c.added} added, ${c.repeated} repeated, ${c.rejected} rejected`);
}

function countsLine(c: ImportCounts): string {
  return `${c.rowsRead} rows read, ${c.added} added, ${c.repeated} repeated, ${c.rejected} rejected`;
}

const bytes = (n: number): string => (n >= 1024 ** 2 ? `${(n / 1024 ** 2).toFixed(1)} MB` : n >= 1024 ? `${(n / 1024).toFixed(1)} KB` : `${n} bytes`);

