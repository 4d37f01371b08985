// GET /exports on the admin HTTP port: ExportEntries as a plain download for
// curl and browsers, e.g. `/exports?format=xlsx&channel=sms&sender=ACME`.
// The parameters mirror EntryFilter (repeat one to give several values);
// an unknown parameter is refused rather than ignored, since a misspelt
// filter would otherwise export every entry. The call goes through the
// AdminGate like any other: the same key check, role and call log.

import { create } from "@bufbuild/protobuf";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { AdminGate } from "../admin/admin-gate.js";
import { InvalidArgumentError } from "../errors.js";
import { AdminService, ExportEntriesRequestSchema, type ExportEntriesRequest, type ExportEntriesResponse } from "../gen/dnc/v1/admin_service_pb.js";
import { ExportFormat } from "../gen/dnc/v1/export_pb.js";
import { FILTER_PARAMS, filterFromParams } from "../export/filter-params.js";
import type { HttpRoute } from "./admin-http-server.js";
import { withCors } from "./cors.js";
import { onlyMethods } from "./method-guard.js";
import { sendHttpError } from "./http-status.js";
import { drained } from "./response-drain.js";

const EXPORT_PATH = "/exports";

const FORMATS = {
  csv: { format: ExportFormat.CSV, contentType: "text/csv; charset=utf-8" },
  xlsx: { format: ExportFormat.XLSX, contentType: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" },
} as const;


const PARAMETERS = new Set<string>(["format", "default_country", ...FILTER_PARAMS]);

function exportRequestOf(params: URLSearchParams): ExportEntriesRequest {
  for (const name of params.keys()) if (!PARAMETERS.has(name)) throw new InvalidArgumentError(name, "unknown parameter");
  for (const name of ["format", "default_country"]) if (params.getAll(name).length > 1) throw new InvalidArgumentError(name, "give it once");
  const formatName = params.get("format") ?? "csv";
  if (!Object.hasOwn(FORMATS, formatName)) throw new InvalidArgumentError("format", `'${formatName}' is not csv or xlsx`);
  return create(ExportEntriesRequestSchema, {
    format: FORMATS[formatName as keyof typeof FORMATS].format,
    defaultCountry: params.get("default_country") ?? "",
    filter: filterFromParams(
      (param) => params.getAll(param),
      (param) => param,
    ),
  });
}

async function download(gate: AdminGate, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? "/", "http://localhost");
  const gone = new AbortController();
  res.on("close", () => {
    if (!res.writableFinished) gone.abort();
  });
  const call = {
    door: "http" as const,
    method: AdminService.method.exportEntries,
    authorization: req.headers.authorization,
    peer: req.socket.remoteAddress,
    signal: gone.signal,
  };
  // The request is built only once the key has passed, so a caller without one learns nothing from it.
  const chunks = gate.stream(call, () => exportRequestOf(url.searchParams)) as AsyncGenerator<ExportEntriesResponse>;
  let first: IteratorResult<ExportEntriesResponse>;
  try {
    first = await chunks.next();
  } catch (err: unknown) {
    sendHttpError(res, err);
    return;
  }
  const formatName = url.searchParams.get("format") === "xlsx" ? "xlsx" : "csv";
  const stamp = new Date().toISOString().replace(/[-:]|\.\d+/g, "");
  res.writeHead(200, {
    "content-type": FORMATS[formatName].contentType,
    "content-disposition": `attachment; filename="dnc-export-${stamp}.${formatName}"`,
    "cache-control": "no-store",
    "x-content-type-options": "nosniff",
    // The count when the export started; the body has no length to show progress by.
    "dnc-rows-total": first.done ? "0" : String(first.value.rowsTotal),
  });
  try {
    for (let next = first; !next.done; next = await chunks.next()) {
      if (!res.write(next.value.chunk)) await drained(res);
      if (gone.signal.aborted) {
        await chunks.return(undefined);
        return;
      }
    }
    res.end();
  } catch {
    // Too late for a status: cutting the chunked body short tells the client the file is incomplete.
    res.destroy();
  }
}

export function exportRoute(gate: AdminGate): HttpRoute {
  return {
    path: EXPORT_PATH,
    // CORS as on the Connect door, so a console on another origin can download too.
    handle: withCors(onlyMethods(["GET"], (req, res) => void download(gate, req, res))),
  };
}
