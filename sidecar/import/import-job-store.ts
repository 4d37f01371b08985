// Import jobs and their reports in LMDB, beside the list: each job's state
// and counts, and every rejected row under its job and row number. The
// writes made while a job runs are meant to join the list's own write
// transaction (DncList.addEntries's alsoWrite), so the job's record never
// says more or less than the list holds.

import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import type { Database } from "lmdb";
import { ImportJobSchema, RejectedRowSchema, type ImportJob, type RejectedRow } from "../gen/dnc/v1/import_pb.js";
import type { EntryStore, StoreWriter } from "../store/entry-store.js";

interface StoredRejectedRow {
  raw: string;
  reason: string;
}

/** Row numbers fixed-width, so that keys sort in row order. */
const ROW_DIGITS = 12;

function rowKey(jobId: string, rowNumber: number): string {
  return `${jobId}:${String(rowNumber).padStart(ROW_DIGITS, "0")}`;
}

export class ImportJobStore {
  private readonly jobs: Database<Uint8Array, string>;
  private readonly rejected: Database<StoredRejectedRow, string>;

  constructor(store: EntryStore) {
    this.jobs = store.openDb<Uint8Array>("import-jobs");
    this.rejected = store.openDb<StoredRejectedRow>("import-rejected");
  }

  /** Writes a job's record in the list's write under way. */
  putJob(w: StoreWriter, job: ImportJob): void {
    w.put(this.jobs, job.jobId, toBinary(ImportJobSchema, job));
  }

  /** Writes a rejected row in the list's write under way. */
  putRejected(w: StoreWriter, jobId: string, rowNumber: number, raw: string, reason: string): void {
    w.put(this.rejected, rowKey(jobId, rowNumber), { raw, reason });
  }

  /** Writes a job's record on its own; resolves once it is on disk. */
  async saveJob(job: ImportJob): Promise<void> {
    await this.jobs.put(job.jobId, toBinary(ImportJobSchema, job));
    await this.jobs.flushed;
  }

  get(jobId: string): ImportJob | undefined {
    const bytes = this.jobs.get(jobId);
    return bytes === undefined ? undefined : fromBinary(ImportJobSchema, bytes);
  }

  /** Newest first. */
  all(): ImportJob[] {
    const jobs = [...this.jobs.getRange({})].map(({ value }) => fromBinary(ImportJobSchema, value));
    return jobs.sort((a, b) => Number((b.startedAt?.seconds ?? 0n) - (a.startedAt?.seconds ?? 0n)) || (b.startedAt?.nanos ?? 0) - (a.startedAt?.nanos ?? 0));
  }

  /** Rejected rows of a job in row order, after row `afterRow`. */
  *rejectedRows(jobId: string, afterRow = 0): Iterable<RejectedRow> {
    for (const { key, value } of this.rejected.getRange({ start: rowKey(jobId, afterRow + 1), end: `${jobId};` })) {
      yield create(RejectedRowSchema, { rowNumber: BigInt(key.slice(jobId.length + 1)), raw: value.raw, reason: value.reason });
    }
  }
}
