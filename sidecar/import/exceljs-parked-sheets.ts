// The temporary files exceljs's stream reader parks a workbook's sheets in.
// It meets the sheets before the shared strings in most workbooks (Excel and
// LibreOffice both write them so), writes each to a file it asks the `tmp`
// package for, and removes the file only once it has read that sheet to its
// end. A read stopped sooner (an analysis's first rows, a cancelled or failed
// import, the sheets after the one asked for) left each file, and the
// descriptor `tmp` holds open on it, until the process ended: three
// descriptors for each analysis of a one-sheet workbook, in a sidecar that
// runs for months. Here a read parks its sheets in a place of its own (the
// uploads directory, beside the upload, so a crash's leftovers are swept
// with it and a tmpfs /tmp holds no sheet in memory), and removes whatever
// is still parked when it ends. exceljs asks `tmp` at the moment it parks,
// so the read in progress is known from the async context it runs in.

import { AsyncLocalStorage } from "node:async_hooks";
import { randomUUID } from "node:crypto";
import { closeSync, open, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";

type FileCallback = (err: Error | null, path?: string, fd?: number, remove?: () => void) => void;

interface TmpModule {
  file(options: unknown, callback?: FileCallback): void;
}

const current = new AsyncLocalStorage<ParkedSheets>();

export class ParkedSheets {
  /** Parked files not yet removed, and the descriptor opened with each. */
  private readonly files = new Map<string, number>();
  private ended = false;

  /** Sheets go in `dir`, named from `prefix` (an upload's id: the uploads sweep keeps them while it lives). */
  constructor(
    private readonly dir: string,
    private readonly prefix: string,
  ) {}

  /** Runs one step of exceljs's reader: the sheets it parks meanwhile are this read's. */
  run<T>(step: () => T): T {
    return current.run(this, step);
  }

  /** Removes every sheet still parked; one parked after this is removed at once. */
  removeAll(): void {
    this.ended = true;
    for (const path of [...this.files.keys()]) this.remove(path);
  }

  /** `tmp.file` for exceljs: a new empty file, its descriptor, and the callback that removes both. */
  park(callback: FileCallback): void {
    const path = join(this.dir, `${this.prefix}.${randomUUID()}.sheet.tmp`);
    open(path, "wx", 0o600, (err, fd) => {
      if (err !== null) return callback(err);
      this.files.set(path, fd);
      if (this.ended) {
        this.remove(path);
        return callback(new Error("the workbook's read has ended"));
      }
      callback(null, path, fd, () => this.remove(path));
    });
  }

  private remove(path: string): void {
    const fd = this.files.get(path);
    if (fd === undefined) return;
    this.files.delete(path);
    closeSync(fd);
    rmSync(path, { force: true });
  }
}

const tmp = createRequire(createRequire(import.meta.url).resolve("exceljs"))("tmp") as TmpModule;
const tmpFile = tmp.file.bind(tmp);
tmp.file = (options: unknown, callback?: FileCallback): void => {
  const cb = typeof options === "function" ? (options as FileCallback) : callback!;
  const parked = current.getStore();
  if (parked === undefined) tmpFile(options, callback);
  else parked.park(cb);
};
