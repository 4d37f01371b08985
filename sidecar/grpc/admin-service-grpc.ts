// dnc.v1.AdminService on grpc-js, unary and server- or client-streaming:
// passes each call through the AdminGate (auth first, then the request is
// decoded, the AdminImpl runs and the call is logged), which the Connect
// door shares; errors leave as statuses by grpc-status.ts.

import { create, toBinary, type DescMessage, type DescMethod, type Message } from "@bufbuild/protobuf";
import type { EventEmitter } from "node:events";
import type { MethodDefinition, sendUnaryData, ServerReadableStream, ServerUnaryCall, ServerWritableStream, UntypedHandleCall } from "@grpc/grpc-js";
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
            if (!ok) await drained(call, info.signal);
          }
          call.end();
        };
        run().catch((err: unknown) => {
          if (!info.signal.aborted) call.emit("error", toServiceError(err));
        });
      };
    } else if (method.methodKind === "client_streaming") {
      definition[method.name] = { ...rawMethodDefinition(methodPath(method)), requestStream: true };
      implementation[method.name] = (call: ServerReadableStream<Buffer, Buffer>, callback: sendUnaryData<Buffer>) => {
        gate.clientStream(adminCall(method, call), decodeEach(method.input, call)).then(
          (res) => callback(null, Buffer.from(toBinary(method.output, create(method.output, res)))),
          (err: unknown) => callback(toServiceError(err)),
        );
      };
    }
  }
  return { definition, implementation };
}

/**
 * Resolves when the stream takes writes again, or when the client has gone:
 * a cancelled call never drains, and the handler would hang on it holding
 * whatever its stream holds (an export's read transaction, say).
 */
function drained(call: ServerWritableStream<Buffer, Buffer>, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      call.off("drain", done);
      signal.removeEventListener("abort", done);
      resolve();
    };
    call.on("drain", done);
    signal.addEventListener("abort", done);
    if (signal.aborted) done();
  });
}

/** The request messages, decoded as the handler reads them. */
async function* decodeEach(schema: DescMessage, call: ServerReadableStream<Buffer, Buffer>): AsyncGenerator<Message> {
  for await (const bytes of call as AsyncIterable<Buffer>) yield decodeRequest(schema, bytes);
}

/** What every kind of grpc-js server call offers. */
type AnyServerCall = Pick<ServerUnaryCall<Buffer, Buffer>, "metadata" | "getPeer"> & EventEmitter;

function adminCall(method: DescMethod, call: AnyServerCall): AdminCall {
  const ac = new AbortController();
  call.on("cancelled", () => ac.abort());
  const header = call.metadata.get("authorization")[0];
  return { door: "grpc", method, authorization: typeof header === "string" ? header : undefined, peer: call.getPeer(), signal: ac.signal };
}
