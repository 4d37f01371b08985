// Import calls over a real grpc-js client, as the import suites make them:
// a file uploaded in chunks (client streaming), and a job started and
// watched to its end.

import type { MessageInitShape } from "@bufbuild/protobuf";
import { createReadStream } from "node:fs";
import { basename } from "node:path";
import { AdminService } from "../../sidecar/gen/dnc/v1/admin_service_pb.js";
import type { ImportJob, ImportOptionsSchema } from "../../sidecar/gen/dnc/v1/import_pb.js";
import type { GrpcClient } from "../../sidecar/grpc/grpc-client.js";

export const FIXTURES = new URL("../fixtures/import/", import.meta.url).pathname;

/** Uploads `path` in `chunkBytes` chunks; resolves with the upload id. */
export async function upload(client: GrpcClient, path: string, name = basename(path), chunkBytes = 64 * 1024): Promise<string> {
  async function* chunks() {
    let first = true;
    for await (const chunk of createReadStream(path, { highWaterMark: chunkBytes }) as AsyncIterable<Buffer>) {
      yield { fileName: first ? name : "", chunk };
      first = false;
    }
    if (first) yield { fileName: name };
  }
  return (await client.clientStream(AdminService.method.uploadImportFile, chunks())).uploadId;
}

type Options = MessageInitShape<typeof ImportOptionsSchema>;

/** Starts a job and follows it with WatchImport to its end; resolves with the last job WatchImport sent. */
export async function runImport(client: GrpcClient, uploadId: string, options: Options = {}): Promise<ImportJob> {
  const { job } = await client.call(AdminService.method.startImport, { uploadId, options });
  let last = job!;
  for await (const res of client.stream(AdminService.method.watchImport, { jobId: job!.jobId })) last = res.job!;
  return last;
}
