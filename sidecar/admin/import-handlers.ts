// AdminService's import methods over the ImportService: upload (client
// streaming: the file name in the first message, then chunks), analyze,
// start, watch, cancel, the report and the list of jobs.

import { create } from "@bufbuild/protobuf";
import { withIdleLimit } from "../async/idle-limit.js";
import { InvalidArgumentError } from "../errors.js";
import {
  CancelImportResponseSchema,
  GetImportReportResponseSchema,
  ListImportsResponseSchema,
  StartImportResponseSchema,
  UploadImportFileResponseSchema,
  WatchImportResponseSchema,
  type UploadImportFileRequest,
  type WatchImportResponse,
} from "../gen/dnc/v1/admin_service_pb.js";
import type { ImportService } from "../import/import-service.js";
import type { AdminImpl } from "./admin-impl.js";

type ImportMethods = "uploadImportFile" | "analyzeImport" | "startImport" | "watchImport" | "cancelImport" | "getImportReport" | "listImports";

export function importMethods(imports: ImportService): Pick<AdminImpl, ImportMethods> {
  return {
    uploadImportFile: async (reqs, ctx) => {
      const { fileName, chunks } = await splitUpload(withIdleLimit(reqs, imports.settings.uploadIdleMs, "the upload"));
      const upload = await imports.receiveUpload(fileName, chunks, ctx.signal);
      return create(UploadImportFileResponseSchema, { uploadId: upload.id, size: BigInt(upload.size) });
    },
    analyzeImport: (req, ctx) => imports.analyze(req, ctx.signal),
    startImport: async (req, ctx) => create(StartImportResponseSchema, { job: await imports.startImport(req.uploadId, req.options, ctx.principal) }),
    watchImport: (req, ctx) => watch(imports, req.jobId, ctx.signal),
    cancelImport: async (req) => create(CancelImportResponseSchema, { job: await imports.cancel(req.jobId) }),
    getImportReport: (req) => create(GetImportReportResponseSchema, imports.report(req.jobId, req.pageSize, req.pageToken)),
    listImports: () => create(ListImportsResponseSchema, { jobs: imports.listJobs() }),
  };
}

/** The file name from the first message; the chunks of every message, the first one's included. */
async function splitUpload(reqs: AsyncIterable<UploadImportFileRequest>): Promise<{ fileName: string; chunks: AsyncIterable<Uint8Array> }> {
  const it = reqs[Symbol.asyncIterator]();
  const first = await it.next();
  if (first.done === true) throw new InvalidArgumentError("file_name", "required in the first message; no message came");
  const chunks = async function* () {
    yield first.value.chunk;
    for (let next = await it.next(); next.done !== true; next = await it.next()) {
      if (next.value.fileName !== "" && next.value.fileName !== first.value.fileName) {
        throw new InvalidArgumentError("file_name", "given again, differently, after the first message");
      }
      yield next.value.chunk;
    }
  };
  return { fileName: first.value.fileName, chunks: chunks() };
}

async function* watch(imports: ImportService, jobId: string, signal: AbortSignal): AsyncGenerator<WatchImportResponse> {
  for await (const job of imports.watch(jobId, signal)) yield create(WatchImportResponseSchema, { job });
}
