// Delivers the change feed to one webhook, strictly in order: a change that
// fails is retried with exponential backoff and holds back the ones after
// it. The cursor moves in LMDB only after a 2xx, so a restart resumes with
// the first change the receiver has not acknowledged (or, after a crash, a
// few before it: the cursor goes to disk beside the deliveries, not between
// them).

import { setTimeout as sleep } from "node:timers/promises";
import type { ChangeFeed } from "../history/change-feed.js";
import type { HistoryEvent } from "../store/entry-store.js";
import { deliver } from "./webhook-delivery.js";
import type { StoredWebhook, WebhookStore } from "./webhook-store.js";

export interface DeliveryOptions {
  /** First retry delay; it doubles up to `maxBackoffMs`. */
  minBackoffMs: number;
  maxBackoffMs: number;
  /** How long one POST may take. */
  timeoutMs: number;
}

export const DEFAULT_DELIVERY: DeliveryOptions = { minBackoffMs: 100, maxBackoffMs: 30_000, timeoutMs: 10_000 };

export class WebhookWorker {
  /** Why the last attempt failed; empty after a success. */
  lastError = "";
  private readonly stopper = new AbortController();
  private readonly running: Promise<void>;
  /** The cursor save in flight, if any; it saves the newest cursor until the store holds it. */
  private saving: Promise<void> | undefined;
  private savedSeq: number;

  constructor(
    private hook: StoredWebhook,
    private readonly feed: ChangeFeed,
    private readonly store: WebhookStore,
    private readonly options: DeliveryOptions,
  ) {
    this.savedSeq = hook.deliveredSeq;
    // Only a failing store read ends the loop early; ListWebhooks shows why.
    this.running = this.run().catch((err: unknown) => {
      this.lastError = `delivery stopped: ${describe(err)}`;
    });
  }

  get webhook(): StoredWebhook {
    return this.hook;
  }

  /** Stops after the attempt in flight is cancelled; resolves once nothing more is written. */
  async stop(): Promise<void> {
    this.stopper.abort();
    await this.running;
    await this.saving;
    if (this.savedSeq < this.hook.deliveredSeq) {
      this.saveCursor();
      await this.saving;
    }
  }

  private async run(): Promise<void> {
    const signal = this.stopper.signal;
    let cursor = this.hook.deliveredSeq;
    while (!signal.aborted) {
      const batch = this.feed.read(cursor);
      for (const change of batch.changes) {
        if (!(await this.deliverUntilAcknowledged(change, signal))) return;
        this.hook = { ...this.hook, deliveredSeq: change.seq };
        this.saveCursor();
      }
      cursor = batch.through;
      if (batch.caughtUp && batch.changes.length === 0) await this.feed.nextCommit(signal);
    }
  }

  /**
   * Saves the cursor beside the next deliveries: waiting for each save to
   * reach the disk held every webhook to about 350 changes a second, so a
   * large import took most of an hour to reach its receiver. A save in
   * flight takes the newest cursor when it is done. A cursor that fails to
   * save is saved with the next one; a restart in between delivers again,
   * never less.
   */
  private saveCursor(): void {
    // The loop always awaits before it ends, so `saving` is set before saveNewest clears it.
    if (this.saving === undefined && this.savedSeq < this.hook.deliveredSeq) this.saving = this.saveNewest();
  }

  private async saveNewest(): Promise<void> {
    try {
      while (this.savedSeq < this.hook.deliveredSeq) {
        const hook = this.hook;
        await this.store.put(hook);
        this.savedSeq = hook.deliveredSeq;
      }
    } catch (err: unknown) {
      this.lastError = `could not save the delivery cursor: ${describe(err)}`;
    } finally {
      // Cleared in the same turn as the last look at the cursor, so a delivery acknowledged after it starts a save of its own.
      this.saving = undefined;
    }
  }

  /** False when stopped before the receiver acknowledged the change. */
  private async deliverUntilAcknowledged(change: HistoryEvent, signal: AbortSignal): Promise<boolean> {
    let delay = this.options.minBackoffMs;
    for (;;) {
      try {
        await deliver(this.hook, change, this.options.timeoutMs, signal);
        this.lastError = "";
        return true;
      } catch (err: unknown) {
        if (signal.aborted) return false;
        this.lastError = describe(err);
      }
      try {
        await sleep(delay, undefined, { signal });
      } catch {
        return false;
      }
      delay = Math.min(delay * 2, this.options.maxBackoffMs);
    }
  }
}

/** fetch reports network failures as "fetch failed" with the reason in `cause`. */
function describe(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const cause = err.cause instanceof Error ? `: ${err.cause.message}` : "";
  return `${err.message}${cause}`;
}
