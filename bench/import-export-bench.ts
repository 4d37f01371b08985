// The import and export benchmark (issue 5): a deterministic CSV of N rows
// imported end to end through the import job API into a fresh data dir of a
// `dnc serve` process; a CSV as large as the import's default size limit and
// a 1M-row XLSX each imported into another, with the sidecar's RSS sampled
// throughout; every entry exported back to CSV; PostgreSQL COPY of the
// same CSV into an indexed table in the same run; and the same rows' writes
// through dnc's store with nothing else (store-writes.ts), the ceiling of
// any import through it.
// One line per figure beside its target, and
// <out>/<timestamp>-import-export.json.
//
//   npm run build && node --max-old-space-size=8192 dist/bench/import-export-bench.js
//     [--rows N | --quick | --smoke] [--xlsx-rows N] [--out DIR]
//
// --quick imports 1M rows, --smoke 5,000 (figures recorded, none judged;
// its size-limit file is 5,000 rows too); the default is the issue's 10M.

import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { cpus, totalmem } from "node:os";
import { join, resolve } from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { ExportFormat } from "../sidecar/gen/dnc/v1/export_pb.js";
import { ImportField, ImportState, type ImportJob } from "../sidecar/gen/dnc/v1/import_pb.js";
import { AdminService } from "../sidecar/gen/dnc/v1/admin_service_pb.js";
import { GrpcClient } from "../sidecar/grpc/grpc-client.js";
import { BENCH_ADMIN_TOKEN, BENCH_SIDECAR_NODE_FLAGS } from "./bench-context.js";
import { Cleanup } from "./cleanup.js";
import { IMPORT_COLUMNS, writeCsv, writeXlsx } from "./import-files.js";
import { checkDuring, type Probe, type ProbeRun } from "./filter-during-import.js";
import { drainExport, runImport, uploadFile } from "./import-job.js";
import { describeOpenLoop, p99Ms, percentilesMs } from "./open-loop.js";
import { startPostgres } from "./postgres-cluster.js";
import { Report, fmt, type Target } from "./report.js";
import { sampleRss, type RssGrowth } from "./rss-sampler.js";
import { startServe, type ServeProcess } from "./serve-process.js";
import { countFlag } from "./numeric-flag.js";
import { startScript } from "./script-process.js";

const FULL_ROWS = 10_000_000;
const XLSX_ROWS = 1_000_000;
/** The import's default size limit (SPEC §6); a larger file gets --import-max-bytes. */
const DEFAULT_IMPORT_MAX_BYTES = 150 * 1024 * 1024;

const IMPORT_TARGET: Target = { kind: "min", value: 250_000, scope: "for a 10M-row CSV" };
const XLSX_RSS_TARGET: Target = { kind: "max", value: 256, scope: "for 1M rows" };
const LIMIT_RSS_TARGET: Target = { kind: "max", value: 256, scope: "for a 150 MB file" };
const EXPORT_TARGET: Target = { kind: "min", value: 300_000 };

const CSV_IMPORT_FIGURE = "CSV import, end to end";
const CHECK_DURING_IMPORT_FIGURE = "Check p99 at 1,000 req/s during the CSV import";
/** Opens after the import's first batches, and closes well before a 1M-row import ends. */
const CSV_PROBE: Probe = { rate: 1_000, delaySeconds: 2, seconds: 8 };
const POSTGRES_COPY_FIGURE = "PostgreSQL COPY into an indexed table";
const STORE_WRITES_FIGURE = "The store's writes alone, the same rows";
const STORE_WRITES_SCRIPT = fileURLToPath(new URL("./store-writes.js", import.meta.url));

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const TMP_DIR = join(ROOT, "bench", "results", "tmp");

/** The bench file's columns, mapped as an operator would map them. */
const IMPORT_OPTIONS = {
  hasHeader: true,
  mapping: [ImportField.CONTACT, ImportField.CHANNEL, ImportField.SENDER, ImportField.ACCOUNT, ImportField.REASON, ImportField.CAMPAIGN_REF, ImportField.NOTE].map(
    (field, column) => ({ column, field }),
  ),
};

