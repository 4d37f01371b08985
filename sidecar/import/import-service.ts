// Imports as the admin API offers them, whichever door a call comes
// through: uploads, analysis (with the dry run), jobs and their reports.
// Jobs run in this process; their records and reports live in LMDB, so a
// job the sidecar stopped under shows as INTERRUPTED after the next start.

import { clone, create } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import type { CountryCode } from "libphonenumber-js";
import { randomUUID } from "node:crypto";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { cursorNumber, decodePageToken, encodePageToken } from "../admin/page-token.js";
import type { DncList } from "../engine/dnc-list.js";
import { FailedPreconditionError, InvalidArgumentError, NotFoundError, ResourceExhaustedError } from "../errors.js";
import { AnalyzeImportResponseSchema, type AnalyzeImportRequest, type AnalyzeImportResponse } from "../gen/dnc/v1/admin_service_pb.js";
import {
  ImportJobSchema,
  ImportOptionsSchema,
  ImportState,
  type ImportJob,
  type ImportOptions,
  type RejectedRow,
} from "../gen/dnc/v1/import_pb.js";
import { LinkedAbort } from "../async/linked-abort.js";
import { resolveCountry } from "../normalise/contact-normaliser.js";
import { dryRun } from "./import-dry-run.js";
import { ImportJobRun, recordEnd, SIDECAR_STOPPED, stoppedNote } from "./import-job-run.js";
import { ImportJobStore } from "./import-job-store.js";
import { planImport, type ImportPlan } from "./import-plan.js";
import type { ImportSettings } from "./import-settings.js";
import { RowMapper } from "./row-mapper.js";
import { UploadStore, type StoredUpload } from "./upload-store.js";
import type { StoreWriter } from "../store/entry-store.js";

/** Jobs that may run at once: each holds a file open and a batch in memory. */
const MAX_RUNNING_JOBS = 4;
const SWEEP_MS = 3600 * 1000;
/** WatchImport sends the job at least this often, so rate and ETA stay fresh between batches. */
const WATCH_TICK_MS = 1000;
const DEFAULT_REPORT_PAGE = 1000;
const MAX_REPORT_PAGE = 10_000;
/** Apart from the list methods' orders, so their tokens are refused here. */
const REPORT_ORDER = 200;

export class ImportService {
  private readonly runs = new Map<string, ImportJobRun>();
  /** Starts being checked, each holding a place among the running jobs. */
  private starting = 0;
  private sweeper: NodeJS.Timeout | undefined;

  private constructor(
    private readonly list: DncList,
    private readonly uploads: UploadStore,
    private readonly jobs: ImportJobStore,
    readonly settings: ImportSettings,
    private readonly serverCountry: CountryCode | undefined,
  ) {}

  /** Uploads go under `<dataDir>/uploads`. */
  static open(list: DncList, dataDir: string, settings: ImportSettings, serverCountry: CountryCode | undefined): ImportService {
    const uploads = new UploadStore(list.store, join(dataDir, "uploads"), settings.maxFileBytes, settings.uploadTtlMs);
    return new ImportService(list, uploads, new ImportJobStore(list.store), settings, serverCountry);
  }

  /** Marks the jobs a previous process left running as INTERRUPTED (with the change-feed event), and sweeps uploads hourly. */
  async start(): Promise<void> {
    for (const job of this.jobs.all()) {
      if (job.state !== ImportState.RUNNING) continue;
      job.state = ImportState.INTERRUPTED;
      job.finishedAt = timestampFromMs(Date.now());
      job.error = stoppedNote(SIDECAR_STOPPED, job.committedRows);
      await recordEnd({ list: this.list, jobs: this.jobs }, job);
    }
    await this.uploads.sweep(Date.now(), true);
    this.sweeper = setInterval(() => void this.uploads.sweep().catch(() => undefined), SWEEP_MS).unref();
  }

