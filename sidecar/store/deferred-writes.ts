// Writes recorded while a batch is prepared and queued to LMDB together once
// it is complete. lmdb-js commits the writes queued in one event turn as one
// transaction, run on its own write thread; recording first means a batch
// whose preparation throws queues nothing at all.

import type { Database } from "lmdb";

const REMOVE = Symbol("remove");

/** Where a writer's puts and removes go. */
export interface WriteSink {
  put(db: Database, key: unknown, value: unknown): void;
  remove(db: Database, key: unknown): void;
}

export class DeferredWrites implements WriteSink {
  private readonly dbs: Database[] = [];
  private readonly keys: unknown[] = [];
  private readonly values: unknown[] = [];

  put(db: Database, key: unknown, value: unknown): void {
    this.dbs.push(db);
    this.keys.push(key);
    this.values.push(value);
  }

  remove(db: Database, key: unknown): void {
    this.put(db, key, REMOVE);
  }

  /** Queues every recorded write in order, in this event turn; resolves when their transaction commits. */
  queue(): Promise<unknown> {
    const { dbs, keys, values } = this;
    let committed: Promise<unknown> = Promise.resolve(true);
    for (let i = 0; i < dbs.length; i++) {
      const value = values[i];
      committed = value === REMOVE ? dbs[i]!.remove(keys[i] as never) : dbs[i]!.put(keys[i] as never, value);
    }
    return committed;
  }
}
