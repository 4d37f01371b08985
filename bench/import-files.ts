// The import benchmark's files: a typical opt-out list of N rows, as CSV and
// as XLSX, row i a pure function of i. Contacts are unique (an 8-digit
// serial that is a bijection of i), so every row is one new entry and
// PostgreSQL's primary key takes the same file. Most are E.164 numbers, the
// rest numbers with spaces or a 00 prefix, and emails; some rows are scoped
// to a sender or an account, some name a campaign.

import ExcelJS from "exceljs";
import { once } from "node:events";
import { createWriteStream } from "node:fs";
import { stat } from "node:fs/promises";
import { finished } from "node:stream/promises";

export const IMPORT_COLUMNS = ["contact", "channel", "sender", "account", "reason", "campaign", "note"] as const;

const SERIALS = 100_000_000;
/** 3^16: coprime with 10^8, so i·SCATTER mod 10^8 is a bijection; i·SCATTER stays exact in a double for i < 10^8. */
const SCATTER = 43_046_721;
const PHONE_CHANNELS = ["sms", "", "voice", "whatsapp"] as const;
const REASONS = ["opt_out", "opt_out", "opt_out", "list_cleanup", "subscriber_complaint"] as const;

export function importRow(i: number): string[] {
  if (i >= SERIALS) throw new Error(`import files: at most ${SERIALS} rows`);
  const serial = String((i * SCATTER) % SERIALS).padStart(8, "0");
  const form = i % 10;
  const email = form === 9;
  const contact = email
    ? `user${serial}@example${i % 97}.com`
    : form === 7
      ? `+44 77${serial.slice(0, 2)} ${serial.slice(2, 5)} ${serial.slice(5)}`
      : form === 8
        ? `004477${serial}`
        : `+4477${serial}`;
  return [
    contact,
    email ? (i % 2 === 0 ? "email" : "") : PHONE_CHANNELS[i % 4]!,
    i % 5 === 0 ? "ACME" : "",
    i % 7 === 0 ? "acc-1" : "",
    REASONS[i % 5]!,
    i % 3 === 0 ? `spring-${i % 100}` : "",
    i % 50 === 0 ? "from the carrier's list" : "",
  ];
}

/** Writes the CSV (comma, LF, a header row; no cell needs quoting); resolves to its size in bytes. */
export async function writeCsv(path: string, rows: number): Promise<number> {
  const out = createWriteStream(path);
  let text = `${IMPORT_COLUMNS.join(",")}\n`;
  for (let i = 0; i < rows; i++) {
    text += `${importRow(i).join(",")}\n`;
    if (text.length >= 1 << 20) {
      if (!out.write(text)) await once(out, "drain");
      text = "";
    }
  }
  out.end(text);
  await finished(out);
  return (await stat(path)).size;
}

/**
 * Writes the XLSX with shared strings, as Excel and LibreOffice save a
 * sheet, so the import meets the string table they would give it.
 */
export async function writeXlsx(path: string, rows: number): Promise<number> {
  const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({ filename: path, useSharedStrings: true, useStyles: false });
  const sheet = workbook.addWorksheet("opt-outs");
  sheet.addRow([...IMPORT_COLUMNS]).commit();
  for (let i = 0; i < rows; i++) {
    sheet.addRow(importRow(i)).commit();
    // Lets the zip writer drain to the file as it goes.
    if (i % 10_000 === 9_999) await new Promise((resolve) => setImmediate(resolve));
  }
  sheet.commit();
  await workbook.commit();
  return (await stat(path)).size;
}
