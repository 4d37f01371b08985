// `dnc export`: entries of a running sidecar into a CSV or XLSX file over
// gRPC (ExportEntries), with a progress bar. The file is written under a
// temporary name and renamed once complete, so an interrupted export never
// leaves a file that looks whole.

import { once } from "node:events";
import { rmSync } from "node:fs";
import { open, rename, rm, stat } from "node:fs/promises";
import { extname } from "node:path";
import { finished } from "node:stream/promises";
import { parseFlags } from "./command-flags.js";
import { AdminService } from "../gen/dnc/v1/admin_service_pb.js";
import { ExportFormat } from "../gen/dnc/v1/export_pb.js";
import { filterFromParams, type FilterParam } from "../export/filter-params.js";
import { clientFlags, clientUsage, connect } from "./client-options.js";
import { ProgressBar } from "./progress-bar.js";
import { messageOf } from "../errors.js";

export const exportUsage = `  dnc export -o FILE [--format csv|xlsx] [--contact C [--kind customer-id]] [--contact-prefix P] [--channel C] [--sender S]
            [--account A] [--source S] [--reason R] [--campaign REF] [--added-after ISO] [--added-before ISO]
            [--country CC] ${clientUsage}
            (channel, sender, account, source and reason repeat for alternatives; the format
            defaults to the file's extension)`;

/** Each filter parameter's flag. */
const FLAGS = {
  contact: "contact",
  contact_kind: "kind",
  contact_prefix: "contact-prefix",
  channel: "channel",
  sender: "sender",
  account: "account",
  source: "source",
  reason: "reason",
  campaign_ref: "campaign",
  added_after: "added-after",
  added_before: "added-before",
} as const satisfies Record<FilterParam, string>;

const mb = (bytes: number): string => `${(bytes / 1024 ** 2).toFixed(1)} MB`;

export async function exportCommand(args: string[]): Promise<void> {
  const { values } = parseFlags({
    args,
    options: {
      output: { type: "string", short: "o" },
      format: { type: "string" },
      country: { type: "string", default: "" },
      contact: { type: "string", multiple: true, default: [] },
      kind: { type: "string", multiple: true, default: [] },
      "contact-prefix": { type: "string", multiple: true, default: [] },
      channel: { type: "string", multiple: true, default: [] },
      sender: { type: "string", multiple: true, default: [] },
      account: { type: "string", multiple: true, default: [] },
      source: { type: "string", multiple: true, default: [] },
      reason: { type: "string", multiple: true, default: [] },
      campaign: { type: "string", multiple: true, default: [] },
      "added-after": { type: "string", multiple: true, default: [] },
      "added-before": { type: "string", multiple: true, default: [] },
      ...clientFlags,
    },
  });
  const file = values.output;
  if (file === undefined) throw new Error("export: -o FILE is required");
  const ext = extname(file).toLowerCase();
  const formatName = (values.format ?? (ext === ".xlsx" || ext === ".csv" ? ext.slice(1) : "")).toLowerCase();
  if (values.format === undefined && formatName === "") throw new Error(`export: '${file}' does not say the format: name it .csv or .xlsx, or give --format csv|xlsx`);
  if (formatName !== "csv" && formatName !== "xlsx") throw new Error(`--format: '${values.format}' is not csv or xlsx`);
  const filter = filterFromParams(
    (param) => values[FLAGS[param]],
    (param) => `--${FLAGS[param]}`,
  );

  const client = connect(values);
  // The file is opened before anything is exported: a directory that is not there fails now, in one line.
  if ((await stat(file).catch(() => undefined))?.isDirectory() === true) throw new Error(`-o: '${file}' is a directory`);
  const partial = `${file}.part`;
  const handle = await open(partial, "w").catch((err: unknown) => {
    const code = (err as NodeJS.ErrnoException).code;
    throw new Error(`-o: cannot write '${file}': ${code === "ENOENT" ? "its directory does not exist" : messageOf(err)}`);
  });
  const out = handle.createWriteStream();
  // A write that fails rejects the wait for a drain or the finish; no 'error' may go unheard.
  out.on("error", () => undefined);
  // Ctrl-C leaves no partial file behind.
  const interrupted = () => {
    out.destroy();
    rmSync(partial, { force: true });
    process.exit(130);
  };
  process.once("SIGINT", interrupted);
  const progress = new ProgressBar(process.stderr, "exporting", "rows");
  let rows = 0;
  let bytes = 0;
  try {
    const request = { filter, format: formatName === "xlsx" ? ExportFormat.XLSX : ExportFormat.CSV, defaultCountry: values.country };
    for await (const res of client.stream(AdminService.method.exportEntries, request)) {
      if (!out.write(res.chunk)) await once(out, "drain");
      rows = Number(res.rowsWritten);
      bytes += res.chunk.length;
      progress.update(rows, Number(res.rowsTotal));
    }
    out.end();
    await finished(out);
    await rename(partial, file);
  } catch (err: unknown) {
    out.destroy();
    await rm(partial, { force: true });
    throw err;
  } finally {
    process.off("SIGINT", interrupted);
    progress.done();
    client.close();
  }
  console.log(`exported ${rows.toLocaleString("en-US")} entries to ${file} (${formatName.toUpperCase()}, ${mb(bytes)}) in ${progress.seconds.toFixed(1)} s`);
}
