// The registered webhooks, in their own LMDB database beside the list: the
// URL, the signing secret, and the delivery cursor that survives restarts.

import type { Database } from "lmdb";
import type { EntryStore } from "../store/entry-store.js";

export interface StoredWebhook {
  id: string;
  url: string;
  /** The HMAC-SHA256 key the bodies are signed with. */
  secret: string;
  /** Milliseconds since the epoch. */
  createdAt: number;
  createdBy: string;
  /** The sequence number of the last change the receiver acknowledged with a 2xx. */
  deliveredSeq: number;
}

export class WebhookStore {
  private readonly db: Database<StoredWebhook, string>;

  constructor(store: EntryStore) {
    this.db = store.openDb<StoredWebhook>("webhooks");
  }

  all(): StoredWebhook[] {
    return [...this.db.getRange({})].map(({ value }) => value);
  }

  /** Resolves once the record is durable. */
  async put(hook: StoredWebhook): Promise<void> {
    await this.db.put(hook.id, hook);
    // lmdb-js resolves a put once committed; it is on disk once `flushed` resolves.
    await this.db.flushed;
  }

  async remove(id: string): Promise<void> {
    await this.db.remove(id);
    await this.db.flushed;
  }
}
