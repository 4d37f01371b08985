// ExportEntries: the selected entries as a CSV or XLSX file, streamed as
// chunks of about 64 KB with the rows written so far and the rows selected,
// so memory stays flat for any number of entries and the client can show
// progress. The export is recorded in the history with its principal, its
// selection and the rows written; an export the client stops early too, as
// its rows have left all the same.

import { create } from "@bufbuild/protobuf";
import type { CountryCode } from "libphonenumber-js";
import { InvalidArgumentError } from "../errors.js";
import { ExportEntriesResponseSchema, type ExportEntriesRequest, type ExportEntriesResponse } from "../gen/dnc/v1/admin_service_pb.js";
import { ExportFormat } from "../gen/dnc/v1/export_pb.js";
import type { CallContext } from "../admin/call-context.js";
import type { DncList } from "../engine/dnc-list.js";
import { resolveCountry } from "../normalise/contact-normaliser.js";
import { ChunkQueue } from "./chunk-queue.js";
import { CsvEncoder } from "./csv-encoder.js";
import type { ExportEncoder } from "./export-encoder.js";
import { selectEntries } from "./export-selection.js";
import { XlsxEncoder } from "./xlsx-encoder.js";

/** Rows between looks at the output: often enough for 64 KB chunks, rarely enough to cost nothing. */
const ROWS_PER_STEP = 512;

const FORMAT_NAMES: Record<ExportFormat, string> = {
  [ExportFormat.UNSPECIFIED]: "CSV",
  [ExportFormat.CSV]: "CSV",
  [ExportFormat.XLSX]: "XLSX",
};

function encoderFor(format: ExportFormat, out: ChunkQueue): ExportEncoder {
  return format === ExportFormat.XLSX ? new XlsxEncoder(out) : new CsvEncoder(out);
}

export async function* exportEntries(
  list: DncList,
  req: ExportEntriesRequest,
  ctx: CallContext,
  serverCountry: CountryCode | undefined,
): AsyncGenerator<ExportEntriesResponse> {
  list.assertOpen();
  const formatName = FORMAT_NAMES[req.format];
  if (formatName === undefined) throw new InvalidArgumentError("format", `unknown value ${req.format}`);
  const country = resolveCountry(req.defaultCountry, serverCountry, "default_country");
  const selection = await selectEntries(list, req.filter, req.keys, country);
  const out = new ChunkQueue();
  const encoder = encoderFor(req.format, out);
  let total = selection.total;
  let written = 0;
  const message = (chunk: Buffer) => create(ExportEntriesResponseSchema, { chunk, rowsWritten: BigInt(written), rowsTotal: BigInt(Math.max(total, written)) });
  // Async, so that a closed list's synchronous refusal arrives as a rejection like any other failure.
  const record = async (outcome: string) => list.recordExport(ctx.principal, `${formatName} export ${outcome}; ${selection.description}`);
  const entries = (n: number) => `${n} ${n === 1 ? "entry" : "entries"}`;
  let recorded = false;
  try {
    encoder.header();
    for (const { bytes, start, end } of selection.entries()) {
      encoder.entry(bytes, start, end);
      if (++written % ROWS_PER_STEP !== 0) continue;
      if (ctx.signal.aborted) return;
      // Reading every entry maps in the whole store.
      list.store.releaseMapPages();
      await encoder.settle();
      for (let chunk = out.take(); chunk !== undefined; chunk = out.take()) yield message(chunk);
    }
    await encoder.end();
    // Writes during the export may have changed the count: the last chunk says what the file holds.
    total = written;
    for (let chunk = out.take(true); chunk !== undefined; chunk = out.take(true)) yield message(chunk);
    await record(`of ${entries(written)}`);
    recorded = true;
  } finally {
    // The client went away (or the export failed) with part of the file: still on the record.
    if (!recorded) await record(`stopped after ${written} of ${entries(total)}`).catch(() => undefined);
  }
}
