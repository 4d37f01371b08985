// Uploaded import files: each one a file under <data-dir>/uploads, written
// as it streams in with the size limit enforced chunk by chunk, and a record
// in LMDB naming it. A completed job removes its upload; the rest expire
// after the TTL. At most MAX_RECEIVING uploads stream in at once (the door
// drops one that stalls: import-handlers.ts), so clients cannot hold file
// descriptors and disk. What a stop or a crash cut off (a partial file, a
// workbook being unpacked) is removed at the next start.

import { randomUUID } from "node:crypto";
import { mkdirSync, readdirSync, rmSync, statSync } from "node:fs";
import { open, rename, rm } from "node:fs/promises";
import { join } from "node:path";
import type { Database } from "lmdb";
import { InvalidArgumentError, NotFoundError, ResourceExhaustedError, UnavailableError } from "../errors.js";
import type { EntryStore, StoreWriter } from "../store/entry-store.js";
import { fileExtension, SUPPORTED_EXTENSIONS } from "./file-format.js";

export interface StoredUpload {
  id: string;
  /** The name the client gave, without any directory. */
  fileName: string;
  size: number;
  createdAt: number;
  /**
   * Set once every part of its workbook was inflated and held to its CRC-32:
   * an upload never changes, so a later analysis or start need not pay for
   * that again (about a second per million rows).
   */
  workbookChecked?: boolean;
}

const MAX_FILE_NAME_CHARS = 255;
/** Uploads streaming in at once. */
export const MAX_RECEIVING = 16;
const ID_FORMAT = /^[0-9a-f-]{36}$/;

export class UploadStore {
  private readonly db: Database<StoredUpload, string>;
  private receiving = 0;

  constructor(
    store: EntryStore,
    readonly dir: string,
    private readonly maxBytes: number,
    private readonly ttlMs: number,
  ) {
    this.db = store.openDb<StoredUpload>("import-uploads");
    mkdirSync(dir, { recursive: true });
  }

  /**
   * Stores the chunks as one file; throws, leaving nothing behind, when it is
   * too big or empty, or when `signal` says the client went away (a cut-off
   * stream can look like a short one).
   */
  async receive(fileName: string, chunks: AsyncIterable<Uint8Array>, signal?: AbortSignal): Promise<StoredUpload> {
    const name = checkFileName(fileName);
    // Busy, not too big: UNAVAILABLE (HTTP 503) tells a client to retry, where RESOURCE_EXHAUSTED is 413 on the HTTP port.
    if (this.receiving >= MAX_RECEIVING) throw new UnavailableError(`${MAX_RECEIVING} uploads are in progress; send this one when one of them ends`);
    this.receiving++;
    try {
      return await this.receiveFile(name, chunks, signal);
    } finally {
      this.receiving--;
    }
  }

  private async receiveFile(name: string, chunks: AsyncIterable<Uint8Array>, signal: AbortSignal | undefined): Promise<StoredUpload> {
    const id = randomUUID();
    const partial = join(this.dir, `${id}.part`);
    const file = await open(partial, "wx");
    let size = 0;
    try {
      for await (const chunk of chunks) {
        size += chunk.length;
        if (size > this.maxBytes) {
          throw new ResourceExhaustedError(`the file is larger than the import limit of ${this.maxBytes} bytes`);
        }
        await file.write(chunk);
      }
      signal?.throwIfAborted();
      if (size === 0) throw new InvalidArgumentError("chunk", "the file is empty: there is nothing to import");
      await file.sync();
      // grpc-js ends a reset stream's messages as if the client had finished, and says it was cancelled only a
      // tick later: asked again once the sync has taken a few turns, it knows.
      signal?.throwIfAborted();
    } catch (err: unknown) {
      await file.close();
      await rm(partial, { force: true });
      throw err;
    }
    await file.close();
    // The record first: a sweep in between sees a young partial file, which it leaves, never a file without a record.
    const upload: StoredUpload = { id, fileName: name, size, createdAt: Date.now() };
    await this.db.put(id, upload);
    try {
      await rename(partial, this.path(id));
    } catch (err: unknown) {
      await this.remove(id);
      await rm(partial, { force: true });
      throw err;
    }
    return upload;
  }

  /** The upload, or NOT_FOUND; `field` names the request field that held the id. */
  get(id: string, field = "upload_id"): StoredUpload {
    if (id === "") throw new InvalidArgumentError(field, "required");
    const upload = ID_FORMAT.test(id) ? this.db.get(id) : undefined;
    if (upload === undefined) throw new NotFoundError(`no upload with id '${id}' (uploads are removed when their import completes, or after a while)`);
    return upload;
  }

  async markWorkbookChecked(id: string): Promise<void> {
    await this.db.transaction(() => {
      const upload = this.db.get(id);
      if (upload !== undefined) void this.db.put(id, { ...upload, workbookChecked: true });
    });
  }

  path(id: string): string {
    return join(this.dir, id);
  }

  /** Where the workbook a zipped upload holds is unpacked, to stay until the upload goes. */
  unpackedPath(id: string): string {
    return join(this.dir, `${id}.xlsx`);
  }

  async remove(id: string): Promise<void> {
    await this.removeFile(id);
    await this.db.remove(id);
  }

  /** Drops the upload's record in the write transaction under way; `removeFile` takes the file once that has committed. */
  forget(w: StoreWriter, id: string): void {
    w.remove(this.db, id);
  }

  async removeFile(id: string): Promise<void> {
    await rm(this.path(id), { force: true });
    await rm(this.unpackedPath(id), { force: true });
  }

  /**
   * Removes expired uploads and files no record names. `atStart`: nothing
   * is streaming in or being unpacked yet, so every partial file and
   * unpacked workbook is what a stop or a crash left behind.
   */
  async sweep(now = Date.now(), atStart = false): Promise<void> {
    for (const { key, value } of this.db.getRange({})) {
      if (now - value.createdAt > this.ttlMs) await this.remove(key);
    }
    for (const file of readdirSync(this.dir)) {
      const id = file.split(".")[0]!;
      const path = join(this.dir, file);
      const inProgress = file.endsWith(".part") || file.endsWith(".tmp");
      // Later, a partial file may be an upload in progress: only an old one is left over.
      const stale = inProgress ? atStart || now - mtimeMs(path, now) > this.ttlMs : this.db.get(id) === undefined;
      if (stale) rmSync(path, { force: true, recursive: true });
    }
  }
}

/** A file that went meanwhile counts as new: there is nothing left to remove. */
function mtimeMs(path: string, now: number): number {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return now;
  }
}

function checkFileName(fileName: string): string {
  const name = fileName.split(/[/\\]/).pop()!.trim();
  if (name === "") throw new InvalidArgumentError("file_name", "required (its extension tells the format)");
  if (name.length > MAX_FILE_NAME_CHARS) throw new InvalidArgumentError("file_name", `longer than ${MAX_FILE_NAME_CHARS} characters`);
  const ext = fileExtension(name);
  if (!SUPPORTED_EXTENSIONS.includes(ext)) {
    throw new InvalidArgumentError("file_name", `'${name}': import reads ${SUPPORTED_EXTENSIONS.map((e) => `.${e}`).join(", ")} files`);
  }
  return name;
}
