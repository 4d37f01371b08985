// dnc.v1.FilterService on grpc-js. Both methods take the raw request bytes
// and return raw response bytes: the engine decodes and encodes them itself.
// With an AdminAuth (--filter-token) every call needs a key; without one the
// handlers carry no check at all. Every call is counted and timed, refused
// ones included: two clock reads and one closure a call, nothing per recipient.

import { status, type handleUnaryCall, type sendUnaryData, type ServerUnaryCall } from "@grpc/grpc-js";
import type { AdminAuth } from "../auth/admin-auth.js";
import { FilterService } from "../gen/dnc/v1/filter_service_pb.js";
import type { FilterEngine } from "../filter/filter-engine.js";
import type { FilterCallMetrics, FilterMethod } from "../metrics/filter-call-metrics.js";
import { toServiceError } from "./grpc-status.js";
import { requireKey } from "./require-key.js";
import { methodPath, rawMethodDefinition, type RawService } from "./unary-method.js";

export function filterServiceGrpc(engine: FilterEngine, metrics: FilterCallMetrics, auth?: AdminAuth): RawService {
  const { filterBatch, check } = FilterService.method;
  const wrap = (method: FilterMethod, h: handleUnaryCall<Buffer, Buffer>) => timed(metrics, method, auth === undefined ? h : requireKey(auth, h));
  return {
    definition: {
      FilterBatch: rawMethodDefinition(methodPath(filterBatch)),
      Check: rawMethodDefinition(methodPath(check)),
    },
    implementation: {
      FilterBatch: wrap("FilterBatch", bytesHandler((buf) => engine.filterBatch(buf))),
      Check: wrap("Check", bytesHandler((buf) => engine.checkBytes(buf))),
    },
  };
}

/** A handler answering at once, in the same turn, from the request bytes. */
function bytesHandler(answer: (request: Buffer) => Buffer): handleUnaryCall<Buffer, Buffer> {
  return (call: ServerUnaryCall<Buffer, Buffer>, callback: sendUnaryData<Buffer>) => {
    let response: Buffer;
    try {
      response = answer(call.request);
    } catch (err: unknown) {
      callback(toServiceError(err));
      return;
    }
    callback(null, response);
  };
}

function timed(metrics: FilterCallMetrics, method: FilterMethod, handler: handleUnaryCall<Buffer, Buffer>): handleUnaryCall<Buffer, Buffer> {
  return (call, callback) => {
    const startedAt = performance.now();
    handler(call, (err, res, trailer, flags) => {
      metrics.observe(method, startedAt, err ? (err.code ?? status.UNKNOWN) : status.OK);
      callback(err, res, trailer, flags);
    });
  };
}
