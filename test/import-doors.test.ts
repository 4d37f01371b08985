// The import over the admin HTTP port, as a browser console or curl uses
// it: the streaming upload endpoint (auth, roles, the size limit while the
// body streams), the rejected rows as a CSV download, UploadImportFile as a
// Connect client stream, WatchImport over gRPC-web, and the call log.

import { Code, ConnectError, createClient, type Interceptor } from "@connectrpc/connect";
import { createConnectTransport, createGrpcWebTransport } from "@connectrpc/connect-node";
import { readFileSync, readdirSync } from "node:fs";
import { request } from "node:http";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AdminService } from "../sidecar/gen/dnc/v1/admin_service_pb.js";
import { Role } from "../sidecar/gen/dnc/v1/api_key_pb.js";
import { ImportState } from "../sidecar/gen/dnc/v1/import_pb.js";
import { createLogger } from "../sidecar/logging/logger.js";
import type { Sidecar } from "../sidecar/sidecar.js";
import { FIXTURES } from "./support/import-client.js";
import { tempDir } from "./support/temp-dir.js";
import { startLoopbackSidecar } from "./support/test-sidecar.js";

const TOKEN = "import-doors-admin-token";
const MAX_BYTES = 64 * 1024;

const bearer =
  (key: string): Interceptor =>
  (next) =>
  (req) => {
    req.header.set("authorization", `Bearer ${key}`);
    return next(req);
  };

interface HttpAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** A raw HTTP request; `body` chunks are written one by one, without a Content-Length unless given. */
/** Short, so the idle test is quick; every other upload here sends its chunks at once. */
const IDLE_MS = 1_000;

function http(port: number, method: string, path: string, headers: Record<string, string>, body: Buffer[] = []): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, method, path, headers }, (res) => {
      let text = "";
      res.on("data", (c: Buffer) => (text += c.toString("utf8")));
      res.on("end", () => resolve({ status: res.statusCode!, headers: res.headers, body: text }));
    });
    // The server may answer and close before the whole body is sent.
    req.on("error", (err: NodeJS.ErrnoException) => (err.code === "EPIPE" || err.code === "ECONNRESET" ? undefined : reject(err)));
    for (const chunk of body) req.write(chunk);
    req.end();
  });
}