interface Options {
  rows: number;
  xlsxRows: number;
  smoke: boolean;
  out: string;
}

function parseOptions(argv: string[]): Options {
  const { values } = parseArgs({
    args: argv,
    options: {
      rows: { type: "string" },
      "xlsx-rows": { type: "string" },
      quick: { type: "boolean", default: false },
      smoke: { type: "boolean", default: false },
      out: { type: "string" },
    },
  });
  const rows = countFlag("rows", values.rows, values.smoke ? 5_000 : values.quick ? 1_000_000 : FULL_ROWS);
  return {
    rows,
    xlsxRows: countFlag("xlsx-rows", values["xlsx-rows"], Math.min(XLSX_ROWS, rows)),
    smoke: values.smoke,
    out: resolve(values.out ?? join(ROOT, "bench", "results")),
  };
}

const mb = (bytes: number): string => `${fmt(bytes / 1024 ** 2, 1)} MB`;
const seconds = (s: number): string => `${fmt(s, 1)} s`;

/** Throws unless the job added every row: a figure for less work would mislead. */
async function expectComplete(client: GrpcClient, job: ImportJob, rows: number, what: string): Promise<void> {
  const added = Number(job.counts?.added ?? 0n);
  if (job.state === ImportState.COMPLETED && added === rows) return;
  const report = await client.call(AdminService.method.getImportReport, { jobId: job.jobId, pageSize: 5 }).catch(() => undefined);
  const rejected = report?.rejected.map((r) => `  row ${r.rowNumber}: ${r.reason} (${r.raw})`).join("\n") ?? "";
  throw new Error(
    `${what}: the job ended ${ImportState[job.state]} with ${added} of ${rows} rows added, ` +
      `${job.counts?.repeated ?? 0n} repeated, ${job.counts?.rejected ?? 0n} rejected${job.error === "" ? "" : `: ${job.error}`}\n${rejected}`,
  );
}

interface ImportRun {
  uploadSeconds: number;
  importSeconds: number;
  job: ImportJob;
  /** The Check probe's run, when one was asked for, and whether the import was still running when its window closed. */
  probe?: ProbeRun & { withinImport: boolean };
}

async function importFile(serve: ServeProcess, file: string, rows: number, what: string, probe?: Probe): Promise<ImportRun> {
  const client = new GrpcClient(serve.grpcAddress, { token: BENCH_ADMIN_TOKEN });
  let probing: Promise<ProbeRun> | undefined;
  try {
    const upload = await uploadFile(client, file);
    const run = await runImport(client, upload.value, IMPORT_OPTIONS, rows, () => {
      if (probe !== undefined) probing = checkDuring(serve.grpcPort, probe);
    });
    const importEnded = performance.now();
    await expectComplete(client, run.value, rows, what);
    const probed = await probing;
    return {
      uploadSeconds: upload.seconds,
      importSeconds: run.seconds,
      job: run.value,
      ...(probed === undefined ? {} : { probe: { ...probed, withinImport: probed.endedAt <= importEnded } }),
    };
  } finally {
    await probing?.catch(() => undefined);
    client.close();
  }
}

/** The filter's latency during the CSV import, as figures; a note instead when the import ended before the window closed. */
function reportProbe(run: ImportRun, report: Report): void {
  if (run.probe === undefined) return;
  const { result, withinImport } = run.probe;
  if (!withinImport) {
    report.note(`${CHECK_DURING_IMPORT_FIGURE}: not taken, the import ended before the ${fmt(CSV_PROBE.seconds)} s window closed`);
    return;
  }
  report.figure(
    CHECK_DURING_IMPORT_FIGURE,
    p99Ms(percentilesMs(result.histogram)),
    "ms",
    `${describeOpenLoop(result)}; Checks from ${fmt(CSV_PROBE.delaySeconds)} s after StartImport for ${fmt(CSV_PROBE.seconds)} s, all within the import`,
  );
}

