// One running import: reads the plan's rows a batch at a time and writes
// each batch with its progress and its rejected rows in one transaction,
// parsing the next batch while the previous one commits. Cancelling, or
// stopping the sidecar, ends it after the batch in flight: the list then
// holds exactly the committed batches, and the job says up to which row.

import { clone, toBinary } from "@bufbuild/protobuf";
import { timestampFromMs, timestampMs } from "@bufbuild/protobuf/wkt";
import type { CountryCode } from "libphonenumber-js";
import type { DncList } from "../engine/dnc-list.js";
import { ImportJobSchema, ImportState, type ImportJob } from "../gen/dnc/v1/import_pb.js";
import type { ImportJobStore } from "./import-job-store.js";
import type { StoreWriter } from "../store/entry-store.js";
import { nextTurn } from "../async/next-turn.js";
import { collectImportGarbage } from "./import-heap.js";
import { WakeSignal } from "../async/wake-signal.js";
import type { ImportPlan } from "./import-plan.js";
import { prepareBatch, rawRow, releaseRows, type PreparedBatch } from "./prepared-batch.js";
import type { RowMapper } from "./row-mapper.js";
import { messageOf } from "../errors.js";

export interface RunContext {
  list: DncList;
  jobs: ImportJobStore;
  batchRows: number;
  country: CountryCode | undefined;
  /** Runs in the transaction that records the job's end. */
  atEnd: (w: StoreWriter, job: ImportJob) => void;
}

export class ImportJobRun {
  /** The job as last committed. */
  private job: ImportJob;
  private stopAs: ImportState.CANCELLED | ImportState.INTERRUPTED | undefined;
  private readonly progress = new WakeSignal();
  /** Resolves with the final job once it is recorded. */
  readonly finished: Promise<ImportJob>;

  constructor(
    job: ImportJob,
    private readonly plan: ImportPlan,
    private readonly mapper: RowMapper,
    private readonly ctx: RunContext,
  ) {
    this.job = job;
    this.finished = this.run();
  }

  /** The job now, with its rate and time left. */
  snapshot(): ImportJob {
    const job = clone(ImportJobSchema, this.job);
    const counts = job.counts!;
    if (job.state !== ImportState.RUNNING) return job;
    const seconds = (Date.now() - timestampMs(job.startedAt!)) / 1000;
    if (seconds > 0) job.rowsPerSecond = Number(counts.rowsRead) / seconds;
    const read = Number(counts.bytesRead);
    const left = Number(counts.bytesTotal) - read;
    if (read > 0 && left > 0) job.etaSeconds = Math.ceil(left / (read / seconds));
    return job;
  }

  /** Ends the job after the batch in flight, as CANCELLED (a user asked) or INTERRUPTED (the sidecar stops). */
  stop(as: ImportState.CANCELLED | ImportState.INTERRUPTED): void {
    this.stopAs ??= as;
  }

  /** Resolves at the next committed batch or the end, or when `signal` aborts. */
  changed(signal: AbortSignal): Promise<void> {
    return this.progress.wait(signal, this.job.state !== ImportState.RUNNING);
  }