describe("import over the admin HTTP port", () => {
  const dir = tempDir();
  const logLines: string[] = [];
  let sidecar: Sidecar;
  let port: number;
  const keys: Record<string, string> = {};
  const admin = () => createClient(AdminService, createConnectTransport({ baseUrl: `http://127.0.0.1:${port}`, httpVersion: "1.1", interceptors: [bearer(TOKEN)] }));
  const auth = (key = TOKEN) => ({ authorization: `Bearer ${key}` });

  beforeAll(async () => {
    sidecar = await startLoopbackSidecar(dir.path, TOKEN, {
      imports: { maxFileBytes: MAX_BYTES, uploadIdleMs: IDLE_MS },
      logger: createLogger("info", { write: (line: string) => void logLines.push(line) }),
    });
    port = sidecar.httpPort;
    for (const [name, role] of [
      ["viewer", Role.VIEWER],
      ["operator", Role.OPERATOR],
    ] as const) {
      keys[name] = (await admin().createApiKey({ name: `${name}-key`, role })).secret;
    }
  });

  afterAll(async () => {
    await sidecar.stop(1000);
    dir.remove();
  });

  it("POST /imports/uploads streams the body into an upload that AnalyzeImport and StartImport take", async () => {
    const file = readFileSync(join(FIXTURES, "spreadsheet-semicolon-bom.csv"));
    const chunks = [file.subarray(0, 100), file.subarray(100)];
    const res = await http(port, "POST", "/imports/uploads?name=from-browser.csv", { ...auth(keys.operator), "content-type": "text/csv" }, chunks);
    expect(res.status).toBe(201);
    const { uploadId, size } = JSON.parse(res.body) as { uploadId: string; size: number };
    expect(size).toBe(file.length);
    const analysis = await admin().analyzeImport({ uploadId });
    expect(analysis).toMatchObject({ encoding: "utf-8-bom", delimiter: ";" });
    const logged = logLines.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l.door === "http");
    expect(logged).toMatchObject({ door: "http", method: "UploadImportFile", principal: "operator-key", outcome: "ok" });
  });

  it("refuses the upload without a key, with too weak a role, without a name, or over the size limit", async () => {
    const small = [Buffer.from("phone\n+44 7700 900123\n")];
    expect((await http(port, "POST", "/imports/uploads?name=a.csv", {}, small)).status).toBe(401);
    const weak = await http(port, "POST", "/imports/uploads?name=a.csv", auth(keys.viewer), small);
    expect(weak.status).toBe(403);
    expect(JSON.parse(weak.body)).toMatchObject({ code: "permission_denied" });
    const nameless = await http(port, "POST", "/imports/uploads", auth(), small);
    expect(nameless.status).toBe(400);
    expect(JSON.parse(nameless.body).message).toBe("name: required: POST /imports/uploads?name=FILE (its extension tells the format)");
    const misspelt = await http(port, "POST", "/imports/uploads?nmae=a.csv&name=a.csv", auth(), small);
    expect([misspelt.status, JSON.parse(misspelt.body).message]).toEqual([400, "nmae: unknown parameter; the upload takes name"]);
    const twice = await http(port, "POST", "/imports/uploads?name=a.csv&name=b.csv", auth(), small);
    expect([twice.status, JSON.parse(twice.body).message]).toEqual([400, "name: give it once"]);
    // The upload's own checks name what this door's caller sent: the name parameter and the body.
    const docx = await http(port, "POST", "/imports/uploads?name=notes.docx", auth(), small);
    expect([docx.status, JSON.parse(docx.body).message]).toEqual([400, "name: 'notes.docx': import reads .csv, .tsv, .txt, .xlsx, .zip files"]);
    const empty = await http(port, "POST", "/imports/uploads?name=a.csv", auth(), []);
    expect([empty.status, JSON.parse(empty.body).message]).toEqual([400, "body: the file is empty: there is nothing to import"]);
    const declared = await http(port, "POST", "/imports/uploads?name=big.csv", { ...auth(), "content-length": String(MAX_BYTES + 1) });
    expect(declared.status).toBe(413);
    // Chunked, so only the count while it streams can stop it.
    const streamed = await http(port, "POST", "/imports/uploads?name=big.csv", auth(), Array.from({ length: 20 }, () => Buffer.alloc(8 * 1024, 0x31)));
    expect(streamed.status).toBe(413);
    expect(JSON.parse(streamed.body)).toEqual({ code: "resource_exhausted", message: `the file is larger than the import limit of ${MAX_BYTES} bytes` });
    expect(readdirSync(join(dir.path, "uploads")).filter((f) => f.endsWith(".part"))).toEqual([]);
  });

  it("drops an upload that sends nothing, not even its first message or a byte of its body", async () => {
    const silent = await admin()
      .uploadImportFile((async function* () {
        await new Promise(() => undefined);
      })() as AsyncIterable<{ fileName: string }>)
      .catch((e: unknown) => ConnectError.from(e));
    expect(silent).toMatchObject({ code: Code.DeadlineExceeded, rawMessage: `no data for ${IDLE_MS / 1000} s: the upload was dropped` });
    const answer = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      // Headers, then a body that never starts.
      const req = request({ host: "127.0.0.1", port, method: "POST", path: "/imports/uploads?name=slow.csv", headers: { ...auth(), "transfer-encoding": "chunked" } }, (res) => {
        let body = "";
        res.on("data", (c: Buffer) => (body += c.toString("utf8")));
        res.on("end", () => resolve({ status: res.statusCode!, body }));
      });
      req.on("error", reject);
      req.flushHeaders();
    });
    expect(answer.status).toBe(408);
    expect(JSON.parse(answer.body)).toEqual({ code: "deadline_exceeded", message: `no data for ${IDLE_MS / 1000} s: the upload was dropped` });
    expect(readdirSync(join(dir.path, "uploads")).filter((f) => f.endsWith(".part"))).toEqual([]);
  });

  it("UploadImportFile as a Connect and a gRPC-web client stream; WatchImport over gRPC-web", async () => {
    const file = readFileSync(join(FIXTURES, "two-files.zip"));
    async function* chunks() {
      yield { fileName: "two-files.zip", chunk: file.subarray(0, 50) };
      yield { chunk: file.subarray(50) };
    }
    const { uploadId, size } = await admin().uploadImportFile(chunks());
    expect(size).toBe(BigInt(file.length));
    const web = createClient(AdminService, createGrpcWebTransport({ baseUrl: `http://127.0.0.1:${port}`, httpVersion: "1.1", interceptors: [bearer(TOKEN)] }));
    // connect-node streams requests over gRPC-web too; a browser cannot, and has POST /imports/uploads.
    expect((await web.uploadImportFile(chunks())).size).toBe(BigInt(file.length));
    const { job } = await admin().startImport({ uploadId });
    const states: ImportState[] = [];
    for await (const res of web.watchImport({ jobId: job!.jobId })) states.push(res.job!.state);
    expect(states.at(-1)).toBe(ImportState.COMPLETED);
    const err = await admin()
      .uploadImportFile(
        (async function* () {
          yield { fileName: "notes.docx", chunk: new Uint8Array([1]) };
        })(),
      )
      .catch((e: unknown) => ConnectError.from(e));
    expect(err).toMatchObject({ code: Code.InvalidArgument, rawMessage: "file_name: 'notes.docx': import reads .csv, .tsv, .txt, .xlsx, .zip files" });
  });

  it("GET /imports/<job>/rejected.csv downloads every rejected row, formulas neutralised", async () => {
    const csv = Buffer.from("phone,note\n+44 7700 950001,ok\n=HYPERLINK(\"x\"),sneaky\n\"12, or so\",\"two\nlines\"\n");
    const up = await http(port, "POST", "/imports/uploads?name=bad.csv", auth(), [csv]);
    const { job } = await admin().startImport({ uploadId: (JSON.parse(up.body) as { uploadId: string }).uploadId });
    for await (const res of admin().watchImport({ jobId: job!.jobId })) void res;
    const path = `/imports/${job!.jobId}/rejected.csv`;
    const res = await http(port, "GET", path, auth(keys.viewer));
    expect(res.status).toBe(200);
    expect(res.headers["content-type"]).toBe("text/csv; charset=utf-8");
    expect(res.headers["content-disposition"]).toBe(`attachment; filename="import-${job!.jobId}-rejected.csv"`);
    const reason = "\"contact is not a phone number: only digits, '+', spaces, dashes, dots and brackets are allowed\"";
    expect(res.body).toBe(
      "\uFEFFrow_number,reason,raw\r\n" + `3,${reason},"'=HYPERLINK(""x""),sneaky"\r\n` + `4,${reason},"""12, or so"",""two\nlines"""\r\n`,
    );
    expect((await http(port, "GET", path, {})).status).toBe(401);
    expect((await http(port, "GET", "/imports/nope/rejected.csv", auth())).status).toBe(404);
    // The uploads path takes POST only.
    expect((await http(port, "GET", "/imports/uploads", auth())).status).toBe(405);
    // A malformed percent-escape in the job id: the caller's error, and the sidecar serves on (decodeURIComponent's
    // throw once ended the process). The key comes first: without one the caller learns nothing of the path.
    expect((await http(port, "GET", "/imports/%E0%A4%A/rejected.csv", {})).status).toBe(401);
    const malformed = await http(port, "GET", "/imports/%E0%A4%A/rejected.csv", auth(keys.viewer));
    expect(malformed.status).toBe(400);
    expect(JSON.parse(malformed.body)).toEqual({ code: "invalid_argument", message: "job_id: '%E0%A4%A' holds a malformed percent-escape" });
    expect((await http(port, "GET", path, auth(keys.viewer))).status).toBe(200);
  });
});
