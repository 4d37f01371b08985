// dnc.v1.FilterService's methods for the gRPC port, answered by
// native-unary.ts on the port's HTTP/2 streams. Both take the raw request
// bytes and return raw response bytes: the engine decodes and encodes them
// itself. With an AdminAuth (--filter-token) every call needs a key; without
// one the methods carry no check at all. Every call is counted and timed,
// refused ones included: two clock reads a call, nothing per recipient.

import { status } from "@grpc/grpc-js";
import type { AdminAuth } from "../auth/admin-auth.js";
import { FilterService } from "../gen/dnc/v1/filter_service_pb.js";
import type { FilterEngine } from "../filter/filter-engine.js";
import type { FilterCallMetrics, FilterMethod } from "../metrics/filter-call-metrics.js";
import { grpcCodeOf } from "./grpc-status.js";
import type { NativeUnaryMethod } from "./native-unary.js";
import { methodPath } from "./unary-method.js";

/** The FilterService's methods by path. */
export function filterServiceMethods(engine: FilterEngine, metrics: FilterCallMetrics, auth?: AdminAuth): Map<string, NativeUnaryMethod> {
  const { filterBatch, check } = FilterService.method;
  const answer = (method: FilterMethod, fn: (request: Buffer) => Buffer) => timed(metrics, method, auth === undefined ? fn : keyed(auth, fn));
  return new Map([
    [methodPath(filterBatch), answer("FilterBatch", (buf) => engine.filterBatch(buf))],
    [methodPath(check), answer("Check", (buf) => engine.checkBytes(buf))],
  ]);
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
      metrics.observe(method, startedAt, grpcCodeOf(err));
      throw err;
    }
    metrics.observe(method, startedAt, status.OK);
    return response;
  };
}
