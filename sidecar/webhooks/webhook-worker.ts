// Delivers the change feed to one webhook, strictly in order: a change that
// fails is retried with exponential backoff and holds back the ones after
// it. The cursor moves in LMDB only after a 2xx, so a restart resumes with
// the first change the receiver has not acknowledged.

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

  constructor(
    private hook: StoredWebhook,
    private readonly feed: ChangeFeed,
    private readonly store: WebhookStore,
    private readonly options: DeliveryOptions,
  ) {
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
  }

  private async run(): Promise<void> {
    const signal = this.stopper.signal;
    let cursor = this.hook.deliveredSeq;
    while (!signal.aborted) {
      const batch = this.feed.read(cursor);
      for (const change of batch.changes) {
        if (!(await this.deliverUntilAcknowledged(change, signal))) return;
        this.hook = { ...this.hook, deliveredSeq: change.seq };
        await this.saveCursor();
      }
      cursor = batch.through;
      if (batch.caughtUp && batch.changes.length === 0) await this.feed.nextCommit(signal);
    }
  }

  /** A cursor that fails to save is saved with the next one; a restart in between delivers again, never less. */
  private async saveCursor(): Promise<void> {
    try {
      await this.store.put(this.hook);
    } catch (err: unknown) {
      this.lastError = `could not save the delivery cursor: ${describe(err)}`;
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
