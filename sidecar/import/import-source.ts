// Opens an upload for reading: checks that its bytes are what its name
// claims, and for a .zip picks the file to read (the first .csv, .txt or
// .xlsx; the others are reported as ignored). A workbook inside a zip is
// unpacked beside the upload first, because its parts are read from it in
// an order of the reader's choosing and need checking before any is read;
// it stays there, with the upload, for the next analysis or start.

import { createReadStream, createWriteStream } from "node:fs";
import { open, rename, rm, stat } from "node:fs/promises";
import type { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { DncError, InvalidArgumentError, messageOf, ResourceExhaustedError } from "../errors.js";
import { checkMagic, fileExtension, TEXT_EXTENSIONS } from "./file-format.js";
import type { ImportSettings } from "./import-settings.js";
import { ZipArchive } from "./zip-archive.js";

interface SourceBase {
  /** "csv", "txt" or "xlsx"; "zip/<inner format>" for an archive. */
  format: string;
  /** Files of a zip that are not read. */
  ignoredFiles: string[];
  /** The bytes a read goes through: the upload's, or those of the file a zip holds. */
  bytesTotal: number;
  /** Releases the archive and any temporary file. */
  close(): Promise<void>;
}

export interface TextSource extends SourceBase {
  kind: "text";
  /** The file's bytes, from the start; may be called more than once. */
  open(): Promise<Readable>;
}

export interface WorkbookSource extends SourceBase {
  kind: "xlsx";
  /** The workbook's file (the upload, or the copy unpacked from a zip), held to the limits and its checksums. */
  path: string;
  /** How messages name it. */
  name: string;
}

export type ImportSource = TextSource | WorkbookSource;

/** A read chunk is split into rows in one event-loop turn: at 64 KB (a few thousand rows) filter calls wait milliseconds for it, not a tenth of a second. */
const READ_CHUNK = 64 * 1024;
const READABLE = [...TEXT_EXTENSIONS, "xlsx"];

/** Where a workbook inside a zip goes: `unpacked` once whole, `temp` while it is written. */
export interface UnpackPaths {
  unpacked: string;
  temp: string;
}

/**
 * With `workbookChecked`, a workbook's parts are not inflated again to check
 * them (an earlier open of the same upload did); their limits still are.
 * `signal` stops an unpacking whose caller went away.
 */
export async function openImportSource(
  path: string,
  name: string,
  settings: ImportSettings,
  unpack: UnpackPaths,
  workbookChecked = false,
  signal?: AbortSignal,
): Promise<ImportSource> {
  checkMagic(name, await head(path), "upload_id");
  const ext = fileExtension(name);
  const fileStream = (file: string) => async () => createReadStream(file, { highWaterMark: READ_CHUNK });
  if (ext === "xlsx") {
    await checkWorkbook(path, name, settings, !workbookChecked);
    return { format: "xlsx", kind: "xlsx", ignoredFiles: [], bytesTotal: await fileSize(path), path, name, close: async () => {} };
  }
  if (ext !== "zip") {
    return { format: formatOf(ext), kind: "text", ignoredFiles: [], bytesTotal: await fileSize(path), open: fileStream(path), close: async () => {} };
  }
  const archive = await ZipArchive.open(path, name, "upload_id");
  try {
    const files = archive.files;
    const chosen = files.find((f) => READABLE.includes(fileExtension(f.name)) && !isJunk(f.name));
    if (chosen === undefined) {
      const held = files.length === 0 ? "no files" : files.map((f) => f.name).join(", ");
      throw new InvalidArgumentError("upload_id", `'${name}' holds no .csv, .txt or .xlsx file (it holds ${held})`);
    }
    if (chosen.size === 0) throw new InvalidArgumentError("upload_id", `'${chosen.name}' in '${name}' is empty: there is nothing to import`);
    const ignoredFiles = files.filter((f) => f !== chosen).map((f) => f.name);
    const innerExt = fileExtension(chosen.name);
    if (innerExt !== "xlsx") {
      // Fails now, before any read, if the entry is over a limit.
      archive.checkEntry(chosen.name, settings, name);
      return {
        format: `zip/${formatOf(innerExt)}`,
        kind: "text",
        ignoredFiles,
        bytesTotal: chosen.size,
        open: () => archive.openEntry(chosen.name, settings, name),
        close: async () => archive.close(),
      };
    }
    await unpackOnce(unpack.unpacked, async () => {
      await unpackEntry(await archive.openEntry(chosen.name, settings, name), unpack.temp, settings.maxUnzippedBytes, name, signal);
      await rename(unpack.temp, unpack.unpacked);
    });
    archive.close();
    const inner = `${chosen.name}' in '${name}`;
    try {
      await checkWorkbook(unpack.unpacked, inner, settings, !workbookChecked);
    } catch (err: unknown) {
      await rm(unpack.unpacked, { force: true });
      throw err;
    }
    return { format: "zip/xlsx", kind: "xlsx", ignoredFiles, bytesTotal: chosen.size, path: unpack.unpacked, name: inner, close: async () => {} };
  } catch (err: unknown) {
    archive.close();
    throw err;
  }
}

function formatOf(ext: string): string {
  return ext === "tsv" ? "csv" : ext;
}

/** Resource forks and dot-files that archivers on macOS add beside the real files. */
function isJunk(name: string): boolean {
  return name.startsWith("__MACOSX/") || (name.split("/").pop() ?? "").startsWith(".");
}

async function head(path: string): Promise<Uint8Array> {
  const file = await open(path);
  try {
    const buf = Buffer.alloc(8);
    const { bytesRead } = await file.read(buf, 0, buf.length, 0);
    return buf.subarray(0, bytesRead);
  } finally {
    await file.close();
  }
}

async function fileSize(path: string): Promise<number> {
  const file = await open(path);
  try {
    return (await file.stat()).size;
  } finally {
    await file.close();
  }
}

/** An .xlsx is a zip of XML parts: each is held to the same limits, and (`verify`) to its checksum, before its rows are read. */
async function checkWorkbook(path: string, name: string, settings: ImportSettings, verify: boolean): Promise<void> {
  const archive = await ZipArchive.open(path, name, "upload_id");
  try {
    archive.checkAll(settings, name);
    if (verify) await archive.verifyAll(name);
  } finally {
    archive.close();
  }
}

/** Unpackings under way, by where they end: a second look at the same upload waits for the first one's copy. */
const unpacking = new Map<string, Promise<void>>();

async function unpackOnce(unpacked: string, unpack: () => Promise<void>): Promise<void> {
  for (let running = unpacking.get(unpacked); running !== undefined; running = unpacking.get(unpacked)) {
    // The first caller may have gone away mid-way: then this one unpacks.
    await running.catch(() => undefined);
  }
  // Taken in the same turn as the look that found none under way, so no other caller can start one too.
  const mine = (async () => {
    if (!(await exists(unpacked))) await unpack();
  })();
  unpacking.set(unpacked, mine);
  try {
    await mine;
  } finally {
    if (unpacking.get(unpacked) === mine) unpacking.delete(unpacked);
  }
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

async function unpackEntry(from: Readable, to: string, maxBytes: number, name: string, signal: AbortSignal | undefined): Promise<void> {
  let bytes = 0;
  from.on("data", (chunk: Buffer) => {
    bytes += chunk.length;
    if (bytes > maxBytes) from.destroy(new ResourceExhaustedError(`'${name}' unpacks to more than the limit of ${maxBytes} bytes`));
  });
  try {
    await pipeline(from, createWriteStream(to), { signal });
  } catch (err: unknown) {
    await rm(to, { force: true });
    if (err instanceof DncError || signal?.aborted === true) throw err;
    throw new InvalidArgumentError("upload_id", `'${name}' could not be unpacked: ${messageOf(err)}`);
  }
}
