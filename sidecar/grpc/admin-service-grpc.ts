// dnc.v1.AdminService on grpc-js: adapts AdminHandlers, which the Connect
// door will reuse unchanged.

import type { ServerUnaryCall } from "@grpc/grpc-js";
import { AdminService } from "../gen/dnc/v1/admin_service_pb.js";
import type { AdminHandlers } from "../admin/admin-handlers.js";
import type { CallContext } from "../admin/call-context.js";
import { methodPath, rawMethodDefinition, unaryHandler, type RawService } from "./unary-method.js";

/** Until API keys exist, every caller of the gRPC door acts as this principal. */
export const GRPC_PRINCIPAL = "grpc";

function context(_call: ServerUnaryCall<Buffer, Buffer>): CallContext {
  return { principal: GRPC_PRINCIPAL };
}

export function adminServiceGrpc(handlers: AdminHandlers): RawService {
  const m = AdminService.method;
  return {
    definition: {
      AddEntries: rawMethodDefinition(methodPath(m.addEntries)),
      RemoveEntries: rawMethodDefinition(methodPath(m.removeEntries)),
      ListEntries: rawMethodDefinition(methodPath(m.listEntries)),
      GetContact: rawMethodDefinition(methodPath(m.getContact)),
    },
    implementation: {
      AddEntries: unaryHandler(m.addEntries, (req, call) => handlers.addEntries(req, context(call))),
      RemoveEntries: unaryHandler(m.removeEntries, (req, call) => handlers.removeEntries(req, context(call))),
      ListEntries: unaryHandler(m.listEntries, (req, call) => handlers.listEntries(req, context(call))),
      GetContact: unaryHandler(m.getContact, (req, call) => handlers.getContact(req, context(call))),
    },
  };
}