  /** Ends the running jobs after their batches in flight, as INTERRUPTED. */
  async stop(): Promise<void> {
    clearInterval(this.sweeper);
    const runs = [...this.runs.values()];
    for (const run of runs) run.stop(ImportState.INTERRUPTED);
    await Promise.all(runs.map((r) => r.finished));
  }

  receiveUpload(fileName: string, chunks: AsyncIterable<Uint8Array>, signal: AbortSignal): Promise<StoredUpload> {
    return this.uploads.receive(fileName, chunks, signal);
  }

  async analyze(req: AnalyzeImportRequest, signal: AbortSignal): Promise<AnalyzeImportResponse> {
    const options = req.options ?? create(ImportOptionsSchema);
    const country = this.country(options);
    const plan = await planImport(this.uploads, req.uploadId, options, this.settings, signal);
    try {
      const res = create(AnalyzeImportResponseSchema, {
        format: plan.source.format,
        encoding: plan.text?.encoding ?? "",
        delimiter: plan.text?.delimiter ?? "",
        hasHeader: plan.hasHeader,
        header: plan.header,
        preview: plan.preview,
        suggestedMapping: plan.suggested,
        ignoredFiles: plan.source.ignoredFiles,
        sheets: plan.workbook.sheets,
        warnings: plan.warnings,
      });
      if (req.validateAll) {
        // The dry run says what StartImport would: that it refuses the file.
        checkHasData(plan);
        const { counts, sample } = await dryRun(plan, this.mapper(plan, options), this.list, country, this.settings.batchRows, signal);
        res.dryRun = counts;
        res.rejectedSample = sample;
      }
      return res;
    } finally {
      await plan.close();
    }
  }

  /**
   * Checks everything that can be checked before a write (the whole file's
   * row lengths too), then starts the job. A start holds its place among the
   * running jobs from its first moment: checking takes turns, and starts
   * that came together once all passed the limit.
   */
  async startImport(uploadId: string, requested: ImportOptions | undefined, principal: string): Promise<ImportJob> {
    if (this.runs.size + this.starting >= MAX_RUNNING_JOBS) {
      throw new ResourceExhaustedError(`${MAX_RUNNING_JOBS} imports are running; start this one when one of them ends`);
    }
    this.starting++;
    try {
      return await this.checkAndStart(uploadId, requested, principal);
    } finally {
      this.starting--;
    }
  }

  private async checkAndStart(uploadId: string, requested: ImportOptions | undefined, principal: string): Promise<ImportJob> {
    const options = requested ?? create(ImportOptionsSchema);
    const country = this.country(options);
    const plan = await planImport(this.uploads, uploadId, options, this.settings);
    let mapper: RowMapper;
    try {
      checkHasData(plan);
      mapper = this.mapper(plan, options);
      // Reading the whole text once finds an over-long row now, rather than after some batches are in.
      await plan.checkRowLengths();
    } catch (err: unknown) {
      await plan.close();
      throw err;
    }
    const resolved = clone(ImportOptionsSchema, options);
    if (resolved.mapping.length === 0) resolved.mapping = plan.suggested;
    resolved.hasHeader = plan.hasHeader;
    const job = create(ImportJobSchema, {
      jobId: randomUUID(),
      fileName: plan.upload.fileName,
      state: ImportState.RUNNING,
      counts: { bytesTotal: BigInt(plan.source.bytesTotal) },
      startedAt: timestampFromMs(Date.now()),
      startedBy: principal,
      ignoredFiles: plan.source.ignoredFiles,
      uploadId,
      options: resolved,
      format: plan.source.format,
    });
    try {
      await this.jobs.saveJob(job);
    } catch (err: unknown) {
      await plan.close();
      throw err;
    }
    // A completed job's upload has served its purpose; one that stopped early is kept to look into, until it expires.
    const atEnd = (w: StoreWriter, final: ImportJob) => {
      if (final.state === ImportState.COMPLETED) this.uploads.forget(w, uploadId);
    };
    const run = new ImportJobRun(job, plan, mapper, { list: this.list, jobs: this.jobs, batchRows: this.settings.batchRows, country, atEnd });
    this.runs.set(job.jobId, run);
    void run.finished.then(async (final) => {
      this.runs.delete(final.jobId);
      if (final.state === ImportState.COMPLETED) await this.uploads.removeFile(uploadId).catch(() => undefined);
    });
    return run.snapshot();
  }

