// The filter port's worker thread (filter-front.ts): an HTTP/2 server that
// reads FilterService calls as the gRPC port's native door does
// (native-unary.ts: the same framing, limits, deadlines and refusals),
// sends each call's request bytes to the main thread, and writes back what
// comes: the response, or the status the main thread mapped. Any other
// method is UNIMPLEMENTED here.

import { status } from "@grpc/grpc-js";
import { createSecureServer, createServer, type ServerHttp2Session, type ServerOptions } from "node:http2";
import { parentPort, workerData } from "node:worker_threads";
import { parseHostPort } from "../http/admin-http-server.js";
import { messageOf } from "../errors.js";
import type { FilterFrontJob, FrontClose, FrontReport } from "./filter-front.js";
import { decodeAnswer, encodeCall } from "./front-frames.js";
import { RECEIVE_WINDOW_BYTES } from "./grpc-server.js";
import { MappedStatusError } from "./grpc-status.js";
import { NativeUnaryDoor, type DeferredUnaryMethod } from "./native-unary.js";

const job = workerData as FilterFrontJob;
const port = parentPort!;
const report = (r: FrontReport) => port.postMessage(r);

interface Waiting {
  resolve(response: Buffer): void;
  reject(err: Error): void;
}
const waiting = new Map<number, Waiting>();
let lastId = 0;

function forward(method: number): DeferredUnaryMethod {
  return (request, authorization) =>
    new Promise<Buffer>((resolve, reject) => {
      lastId = (lastId + 1) >>> 0;
      waiting.set(lastId, { resolve, reject });
      const frame = encodeCall(lastId, method, authorization, request);
      port.postMessage(frame, [frame]);
    });
}

const door = new NativeUnaryDoor(new Map(job.paths.map((path, i) => [path, forward(i)])), job.maxMessageBytes, job.maxMessageBytes);

// As grpc-js sets its own servers: no limit on the header block sent, and none on a session's memory (Node's
// HTTP/2 behaves badly when it reaches one).
const options: ServerOptions = { maxSendHeaderBlockLength: Number.MAX_SAFE_INTEGER, maxSessionMemory: Number.MAX_SAFE_INTEGER };
const tls = job.tls;
const server =
  tls === undefined
    ? createServer(options)
    : createSecureServer({
        ...options,
        cert: tls.cert,
        key: tls.key,
        ca: tls.clientCa,
        requestCert: tls.clientCa !== undefined,
        rejectUnauthorized: tls.clientCa !== undefined,
      });

const sessions = new Set<ServerHttp2Session>();
server.on("session", (session: ServerHttp2Session) => {
  sessions.add(session);
  session.once("close", () => sessions.delete(session));
  // An error is followed by the session's close; with no listener it would end the worker.
  session.on("error", () => undefined);
  try {
    session.settings({ initialWindowSize: RECEIVE_WINDOW_BYTES });
    session.setLocalWindowSize(RECEIVE_WINDOW_BYTES);
  } catch {
    // As on the gRPC port: a connection that closed as it opened keeps the default windows.
  }
});
server.on("stream", (stream, headers) => {
  const path = headers[":path"];
  const method = door.methodFor(path);
  if (method !== undefined) door.serve(stream, headers, method);
  else door.refuse(stream, { code: status.UNIMPLEMENTED, message: `The server does not implement the method ${String(path)}` });
});

port.on("message", (message: ArrayBuffer | FrontClose) => {
  if (!(message instanceof ArrayBuffer)) {
    close(message.graceMs);
    return;
  }
  const answer = decodeAnswer(message);
  const call = waiting.get(answer.id);
  if (call === undefined) return;
  waiting.delete(answer.id);
  if ("response" in answer) call.resolve(answer.response);
  else call.reject(new MappedStatusError(answer.status));
});

function close(graceMs: number): void {
  let serverClosed = false;
  const done = () => {
    if (serverClosed && sessions.size === 0) report({ kind: "closed" });
  };
  server.close(() => {
    serverClosed = true;
    done();
  });
  for (const session of sessions) {
    session.once("close", done);
    session.close();
  }
  setTimeout(() => {
    for (const session of sessions) session.destroy();
  }, graceMs).unref();
}

server.once("error", (err: unknown) => report({ kind: "failed", message: `cannot serve the filter port on ${job.address} (--filter-listen): ${messageOf(err)}` }));
try {
  if (job.address.startsWith("unix:")) {
    server.listen(job.address.slice("unix:".length), () => report({ kind: "listening", port: 0 }));
  } else {
    const { host, port: wanted } = parseHostPort(job.address, "--filter-listen");
    server.listen(wanted, host, () => {
      const bound = server.address();
      report({ kind: "listening", port: typeof bound === "object" && bound !== null ? bound.port : wanted });
    });
  }
} catch (err: unknown) {
  report({ kind: "failed", message: messageOf(err) });
}
