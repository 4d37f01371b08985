// The floors under dnc's latency figures, in a process of their own: two
// servers that answer every FilterService call at once with an empty message
// and status OK, holding no list and decoding nothing. One is bare node:http2
// (dnc answers its FilterService on node:http2's streams, ahead of grpc-js),
// the other grpc-js (the server that holds dnc's port, with dnc's server
// options but HTTP/2's default receive window, which the sidecar widens on
// each connection). The same client at the same rate against each shows what
// Node's HTTP/2 stack, then grpc-js, cost on this machine before dnc's code
// does anything. Prints one JSON line
// (FloorReady) once both listen; stops on SIGTERM, SIGINT, or when its stdin
// closes. Usage: floor-process.js (run-bench.ts starts it with gc-log.ts's
// gcLogging, to log the collector's pauses).

import { Server, ServerCredentials, type ServiceDefinition, type handleUnaryCall } from "@grpc/grpc-js";
import { createServer, constants } from "node:http2";
import type { AddressInfo } from "node:net";
import { GRPC_SERVER_OPTIONS } from "../sidecar/grpc/grpc-server.js";
import { CHECK_PATH, FILTER_BATCH_PATH } from "./filter-requests.js";

export interface FloorReady {
  http2Port: number;
  grpcJsPort: number;
}

/** A gRPC message of no fields: the flag byte and a zero length. */
const EMPTY_FRAME = Buffer.alloc(5);
const EMPTY_MESSAGE = Buffer.alloc(0);

function bareHttp2(): Promise<number> {
  const server = createServer();
  server.on("stream", (stream) => {
    stream.on("error", () => stream.destroy());
    stream.resume();
    stream.on("end", () => {
      if (stream.destroyed) return;
      stream.respond({ [constants.HTTP2_HEADER_STATUS]: 200, [constants.HTTP2_HEADER_CONTENT_TYPE]: "application/grpc" }, { waitForTrailers: true });
      stream.once("wantTrailers", () => stream.sendTrailers({ "grpc-status": "0" }));
      stream.end(EMPTY_FRAME);
    });
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve((server.address() as AddressInfo).port)));
}

function grpcJs(): Promise<number> {
  const same = (b: Buffer) => b;
  const method = (path: string) => ({
    path,
    requestStream: false,
    responseStream: false,
    requestSerialize: same,
    requestDeserialize: same,
    responseSerialize: same,
    responseDeserialize: same,
  });
  const service: ServiceDefinition = { Check: method(CHECK_PATH), FilterBatch: method(FILTER_BATCH_PATH) };
  const answer: handleUnaryCall<Buffer, Buffer> = (_call, callback) => callback(null, EMPTY_MESSAGE);
  const server = new Server(GRPC_SERVER_OPTIONS);
  server.addService(service, { Check: answer, FilterBatch: answer });
  return new Promise((resolve, reject) =>
    server.bindAsync("127.0.0.1:0", ServerCredentials.createInsecure(), (err, port) => (err === null ? resolve(port) : reject(err))),
  );
}

const ready: FloorReady = { http2Port: await bareHttp2(), grpcJsPort: await grpcJs() };
process.stdout.write(`${JSON.stringify(ready)}\n`);

const stop = () => process.exit(0);
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
process.stdin.on("close", stop);
process.stdin.resume();
