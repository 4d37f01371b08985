// dnc.v1.FilterService on grpc-js. FilterBatch takes the raw request bytes
// and returns raw response bytes: the engine decodes and encodes them itself.

import type { sendUnaryData, ServerUnaryCall } from "@grpc/grpc-js";
import { FilterService } from "../gen/dnc/v1/filter_service_pb.js";
import type { FilterEngine } from "../filter/filter-engine.js";
import { toServiceError } from "./grpc-status.js";
import { methodPath, rawMethodDefinition, unaryHandler, type RawService } from "./unary-method.js";

export function filterServiceGrpc(engine: FilterEngine): RawService {
  const { filterBatch, check } = FilterService.method;
  return {
    definition: {
      FilterBatch: rawMethodDefinition(methodPath(filterBatch)),
      Check: rawMethodDefinition(methodPath(check)),
    },
    implementation: {
      FilterBatch: (call: ServerUnaryCall<Buffer, Buffer>, callback: sendUnaryData<Buffer>) => {
        let response: Buffer;
        try {
          response = engine.filterBatch(call.request);
        } catch (err: unknown) {
          callback(toServiceError(err));
          return;
        }
        callback(null, response);
      },
      Check: unaryHandler(check, (req) => engine.check(req)),
    },
  };
}
