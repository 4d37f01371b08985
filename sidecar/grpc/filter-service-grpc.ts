// dnc.v1.FilterService on the gRPC port. Both methods take the raw request
// bytes and return raw response bytes: the engine decodes and encodes them
// itself. They are answered by native-unary.ts on the port's HTTP/2 streams;
// grpc-js holds them too, for reflection and for a server native-unary.ts
// could not be put in front of. With an AdminAuth (--filter-token) every call
// needs a key; without one the methods carry no check at all. Every call is
// counted and timed, refused ones included: two clock reads a call, nothing
// per recipient.

import { status, type handleUnaryCall, type sendUnaryData, type ServerUnaryCall } from "@grpc/grpc-js";
import type { AdminAuth } from "../auth/admin-auth.js";
import { FilterService } from "../gen/dnc/v1/filter_service_pb.js";
import type { FilterEngine } from "../filter/filter-engine.js";
import type { FilterCallMetrics, FilterMethod } from "../metrics/filter-call-metrics.js";
import { toGrpcStatus, toServiceError } from "./grpc-status.js";
import type { NativeUnaryMethod } from "./native-unary.js";
import { methodPath, rawMethodDefinition, type RawService } from "./unary-method.js";

export function filterServiceGrpc(engine: FilterEngine, metrics: FilterCallMetrics, auth?: AdminAuth): RawService {
  const { filterBatch, check } = FilterService.method;
  const answer = (method: FilterMethod, fn: (request: Buffer) => Buffer) => timed(metrics, method, auth === undefined ? fn : keyed(auth, fn));
  const methods: Record<FilterMethod, { path: string; answer: NativeUnaryMethod }> = {
    FilterBatch: { path: methodPath(filterBatch), answer: answer("FilterBatch", (buf) => engine.filterBatch(buf)) },
    Check: { path: methodPath(check), answer: answer("Check", (buf) => engine.checkBytes(buf)) },
  };
  return {
    definition: {
      FilterBatch: rawMethodDefinition(methods.FilterBatch.path),
      Check: rawMethodDefinition(methods.Check.path),
    },
    implementation: {
      FilterBatch: grpcJsHandler(methods.FilterBatch.answer),
      Check: grpcJsHandler(methods.Check.answer),
    },
    native: new Map(Object.values(methods).map((m) => [m.path, m.answer])),
  };
}

function keyed(auth: AdminAuth, fn: (request: Buffer) => Buffer): NativeUnaryMethod {
  return (request, authorization) => {
    auth.authenticate(authorization);
    return fn(request);
  };
}

function timed(metrics: FilterCallMetrics, method: FilterMethod, fn: NativeUnaryMethod): NativeUnaryMethod {
  return (request, authorization) => {
    const startedAt = performance.now();
    let response: Buffer;
    try {
      response = fn(request, authorization);
    } catch (err: unknown) {
      metrics.observe(method, startedAt, toGrpcStatus(err).code);
      throw err;
    }
    metrics.observe(method, startedAt, status.OK);
    return response;
  };
}

/** The same method for grpc-js, answering at once, in the same turn. */
function grpcJsHandler(answer: NativeUnaryMethod): handleUnaryCall<Buffer, Buffer> {
  return (call: ServerUnaryCall<Buffer, Buffer>, callback: sendUnaryData<Buffer>) => {
    const header = call.metadata.get("authorization")[0];
    let response: Buffer;
    try {
      response = answer(call.request, typeof header === "string" ? header : undefined);
    } catch (err: unknown) {
      callback(toServiceError(err));
      return;
    }
    callback(null, response);
  };
}
