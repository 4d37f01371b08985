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

  /**
   * Queues every recorded write in order, in this event turn; resolves when
   * their transaction commits, and rejects as it does when it fails.
   */
  queue(): Promise<unknown> {
    const { dbs, keys, values } = this;
    let committed: Promise<unknown> = Promise.resolve(true);
    let handled: Promise<unknown> | undefined;
    for (let i = 0; i < dbs.length; i++) {
      const value = values[i];
      committed = value === REMOVE ? dbs[i]!.remove(keys[i] as never) : dbs[i]!.put(keys[i] as never, value);
      // A failed commit rejects every write of its transaction, and each rejection's commitError a moment later
      // with the cause: unhandled, any of those ended the process (a full disk did). The last write's rejection
      // still reaches the caller. lmdb-js hands the writes of one transaction one promise: one handler each.
      if (committed !== handled) {
        committed.catch((err: unknown) => void commitErrorOf(err)?.catch(() => undefined));
        handled = committed;
      }
    }
    // lmdb-js holds what it still needs until the commit. Held here too, through the wait for the disk, a batch's
    // keys, values and history events outlived young collections: an import filled the old space with them.
    dbs.length = keys.length = values.length = 0;
    return committed;
  }
}

/** The promise lmdb-js gives a failed commit's writes, which rejects with the cause (ENOSPC, MDB_MAP_FULL…). */
export function commitErrorOf(err: unknown): Promise<unknown> | undefined {
  const commitError = (err as { commitError?: unknown } | null | undefined)?.commitError;
  return commitError instanceof Promise ? commitError : undefined;
}
