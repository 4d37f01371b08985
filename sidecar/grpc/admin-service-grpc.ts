// dnc.v1.AdminService on grpc-js: passes each call through the AdminGate
// (auth first, then the request is decoded, the AdminImpl runs and the call
// is logged), which the Connect door shares; errors leave as statuses by
// grpc-status.ts.

import { create, toBinary, type DescMethod } from "@bufbuild/protobuf";
import type { MethodDefinition, sendUnaryData, ServerUnaryCall, ServerWritableStream, UntypedHandleCall } from "@grpc/grpc-js";
import type { AdminCall, AdminGate } from "../admin/admin-gate.js";
import { AdminService } from "../gen/dnc/v1/admin_service_pb.js";
import { toServiceError } from "./grpc-status.js";
import { decodeRequest, methodPath, rawMethodDefinition, type RawService } from "./unary-method.js";

export function adminServiceGrpc(gate: AdminGate): RawService {
  const definition: Record<string, MethodDefinition<Buffer, Buffer>> = {};
  const implementation: Record<string, UntypedHandleCall> = {};
  for (const method of AdminService.methods) {
    if (method.methodKind === "unary") {
      definition[method.name] = rawMethodDefinition(methodPath(method));
      implementation[method.name] = (call: ServerUnaryCall<Buffer, Buffer>, callback: sendUnaryData<Buffer>) => {
        gate.unary(adminCall(method, call), () => decodeRequest(method.input, call.request)).then(
          (res) => callback(null, Buffer.from(toBinary(method.output, create(method.output, res)))),
          (err: unknown) => callback(toServiceError(err)),
        );
      };
    } else if (method.methodKind === "server_streaming") {
      definition[method.name] = { ...rawMethodDefinition(methodPath(method)), responseStream: true };
      implementation[method.name] = (call: ServerWritableStream<Buffer, Buffer>) => {
        const info = adminCall(method, call);
        const run = async () => {
          for await (const msg of gate.stream(info, () => decodeRequest(method.input, call.request))) {
            if (info.signal.aborted) break;
            const ok = call.write(Buffer.from(toBinary(method.output, create(method.output, msg))));
            if (!ok) await new Promise((resolve) => call.once("drain", resolve));
          }
          call.end();
        };
        run().catch((err: unknown) => {
          if (!info.signal.aborted) call.emit("error", toServiceError(err));
        });
      };
    }
  }
  return { definition, implementation };
}

function adminCall(method: DescMethod, call: ServerUnaryCall<Buffer, Buffer> | ServerWritableStream<Buffer, Buffer>): AdminCall {
  const ac = new AbortController();
  call.on("cancelled", () => ac.abort());
  const header = call.metadata.get("authorization")[0];
  return { door: "grpc", method, authorization: typeof header === "string" ? header : undefined, peer: call.getPeer(), signal: ac.signal };
}
