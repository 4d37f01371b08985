// The live change feed: every add and removal, and the end of every import
// job (so a watcher learns when a bulk change is done), in sequence order,
// read from the history as the list commits it. Readers keep their own
// cursor, so a reader that falls behind or reconnects loses nothing and the
// writers never wait for it. WatchChanges streams it; the webhook dispatcher delivers it.

import { InvalidArgumentError, UnavailableError } from "../errors.js";
import type { DncList } from "../engine/dnc-list.js";
import type { HistoryEvent } from "../store/entry-store.js";
import { WakeSignal } from "../async/wake-signal.js";

/** Changes handed out per read; bounds what a slow reader holds in memory. */
const READ_CHANGES = 256;
/** Events looked at per read, so a long run of repeats or rejections does not hold the loop. */
const READ_EVENTS = 4096;

export interface ChangeBatch {
  changes: HistoryEvent[];
  /** The sequence number read through, past any repeats and rejections. */
  through: number;
  /** Nothing committed lies beyond `through`. */
  caughtUp: boolean;
}

export class ChangeFeed {
  private readonly commits = new WakeSignal();
  private readonly unsubscribe: () => void;
  private closed = false;

  constructor(private readonly list: DncList) {
    this.unsubscribe = list.onCommitted(() => this.commits.wake());
  }

  /**
   * The newest committed sequence number: a reader starting here gets the
   * next change. Read from the history, since the store's counter runs ahead
   * inside a write and goes back if the write fails.
   */
  get lastSeq(): number {
    for (const event of this.list.store.historyBefore()) return event.seq;
    return 0;
  }

  /** The committed changes after `afterSeq`, a bounded batch at a time. */
  read(afterSeq: number): ChangeBatch {
    const changes: HistoryEvent[] = [];
    let through = afterSeq;
    let looked = 0;
    for (const event of this.list.store.historyAfter(afterSeq)) {
      through = event.seq;
      if (event.action === "added" || event.action === "removed" || event.action === "import_finished") changes.push(event);
      if (changes.length === READ_CHANGES || ++looked === READ_EVENTS) return { changes, through, caughtUp: false };
    }
    return { changes, through, caughtUp: true };
  }

  /**
   * Resolves at the next commit, when the feed closes, or when `signal`
   * aborts. Call it in the same tick as a read that came back caught up, so
   * no commit can slip in between.
   */
  nextCommit(signal: AbortSignal): Promise<void> {
    return this.commits.wait(signal, this.closed);
  }

  /**
   * WatchChanges: the changes after `afterSeq` (0: from the next one), then
   * live ones as they commit, until `signal` aborts. Ends with UNAVAILABLE
   * when the sidecar shuts down, so the client resumes elsewhere or later.
   */
  async *watch(afterSeq: number, signal: AbortSignal): AsyncGenerator<HistoryEvent> {
    const lastSeq = this.lastSeq;
    if (afterSeq > lastSeq) throw new InvalidArgumentError("after_seq", `beyond the newest sequence number ${lastSeq}`);
    let cursor = afterSeq === 0 ? lastSeq : afterSeq;
    for (;;) {
      if (signal.aborted) return;
      if (this.closed) throw new UnavailableError("the sidecar is shutting down; resume with after_seq set to the last seq received");
      const batch = this.read(cursor);
      cursor = batch.through;
      for (const change of batch.changes) {
        if (signal.aborted) return;
        yield change;
      }
      if (batch.caughtUp && batch.changes.length === 0) await this.nextCommit(signal);
    }
  }

  /** Ends every watch and wakes every waiting reader; for shutdown. */
  close(): void {
    this.closed = true;
    this.unsubscribe();
    this.commits.wake();
  }
}
