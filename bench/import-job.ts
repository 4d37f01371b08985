// The import and export benchmark's side of AdminService, over gRPC as any
// client would call it: upload a file in chunks (UploadImportFile), run an
// import job to its end (StartImport, then WatchImport), and drain an
// export (ExportEntries), each timed.

import type { MessageInitShape } from "@bufbuild/protobuf";
import { createReadStream } from "node:fs";
import { basename } from "node:path";
import { performance } from "node:perf_hooks";
import { AdminService } from "../sidecar/gen/dnc/v1/admin_service_pb.js";
import type { ExportFormat } from "../sidecar/gen/dnc/v1/export_pb.js";
import { ImportState, type ImportJob, type ImportOptionsSchema } from "../sidecar/gen/dnc/v1/import_pb.js";
import { ProgressBar } from "../sidecar/cli/progress-bar.js";
import type { GrpcClient } from "../sidecar/grpc/grpc-client.js";

const UPLOAD_CHUNK = 256 * 1024;

export interface Timed<T> {
  value: T;
  seconds: number;
}

/** Streams the file to UploadImportFile; its upload id. */
export async function uploadFile(client: GrpcClient, path: string): Promise<Timed<string>> {
  const started = performance.now();
  const requests = (async function* () {
    let first = true;
    for await (const chunk of createReadStream(path, { highWaterMark: UPLOAD_CHUNK })) {
      yield { fileName: first ? basename(path) : "", chunk: chunk as Buffer };
      first = false;
    }
  })();
  const res = await client.clientStream(AdminService.method.uploadImportFile, requests);
  return { value: res.uploadId, seconds: (performance.now() - started) / 1000 };
}

/** Starts the import and watches it to its end, with a progress bar (of `rows`) on stderr; the job as it ended. `onStarted` runs once the job runs. */
export async function runImport(
  client: GrpcClient,
  uploadId: string,
  options: MessageInitShape<typeof ImportOptionsSchema>,
  rows: number,
  onStarted?: () => void,
): Promise<Timed<ImportJob>> {
  const started = performance.now();
  const { job } = await client.call(AdminService.method.startImport, { uploadId, options });
  onStarted?.();
  const progress = new ProgressBar(process.stderr, "  importing", "rows");
  let last = job!;
  try {
    for await (const update of client.stream(AdminService.method.watchImport, { jobId: last.jobId })) {
      last = update.job!;
      progress.update(Number(last.counts?.rowsRead ?? 0n), rows);
      if (last.state !== ImportState.RUNNING) break;
    }
  } finally {
    progress.done();
  }
  return { value: last, seconds: (performance.now() - started) / 1000 };
}

export interface ExportRun {
  rows: number;
  bytes: number;
}

/** Every entry, as the format, read to the end and dropped. */
export async function drainExport(client: GrpcClient, format: ExportFormat): Promise<Timed<ExportRun>> {
  const started = performance.now();
  const progress = new ProgressBar(process.stderr, "  exporting", "rows");
  let rows = 0;
  let bytes = 0;
  try {
    for await (const res of client.stream(AdminService.method.exportEntries, { format })) {
      rows = Number(res.rowsWritten);
      bytes += res.chunk.length;
      progress.update(rows, Number(res.rowsTotal));
    }
  } finally {
    progress.done();
  }
  return { value: { rows, bytes }, seconds: (performance.now() - started) / 1000 };
}
