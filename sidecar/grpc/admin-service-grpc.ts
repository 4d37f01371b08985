// dnc.v1.AdminService on grpc-js: authenticates each call, then hands the
// decoded request to the AdminImpl, which the Connect door shares.

import { create, toBinary, type DescMessage, type DescMethod, type DescMethodUnary, type MessageShape } from "@bufbuild/protobuf";
import type { Metadata, MethodDefinition, ServerUnaryCall, ServerWritableStream, UntypedHandleCall } from "@grpc/grpc-js";
import type { AdminImpl } from "../admin/admin-impl.js";
import type { CallContext } from "../admin/call-context.js";
import type { AdminAuth } from "../auth/admin-auth.js";
import { AdminService } from "../gen/dnc/v1/admin_service_pb.js";
import { toServiceError } from "./grpc-status.js";
import { decodeRequest, methodPath, rawMethodDefinition, unaryHandler, type RawService } from "./unary-method.js";

type AnyHandler = (req: MessageShape<DescMessage>, ctx: CallContext) => unknown;

export function adminServiceGrpc(impl: AdminImpl, auth: AdminAuth): RawService {
  const definition: Record<string, MethodDefinition<Buffer, Buffer>> = {};
  const implementation: Record<string, UntypedHandleCall> = {};
  const context = (method: DescMethod, metadata: Metadata, signal: AbortSignal): CallContext => {
    const header = metadata.get("authorization")[0];
    const principal = auth.authenticate(typeof header === "string" ? header : undefined);
    auth.authorize(principal, method.localName);
    return { principal: principal.name, role: principal.role, signal };
  };
  for (const method of AdminService.methods) {
    const handler = (impl as unknown as Record<string, AnyHandler>)[method.localName]!;
    if (method.methodKind === "unary") {
      definition[method.name] = rawMethodDefinition(methodPath(method));
      implementation[method.name] = unaryHandler(method as DescMethodUnary, (req, call: ServerUnaryCall<Buffer, Buffer>) => {
        const ac = new AbortController();
        call.on("cancelled", () => ac.abort());
        return handler(req, context(method, call.metadata, ac.signal)) as MessageShape<DescMessage>;
      });
    } else if (method.methodKind === "server_streaming") {
      definition[method.name] = { ...rawMethodDefinition(methodPath(method)), responseStream: true };
      implementation[method.name] = (call: ServerWritableStream<Buffer, Buffer>) => {
        const ac = new AbortController();
        call.on("cancelled", () => ac.abort());
        const run = async () => {
          const req = decodeRequest(method.input, call.request);
          const stream = handler(req, context(method, call.metadata, ac.signal)) as AsyncIterable<MessageShape<DescMessage>>;
          for await (const msg of stream) {
            if (ac.signal.aborted) break;
            const ok = call.write(Buffer.from(toBinary(method.output, create(method.output, msg))));
            if (!ok) await new Promise((resolve) => call.once("drain", resolve));
          }
          call.end();
        };
        run().catch((err: unknown) => {
          if (!ac.signal.aborted) call.emit("error", toServiceError(err));
        });
      };
    }
  }
  return { definition, implementation };
}
