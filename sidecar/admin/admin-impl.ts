// The AdminService implementation as one object, method by method, in the
// shape both doors adapt: the gRPC door (grpc/admin-service-grpc.ts) and
// the Connect door. Each concern lives in its own handlers file and hands
// over its methods; this file puts them together and checks none is missing.

import type { DescMethodClientStreaming, DescMethodServerStreaming, DescMethodUnary, MessageShape } from "@bufbuild/protobuf";
import { AdminService } from "../gen/dnc/v1/admin_service_pb.js";
import type { CallContext } from "./call-context.js";

type Methods = (typeof AdminService)["method"];

export type AdminImpl = {
  [K in keyof Methods]: Methods[K] extends DescMethodUnary<infer I, infer O>
    ? (req: MessageShape<I>, ctx: CallContext) => MessageShape<O> | Promise<MessageShape<O>>
    : Methods[K] extends DescMethodServerStreaming<infer I, infer O>
      ? (req: MessageShape<I>, ctx: CallContext) => AsyncIterable<MessageShape<O>>
      : Methods[K] extends DescMethodClientStreaming<infer I, infer O>
        ? (reqs: AsyncIterable<MessageShape<I>>, ctx: CallContext) => Promise<MessageShape<O>>
        : never;
};

export function composeAdminImpl(...parts: Partial<AdminImpl>[]): AdminImpl {
  const impl: Partial<AdminImpl> = {};
  for (const part of parts) {
    for (const [name, fn] of Object.entries(part)) {
      if (name in impl) throw new Error(`AdminService.${name} is implemented twice`);
      Object.assign(impl, { [name]: fn });
    }
  }
  for (const m of AdminService.methods) {
    if (typeof (impl as Record<string, unknown>)[m.localName] !== "function") throw new Error(`AdminService.${m.name} is not implemented`);
  }
  return impl as AdminImpl;
}
