// Reading a .zip without trusting it: the central directory is read first
// and each entry is held to the uncompressed size and ratio limits before a
// byte is inflated; while inflating, yauzl stops any entry whose data runs
// past the size it declared. Entries are streamed one at a time and never
// held whole.

import { PassThrough, type Readable } from "node:stream";
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
    return new ZipArchive(zip, entries);
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

  /**
   * Streams the file named `fileName` after checking it against the limits.
   * Damaged data fails the stream with INVALID_ARGUMENT naming the file: the
   * upload is at fault, not the sidecar.
   */
  async openEntry(fileName: string, settings: ImportSettings, name: string): Promise<Readable> {
    const entry = this.entries.find((e) => e.fileName === fileName);
    if (entry === undefined) throw new InvalidArgumentError("upload_id", `'${name}' holds no file '${fileName}'`);
    this.check(entry, settings, name);
    const inflated = await this.zip.openReadStreamPromise(entry);
    const out = new PassThrough();
    inflated.on("error", (err: unknown) => out.destroy(new InvalidArgumentError("upload_id", `'${fileName}' in '${name}' is damaged: ${messageOf(err)}`)));
    out.on("close", () => inflated.destroy());
    return inflated.pipe(out);
  }

  /**
   * Inflates every entry to its end, checking its CRC-32, and keeps none of
   * it: a damaged entry is refused here, naming it, rather than halfway
   * through a read that cannot say why (exceljs waits for ever on a sheet
   * whose deflate data is damaged: its zip reader reports the error where
   * exceljs is not listening).
   */
  async verifyAll(name: string): Promise<void> {
    for (const entry of this.entries) {
      let crc = 0;
      try {
        for await (const chunk of await this.zip.openReadStreamPromise(entry)) crc = crc32Update(crc, chunk as Buffer);
      } catch (err: unknown) {
        throw new InvalidArgumentError("upload_id", `'${entry.fileName}' in '${name}' is damaged: ${messageOf(err)}`);
      }
      if (crc !== entry.crc32) {
        throw new InvalidArgumentError("upload_id", `'${entry.fileName}' in '${name}' is damaged: its contents do not match their CRC-32`);
      }
    }
  }

  close(): void {
    this.zip.close();
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
