// The import's plain HTTP routes on the admin port, for browsers and curl,
// which cannot stream a request to UploadImportFile:
//
//   POST /imports/uploads?name=FILE   the raw file as the body → 201 {"uploadId", "size"}
//   GET  /imports/<job>/rejected.csv  the job's rejected rows as CSV
//
// Each runs through the AdminGate as the method it stands for
// (UploadImportFile, GetImportReport): the same key check, role and call
// log as on the other doors. The upload's size limit holds while the body
// streams in; a Content-Length over it is refused before any byte is read.

import { create } from "@bufbuild/protobuf";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { AdminCall, AdminGate } from "../admin/admin-gate.js";
import { InvalidArgumentError, NotFoundError, ResourceExhaustedError } from "../errors.js";
import { neutraliseFormula } from "../export/formula-guard.js";
import {
  AdminService,
  UploadImportFileRequestSchema,
  type UploadImportFileRequest,
  type UploadImportFileResponse,
} from "../gen/dnc/v1/admin_service_pb.js";
import type { ImportService } from "../import/import-service.js";
import type { HttpRoute } from "./admin-http-server.js";
import { withCors } from "./cors.js";
import { methodNotAllowed } from "./method-guard.js";
import { sendHttpError } from "./http-status.js";
import { answerAndDropBody } from "./refused-body.js";
import { drained } from "./response-drain.js";

const PREFIX = "/imports/";
const UPLOADS = "/imports/uploads";
const REJECTED_CSV = /^\/imports\/([^/]+)\/rejected\.csv$/;

export function importRoutes(gate: AdminGate, imports: ImportService, maxFileBytes: number): HttpRoute {
  return {
    path: PREFIX,
    handle: withCors((req, res) => {
      const url = new URL(req.url ?? "/", "http://localhost");
      const csv = REJECTED_CSV.exec(url.pathname);
      const allow = url.pathname === UPLOADS ? ["POST"] : csv !== null ? ["GET", "HEAD"] : undefined;
      if (allow !== undefined && !allow.includes(req.method ?? "")) {
        methodNotAllowed(req, res, allow);
        return;
      }
      const run =
        url.pathname === UPLOADS && req.method === "POST"
          ? upload(gate, req, res, url, maxFileBytes)
          : csv !== null && (req.method === "GET" || req.method === "HEAD")
            ? rejectedCsv(gate, imports, req, res, csv[1]!)
            : Promise.reject(new NotFoundError(`no route for ${req.method} ${url.pathname}`));
      run.catch((err: unknown) => {
        if (res.headersSent) res.destroy();
        // Refused before any of the body was read (its key): the rest of an upload the route would take is dropped
        // first, so the client reads the answer rather than a broken pipe. Failed partway (over the size limit): it closes.
        else if (!req.readableDidRead) answerAndDropBody(req, res, maxFileBytes, () => sendHttpError(res, err));
        else {
          if (!req.complete) res.setHeader("connection", "close");
          sendHttpError(res, err);
        }
      });
    }),
  };
}

/** A path segment's text; a malformed percent-escape is the caller's error, named by `field`. */
function decodedSegment(segment: string, field: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new InvalidArgumentError(field, `'${segment}' holds a malformed percent-escape`);
  }
}

function adminCall(req: IncomingMessage, res: ServerResponse, method: AdminCall["method"]): AdminCall {
  const gone = new AbortController();
  res.on("close", () => {
    if (!res.writableFinished) gone.abort();
  });
  return { door: "http", method, authorization: req.headers.authorization, peer: req.socket.remoteAddress, signal: gone.signal };
}

/** UploadImportFile's fields as this route's caller knows them: the `name` parameter, and the body. */
const HTTP_FIELDS: Record<string, string> = { file_name: "name", chunk: "body" };

async function upload(gate: AdminGate, req: IncomingMessage, res: ServerResponse, url: URL, maxFileBytes: number): Promise<void> {
  const call = adminCall(req, res, AdminService.method.uploadImportFile);
  let out: UploadImportFileResponse;
  try {
    out = (await gate.clientStream(call, bodyMessages(req, url.searchParams, maxFileBytes))) as UploadImportFileResponse;
  } catch (err: unknown) {
    const field = err instanceof InvalidArgumentError ? HTTP_FIELDS[err.field] : undefined;
    throw field === undefined ? err : new InvalidArgumentError(field, (err as InvalidArgumentError).problem);
  }
  res.writeHead(201, { "content-type": "application/json" }).end(`${JSON.stringify({ uploadId: out.uploadId, size: Number(out.size) })}\n`);
}

/** The body as UploadImportFile's messages: the name in the first. Read only once the gate has let the call in. */
async function* bodyMessages(req: IncomingMessage, params: URLSearchParams, maxFileBytes: number): AsyncGenerator<UploadImportFileRequest> {
  for (const param of params.keys()) if (param !== "name") throw new InvalidArgumentError(param, "unknown parameter; the upload takes name");
  if (params.getAll("name").length > 1) throw new InvalidArgumentError("name", "give it once");
  const name = params.get("name") ?? "";
  if (name === "") throw new InvalidArgumentError("name", "required: POST /imports/uploads?name=FILE (its extension tells the format)");
  const declared = Number(req.headers["content-length"]);
  if (declared > maxFileBytes) throw new ResourceExhaustedError(`the file is larger than the import limit of ${maxFileBytes} bytes`);
  let fileName = name;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    yield create(UploadImportFileRequestSchema, { fileName, chunk });
    fileName = "";
  }
  if (fileName !== "") yield create(UploadImportFileRequestSchema, { fileName });
}

/** `segment`: the job id as the path holds it, decoded once the key has been checked, so a caller without one learns nothing from it. */
async function rejectedCsv(gate: AdminGate, imports: ImportService, req: IncomingMessage, res: ServerResponse, segment: string): Promise<void> {
  await gate.custom(adminCall(req, res, AdminService.method.getImportReport), async () => {
    const { job, rows } = imports.rejectedRows(decodedSegment(segment, "job_id"));
    res.writeHead(200, {
      "content-type": "text/csv; charset=utf-8",
      "content-disposition": `attachment; filename="import-${job.jobId}-rejected.csv"`,
      "cache-control": "no-store",
      "x-content-type-options": "nosniff",
    });
    if (req.method === "HEAD") return void res.end();
    // A byte order mark, so that spreadsheets read the raw rows as UTF-8.
    let text = "\uFEFFrow_number,reason,raw\r\n";
    for (const row of rows) {
      text += `${row.rowNumber},${field(row.reason)},${field(row.raw)}\r\n`;
      if (text.length >= 64 * 1024) {
        if (!res.write(text)) await drained(res);
        text = "";
        if (res.destroyed) return;
      }
    }
    res.end(text);
  });
}

const NEEDS_QUOTES = /[",\r\n]/;

/** A CSV field, guarded against formulas: a rejected row's raw text is whatever the file held. */
function field(cell: string): string {
  const guarded = neutraliseFormula(cell);
  return NEEDS_QUOTES.test(guarded) ? `"${guarded.replace(/"/g, '""')}"` : guarded;
}