async function benchCsv(options: Options, dir: string, csv: string, csvBytes: number, report: Report, cleanup: Cleanup): Promise<void> {
  const { rows } = options;
  const dataDir = join(dir, "csv-store");
  const serve = await startServe(dataDir, cleanup, csvBytes > DEFAULT_IMPORT_MAX_BYTES ? csvBytes : undefined);
  try {
    const run = await importFile(serve, csv, rows, "CSV import", options.smoke ? undefined : CSV_PROBE);
    const { uploadSeconds, importSeconds } = run;
    const endToEnd = uploadSeconds + importSeconds;
    report.figure(
      CSV_IMPORT_FIGURE,
      rows / endToEnd,
      "rows/s",
      `${fmt(rows)} rows, ${mb(csvBytes)}: upload ${seconds(uploadSeconds)}, StartImport to completed ${seconds(importSeconds)} (${fmt(rows / importSeconds)} rows/s)`,
      IMPORT_TARGET,
    );
    reportProbe(run, report);

    const client = new GrpcClient(serve.grpcAddress, { token: BENCH_ADMIN_TOKEN });
    try {
      const stopSampling = sampleRss(serve.pid);
      const exported = await drainExport(client, ExportFormat.CSV);
      const rss = stopSampling?.();
      if (exported.value.rows !== rows) throw new Error(`CSV export: ${exported.value.rows} rows written, ${rows} on the list`);
      report.figure(
        "CSV export",
        rows / exported.seconds,
        "rows/s",
        `${fmt(rows)} rows, ${mb(exported.value.bytes)} in ${seconds(exported.seconds)} over gRPC` +
          (rss === undefined ? "" : `; sidecar RSS +${mb(rss.growth.rss)} at its peak (anon +${mb(rss.growth.rssAnon)})`),
        EXPORT_TARGET,
      );
    } finally {
      client.close();
    }
  } finally {
    await serve.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** The sidecar's RSS growth over an import of `rows` rows, as figures judged against `target`. */
function reportRssGrowth(what: string, rss: RssGrowth, rows: number, detail: string, target: Target, report: Report): void {
  report.figure(
    `${what}, sidecar RSS growth`,
    rss.growth.rss / 1024 ** 2,
    "MB",
    `${detail}; RSS ${mb(rss.start.rss)} before, ${mb(rss.peak.rss)} at the peak; anon +${mb(rss.growth.rssAnon)}, file-backed (LMDB map) +${mb(rss.growth.rssFile)}`,
    target,
  );
  // The file-backed part is the list's own pages in LMDB's map, which grow with the rows written, not with the file read.
  report.figure(
    `${what}, sidecar anonymous memory growth`,
    rss.growth.rssAnon / 1024 ** 2,
    "MB",
    `heap, buffers and the index's growth for ${fmt(rows)} rows; RssAnon ${mb(rss.start.rssAnon)} before, ${mb(rss.peak.rssAnon)} at the peak`,
    target,
  );
}

/**
 * Imports `file` (`bytes` long, `rows` rows) into an empty list in a
 * sidecar of its own, sampling the sidecar's RSS from the upload's end to
 * the job's: from then on it holds nothing but the job, so what it grows by
 * is what the import takes. `then` runs before the sidecar stops.
 */
async function importSampled(
  dataDir: string,
  file: string,
  bytes: number,
  rows: number,
  what: string,
  cleanup: Cleanup,
  then: (client: GrpcClient, seconds: number, rss: RssGrowth | undefined) => Promise<void>,
): Promise<void> {
  const serve = await startServe(dataDir, cleanup, bytes > DEFAULT_IMPORT_MAX_BYTES ? bytes : undefined);
  try {
    const client = new GrpcClient(serve.grpcAddress, { token: BENCH_ADMIN_TOKEN });
    try {
      const upload = await uploadFile(client, file);
      const stopSampling = sampleRss(serve.pid);
      const run = await runImport(client, upload.value, IMPORT_OPTIONS, rows);
      const rss = stopSampling?.();
      await expectComplete(client, run.value, rows, what);
      await then(client, run.seconds, rss);
    } finally {
      client.close();
    }
  } finally {
    await serve.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/**
 * A CSV as large as the import's default size limit (SPEC §6: RSS grows by
 * at most 256 MB for a 150 MB file), into an empty list; --smoke imports
 * 5,000 rows of it. `rowBytes` is the bench CSV's size per row.
 */
async function benchCsvAtLimit(options: Options, dir: string, rowBytes: number, report: Report, cleanup: Cleanup): Promise<void> {
  // The rows' lengths vary: 1% below the limit keeps the file under it.
  const rows = options.smoke ? 5_000 : Math.floor((0.99 * DEFAULT_IMPORT_MAX_BYTES) / rowBytes);
  const csv = join(dir, "limit.csv");
  const csvBytes = await writeCsv(csv, rows);
  try {
    await importSampled(join(dir, "limit-store"), csv, csvBytes, rows, "CSV import at the size limit", cleanup, async (_, seconds, rss) => {
      const detail = `${fmt(rows)} rows, ${mb(csvBytes)} (the default limit is ${mb(DEFAULT_IMPORT_MAX_BYTES)}), into an empty list: ${fmt(rows / seconds)} rows/s`;
      if (rss === undefined) report.note(`CSV import at the size limit, RSS growth: skipped, /proc/<pid>/status is not available; ${detail}`);
      else reportRssGrowth("CSV import at the size limit", rss, rows, detail, LIMIT_RSS_TARGET, report);
    });
  } finally {
    rmSync(csv, { force: true });
  }
}

async function benchXlsx(options: Options, dir: string, report: Report, cleanup: Cleanup): Promise<void> {
  const rows = options.xlsxRows;
  const xlsx = join(dir, "list.xlsx");
  const madeAt = performance.now();
  const xlsxBytes = await writeXlsx(xlsx, rows);
  console.log(`  wrote ${fmt(rows)} rows as XLSX, ${mb(xlsxBytes)}, in ${seconds((performance.now() - madeAt) / 1000)}`);
  try {
    await importSampled(join(dir, "xlsx-store"), xlsx, xlsxBytes, rows, "XLSX import", cleanup, async (client, importSeconds, rss) => {
      const rate = `${fmt(rows)} rows, ${mb(xlsxBytes)} (shared strings): ${fmt(rows / importSeconds)} rows/s`;
      if (rss === undefined) report.note(`XLSX import RSS growth: skipped, /proc/<pid>/status is not available; ${rate}`);
      else reportRssGrowth("XLSX import", rss, rows, rate, XLSX_RSS_TARGET, report);
      report.figure("XLSX import", rows / importSeconds, "rows/s", `${fmt(rows)} rows, StartImport to completed in ${seconds(importSeconds)}`);
      const exported = await drainExport(client, ExportFormat.XLSX);
      report.figure("XLSX export", rows / exported.seconds, "rows/s", `${fmt(rows)} rows, ${mb(exported.value.bytes)} in ${seconds(exported.seconds)}`);
    });
  } finally {
    rmSync(xlsx, { force: true });
  }
}

async function benchPostgresCopy(rows: number, csv: string, report: Report, cleanup: Cleanup): Promise<void> {
  const pg = await startPostgres(cleanup);
  if ("skipped" in pg) {
    report.note(`PostgreSQL COPY: skipped, ${pg.skipped}`);
    return;
  }
  try {
    // The key an entry has in dnc; empty CSV fields are empty strings there too, not NULL.
    await pg.psql(
      `CREATE TABLE dnc_import (${IMPORT_COLUMNS.map((c) => `${c} text NOT NULL`).join(", ")}, PRIMARY KEY (contact, channel, sender, account))`,
    );
    const started = performance.now();
    await pg.psql(`\\copy dnc_import FROM '${csv}' WITH (FORMAT csv, HEADER true, FORCE_NOT_NULL (${IMPORT_COLUMNS.join(", ")}))`);
    const copySeconds = (performance.now() - started) / 1000;
    const loaded = Number(await pg.psql("SELECT count(*) FROM dnc_import"));
    if (loaded !== rows) throw new Error(`postgres: the table holds ${loaded} rows, the file ${rows}`);
    report.figure(POSTGRES_COPY_FIGURE, rows / copySeconds, "rows/s", `${fmt(rows)} rows in ${seconds(copySeconds)}: psql \\copy, the primary key in place, fsync off`);
  } finally {
    await pg.stop();
  }
}

/** The import's ceiling (store-writes.ts): the same rows' writes through EntryStore with nothing else, in a process of the sidecar's flags. */
async function benchStoreWrites(rows: number, dir: string, report: Report, cleanup: Cleanup): Promise<void> {
  const dataDir = join(dir, "store-writes");
  try {
    const script = await startScript<{ rows: number; seconds: number }>(STORE_WRITES_SCRIPT, ["--data-dir", dataDir, "--rows", String(rows)], cleanup, BENCH_SIDECAR_NODE_FLAGS);
    const { seconds: writing } = script.ready;
    report.figure(
      STORE_WRITES_FIGURE,
      rows / writing,
      "rows/s",
      `${fmt(rows)} rows in ${seconds(writing)}: each row's contact, entry, add order, history event and its contact index (five LMDB puts) through EntryStore, ` +
        `1,000 rows a transaction, each awaited to disk, as an import writes an added row; made ready (normalised, keyed, encoded) off the clock`,
    );
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

async function main(argv: string[]): Promise<void> {
  const options = parseOptions(argv);
  const startedAt = new Date();
  const cleanup = new Cleanup();
  const report = new Report(!options.smoke);
  mkdirSync(TMP_DIR, { recursive: true });
  const dir = mkdtempSync(join(TMP_DIR, "import-export-"));
  cleanup.dir(dir);
  try {
    console.log(`import/export benchmark: ${fmt(options.rows)} CSV rows, ${fmt(options.xlsxRows)} XLSX rows; ${cpus().length} CPUs, ${mb(totalmem())}`);
    const csv = join(dir, "list.csv");
    const madeAt = performance.now();
    const csvBytes = await writeCsv(csv, options.rows);
    console.log(`  wrote ${fmt(options.rows)} rows as CSV, ${mb(csvBytes)}, in ${seconds((performance.now() - madeAt) / 1000)}`);
    await benchCsv(options, dir, csv, csvBytes, report, cleanup);
    await benchPostgresCopy(options.rows, csv, report, cleanup);
    await benchStoreWrites(options.rows, dir, report, cleanup);
    report.compare("CSV import", CSV_IMPORT_FIGURE, [
      ["PostgreSQL", POSTGRES_COPY_FIGURE],
      ["the store alone", STORE_WRITES_FIGURE],
    ]);
    await benchCsvAtLimit(options, dir, csvBytes / options.rows, report, cleanup);
    await benchXlsx(options, dir, report, cleanup);

    mkdirSync(options.out, { recursive: true });
    const stamp = startedAt.toISOString().replace(/[-:]|\.\d+/g, "");
    const file = join(options.out, `${stamp}-import-export.json`);
    const run = { command: `import-export-bench ${argv.join(" ")}`.trim(), rows: options.rows, xlsxRows: options.xlsxRows, node: process.version, cpus: cpus().length };
    const results = { startedAt: startedAt.toISOString(), run, figures: report.figures, comparisons: report.comparisons, notes: report.notes };
    writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
    console.log(`results: ${file}`);
  } finally {
    cleanup.now();
  }
}

main(process.argv.slice(2)).catch((err: unknown) => {
  console.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
  process.exit(1);
});