  job(jobId: string): ImportJob {
    const run = this.runs.get(jobId);
    if (run !== undefined) return run.snapshot();
    if (jobId === "") throw new InvalidArgumentError("job_id", "required");
    const job = this.jobs.get(jobId);
    if (job === undefined) throw new NotFoundError(`no import job with id '${jobId}'`);
    return job;
  }

  /** The job now, then after each committed batch (and at least every second), until it ends. */
  async *watch(jobId: string, signal: AbortSignal): AsyncGenerator<ImportJob> {
    for (;;) {
      const run = this.runs.get(jobId);
      const job = run?.snapshot() ?? this.job(jobId);
      yield job;
      if (run === undefined || job.state !== ImportState.RUNNING) return;
      // One signal for both waits: when either ends, the other's waiter and timer go with it.
      const either = new LinkedAbort(signal);
      await Promise.race([run.changed(either.signal), sleep(WATCH_TICK_MS, undefined, { signal: either.signal }).catch(() => undefined)]);
      either.abort(undefined);
      either.release();
      if (signal.aborted) return;
    }
  }

  /** Stops a running job after its batch in flight; resolves with the job as it ended. */
  async cancel(jobId: string): Promise<ImportJob> {
    const run = this.runs.get(jobId);
    if (run === undefined) {
      const job = this.job(jobId);
      throw new FailedPreconditionError(`the import job is not running: it is ${ImportState[job.state]}`);
    }
    run.stop(ImportState.CANCELLED);
    return run.finished;
  }

  /** A page of the job's rejected rows, in row order. */
  report(jobId: string, pageSize: number, pageToken: string): { job: ImportJob; rejected: RejectedRow[]; nextPageToken: string } {
    const job = this.job(jobId);
    const size = pageSize === 0 ? DEFAULT_REPORT_PAGE : pageSize;
    if (size > MAX_REPORT_PAGE) throw new InvalidArgumentError("page_size", `at most ${MAX_REPORT_PAGE}`);
    const cursor = decodePageToken(pageToken, REPORT_ORDER);
    const rejected: RejectedRow[] = [];
    for (const row of this.jobs.rejectedRows(jobId, cursor === undefined ? 0 : cursorNumber(cursor, 16))) {
      if (rejected.length === size) {
        const last = rejected[rejected.length - 1]!.rowNumber;
        return { job, rejected, nextPageToken: encodePageToken(REPORT_ORDER, last.toString(16)) };
      }
      rejected.push(row);
    }
    return { job, rejected, nextPageToken: "" };
  }

  /** Every rejected row of the job, for the CSV download. */
  rejectedRows(jobId: string): { job: ImportJob; rows: Iterable<RejectedRow> } {
    return { job: this.job(jobId), rows: this.jobs.rejectedRows(jobId) };
  }

  /** Newest first. */
  listJobs(): ImportJob[] {
    return this.jobs.all().map((job) => this.runs.get(job.jobId)?.snapshot() ?? job);
  }

  private country(options: ImportOptions): CountryCode | undefined {
    return resolveCountry(options.defaults?.country ?? "", this.serverCountry, "options.defaults.country");
  }

  private mapper(plan: ImportPlan, options: ImportOptions): RowMapper {
    const mapping = options.mapping.length > 0 ? options.mapping : plan.suggested;
    return new RowMapper(mapping, options.defaults, options.accounts, plan.width);
  }
}

/** Refuses a file whose every row was read and none is data: StartImport and the dry run say the same. */
function checkHasData(plan: ImportPlan): void {
  if (plan.noDataRows) throw new InvalidArgumentError("upload_id", plan.hasHeader ? "the file holds a header row and no data rows" : "the file holds no rows to import");
}
