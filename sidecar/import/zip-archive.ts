// Reading a .zip without trusting it: the central directory is read first
// and each entry is held to the uncompressed size and ratio limits before a
// byte is inflated; while inflating, any entry whose data runs past the size
// it declared is stopped. Entries are streamed one at a time and never held
// whole.

import { createReadStream } from "node:fs";
import { PassThrough, pipeline, Readable, Transform } from "node:stream";
import { createInflateRaw } from "node:zlib";
import { crc32Update } from "../checksum/running-crc32.js";
import yauzl, { type Entry, type ZipFile } from "yauzl";
import { InvalidArgumentError, messageOf, ResourceExhaustedError } from "../errors.js";
import type { ImportSettings } from "./import-settings.js";

export interface ZipEntryInfo {
  name: string;
  size: number;
}

export class ZipArchive {
  private constructor(
    private readonly path: string,
    private readonly zip: ZipFile,
    /** Files, in the archive's order; directories left out. */
    private readonly entries: Entry[],
  ) {}

  /** Opens `path` and reads its central directory; a damaged or truncated archive is refused with the reason. */
  static async open(path: string, name: string, field: string): Promise<ZipArchive> {
    let zip: ZipFile;
    try {
      zip = await yauzl.openPromise(path, { lazyEntries: true, autoClose: false, validateEntrySizes: true, strictFileNames: false });
    } catch (err: unknown) {
      throw new InvalidArgumentError(field, `'${name}' is not a readable zip archive (truncated or damaged?): ${messageOf(err)}`);
    }
    const entries: Entry[] = [];
    try {
      for await (const entry of zip.eachEntry()) {
        if (!entry.fileName.endsWith("/")) entries.push(entry);
      }
    } catch (err: unknown) {
      zip.close();
      throw new InvalidArgumentError(field, `'${name}' has a damaged zip directory: ${messageOf(err)}`);
    }
    return new ZipArchive(path, zip, entries);
  }

  get files(): ZipEntryInfo[] {
    return this.entries.map((e) => ({ name: e.fileName, size: e.uncompressedSize }));
  }

  /** Throws unless every entry is within the size and ratio limits, and their total within the size limit. */
  checkAll(settings: ImportSettings, name: string): void {
    let total = 0;
    for (const entry of this.entries) {
      this.check(entry, settings, name);
      total += entry.uncompressedSize;
    }
    if (total > settings.maxUnzippedBytes) {
      throw new ResourceExhaustedError(`'${name}' unpacks to ${total} bytes, over the limit of ${settings.maxUnzippedBytes}`);
    }
  }

  /** Throws unless the file named `fileName` is held and within the limits. */
  checkEntry(fileName: string, settings: ImportSettings, name: string): void {
    this.check(this.entry(fileName, name), settings, name);
  }

  /**
   * Streams the file named `fileName` after checking it against the limits.
   * Damaged data fails the stream with INVALID_ARGUMENT naming the file: the
   * upload is at fault, not the sidecar. A reader may stop early: the
   * stream's parts are then destroyed. (yauzl's own stream of a stored entry,
   * destroyed with a read queued, threw from that read and ended the process:
   * the bytes are read here with a file stream of their own.)
   */
  async openEntry(fileName: string, settings: ImportSettings, name: string): Promise<Readable> {
    const entry = this.entry(fileName, name);
    this.check(entry, settings, name);
    return this.stream(entry, name);
  }

  private async stream(entry: Entry, name: string): Promise<Readable> {
    const damaged = (err: unknown) => new InvalidArgumentError("upload_id", `'${entry.fileName}' in '${name}' is damaged: ${messageOf(err)}`);
    let start: number;
    try {
      start = (await this.zip.readLocalFileHeaderPromise(entry, { minimal: true })).fileDataStart;
    } catch (err: unknown) {
      throw damaged(err);
    }
    const raw = entry.compressedSize === 0 ? Readable.from([]) : createReadStream(this.path, { start, end: start + entry.compressedSize - 1 });
    const stages: (Readable | Transform)[] = entry.compressionMethod === 8 ? [raw, createInflateRaw()] : [raw];
    stages.push(declaredSize(entry.uncompressedSize));
    const out = new PassThrough();
    // Listening before pipeline does, so that the reader is told why, in the upload's terms.
    for (const stage of stages) stage.on("error", (err: unknown) => out.destroy(damaged(err)));
    pipeline([...stages, out], () => undefined);
    return out;
  }

  /**
   * Inflates every entry to its end, checking its CRC-32, and keeps none of
   * it: a damaged entry is refused here, naming it, before a row of it is
   * imported, rather than halfway through an import (and data that inflates
   * but is not what was written shows only in its CRC).
   */
  async verifyAll(name: string): Promise<void> {
    for (const entry of this.entries) {
      let crc = 0;
      for await (const chunk of await this.stream(entry, name)) crc = crc32Update(crc, chunk as Buffer);
      if (crc !== entry.crc32) {
        throw new InvalidArgumentError("upload_id", `'${entry.fileName}' in '${name}' is damaged: its contents do not match their CRC-32`);
      }
    }
  }

  close(): void {
    this.zip.close();
  }

  private entry(fileName: string, name: string): Entry {
    const entry = this.entries.find((e) => e.fileName === fileName);
    if (entry === undefined) throw new InvalidArgumentError("upload_id", `'${name}' holds no file '${fileName}'`);
    return entry;
  }

  private check(entry: Entry, settings: ImportSettings, name: string): void {
    const what = `'${entry.fileName}' in '${name}'`;
    if (entry.isEncrypted()) throw new InvalidArgumentError("upload_id", `${what} is encrypted`);
    if (entry.compressionMethod !== 0 && entry.compressionMethod !== 8) {
      throw new InvalidArgumentError("upload_id", `${what} uses compression method ${entry.compressionMethod}; only stored and deflated files are read`);
    }
    if (entry.uncompressedSize > settings.maxUnzippedBytes) {
      throw new ResourceExhaustedError(`${what} unpacks to ${entry.uncompressedSize} bytes, over the limit of ${settings.maxUnzippedBytes}`);
    }
    const ratio = entry.uncompressedSize / Math.max(entry.compressedSize, 1);
    if (ratio > settings.maxZipRatio) {
      throw new ResourceExhaustedError(`${what} is compressed ${Math.round(ratio)}:1, over the limit of ${settings.maxZipRatio}:1 (a zip bomb?)`);
    }
  }
}

/** Passes the bytes on, failing once they run past `size` or end short of it. */
function declaredSize(size: number): Transform {
  let seen = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, done) {
      seen += chunk.length;
      done(seen > size ? new Error(`it holds more than the ${size} bytes it declares`) : undefined, chunk);
    },
    flush(done) {
      done(seen < size ? new Error(`it ends after ${seen} of the ${size} bytes it declares`) : undefined);
    },
  });
}