  private async run(): Promise<ImportJob> {
    let state = ImportState.COMPLETED;
    let error = "";
    let inFlight: Promise<void> | undefined;
    try {
      for await (const batch of this.plan.rows(this.ctx.batchRows)) {
        if (this.stopAs !== undefined) break;
        // Rows already read go on through promises alone, which never let the
        // event loop poll: filter calls would wait out the whole file.
        await nextTurn();
        collectImportGarbage();
        const prepared = prepareBatch(batch, this.plan.dataStart, this.mapper, this.ctx.country);
        await inFlight;
        if (this.stopAs !== undefined) break;
        await nextTurn();
        let queued!: () => void;
        const isQueued = new Promise<void>((resolve) => (queued = resolve));
        inFlight = this.commit(prepared, queued);
        // Its failure is taken at the next await of it; until then, reading the next batch must not make it an unhandled rejection.
        inFlight.catch(() => undefined);
        // The list prepares a batch a slice per turn; the next batch is read once this one is queued to LMDB, so that
        // reading it runs beside the commit rather than holding the commit back.
        await Promise.race([isQueued, inFlight.catch(() => undefined)]);
      }
      await inFlight;
    } catch (err: unknown) {
      await inFlight?.catch(() => undefined);
      state = ImportState.FAILED;
      error = messageOf(err);
    }
    await this.plan.close();
    if (state === ImportState.FAILED || this.stopAs === undefined) return this.finish(state, error);
    const why = this.stopAs === ImportState.CANCELLED ? "cancelled" : SIDECAR_STOPPED;
    return this.finish(this.stopAs, stoppedNote(why, this.job.committedRows));
  }

  /** `queued` is called once the batch's writes are all recorded, as they go to LMDB. */
  private async commit(p: PreparedBatch, queued: () => void): Promise<void> {
    const { jobs, list, country } = this.ctx;
    const next = clone(ImportJobSchema, this.job);
    const refused = [...p.refusedRecords].map(([row, entry]) => ({ entry, reason: `import row ${row}: ${p.refused.get(row)!}` }));
    await list.addEntries(p.entries, country, next.startedBy, (w, result) => {
      queued();
      for (const r of result.rejected) {
        const row = p.entryRows[r.index]!;
        if (!p.refused.has(row)) p.refused.set(row, r.reason);
      }
      for (const [row, reason] of p.refused) jobs.putRejected(w, next.jobId, row, rawRow(p.batch, row, this.plan.rawDelimiter), reason);
      const counts = next.counts!;
      counts.rowsRead += BigInt(p.rowsRead);
      counts.added += BigInt(result.added);
      counts.repeated += BigInt(result.repeated);
      counts.rejected += BigInt(p.refused.size);
      counts.bytesRead = BigInt(p.batch.bytesRead);
      next.committedRows = BigInt(p.lastRow);
      jobs.putJob(w, next);
      releaseRows(p);
    }, refused, p.checked);
    this.job = next;
    this.progress.wake();
  }

  /** Records the end, and the completion event on the change feed, in one write. */
  private async finish(state: ImportState, error: string): Promise<ImportJob> {
    const final = clone(ImportJobSchema, this.job);
    final.state = state;
    final.error = error;
    final.finishedAt = timestampFromMs(Date.now());
    if (state === ImportState.COMPLETED) final.counts!.bytesRead = final.counts!.bytesTotal;
    try {
      await recordEnd(this.ctx, final, (w) => this.ctx.atEnd(w, final));
    } catch (err: unknown) {
      // The record still says RUNNING: the next start marks it INTERRUPTED.
      final.error = [error, `the job's end could not be recorded: ${messageOf(err)}`].filter(Boolean).join("; ");
    }
    this.job = final;
    this.progress.wake();
    return final;
  }
}

export const SIDECAR_STOPPED = "the sidecar stopped while the job ran";

/** The error of a job that stopped before its end: why, and the rows that are in the list (those of its committed batches). */
export function stoppedNote(why: string, committedRows: bigint): string {
  return committedRows > 0n ? `${why}; rows 1 to ${committedRows} were imported` : `${why}; no row was imported`;
}

/** Writes a job's final record and its import_finished history event together, with `also`'s writes. */
export async function recordEnd(ctx: Pick<RunContext, "list" | "jobs">, job: ImportJob, also?: (w: StoreWriter) => void): Promise<void> {
  await ctx.list.addEntries([], undefined, job.startedBy, (w) => {
    also?.(w);
    ctx.jobs.putJob(w, job);
    w.appendHistory({ at: Date.now(), actor: job.startedBy, action: "import_finished", entry: new Uint8Array(0), importJob: toBinary(ImportJobSchema, job) });
  });
}
