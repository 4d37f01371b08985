// dnc.v1.AdminService on the admin HTTP port, through connect-node: the
// Connect protocol (binary, and JSON so that curl works) and gRPC-web for the
// browser console, under the standard paths /dnc.v1.AdminService/<Method>.
// Each call passes through the same AdminGate as on the gRPC door, its key
// checked before its body is read; errors leave by connect-status.ts.

import type { DescMethod, Message } from "@bufbuild/protobuf";
import { createContextKey, createContextValues, type HandlerContext, type ServiceImpl } from "@connectrpc/connect";
import { connectNodeAdapter } from "@connectrpc/connect-node";
import type { AdminCall, AdminGate } from "../admin/admin-gate.js";
import { AdminService } from "../gen/dnc/v1/admin_service_pb.js";
import { MAX_MESSAGE_BYTES } from "../grpc/grpc-server.js";
import type { HttpRoute } from "./admin-http-server.js";
import { refuseConnectCall } from "./connect-refusal.js";
import { toConnectError } from "./connect-status.js";
import { withCors } from "./cors.js";

/** The client's address, which connect-es's HandlerContext does not carry by itself. */
const peerKey = createContextKey<string | undefined>(undefined);

/** `maxUploadBytes`: the import's file limit, the most an UploadImportFile stream takes (other calls take one message). */
export function connectDoor(gate: AdminGate, maxUploadBytes: number): HttpRoute {
  const handler = connectNodeAdapter({
    routes: (router) => router.service(AdminService, adminServiceConnect(gate)),
    // gRPC needs HTTP/2, which a cleartext Node server cannot offer beside
    // HTTP/1.1 on one port; gRPC clients have the data port.
    grpc: false,
    // The same bound as the gRPC door's, so a batch that one takes the other takes.
    readMaxBytes: MAX_MESSAGE_BYTES,
    // connect-es drops a JSON field or enum name it does not know by default:
    // a misspelled channel in RemoveByFilter's filter then removed every channel's entries.
    jsonOptions: { ignoreUnknownFields: false },
    contextValues: (req) => createContextValues().set(peerKey, req.socket.remoteAddress),
  });
  const methods = new Map(AdminService.methods.map((m) => [`/${AdminService.typeName}/${m.name}`, m]));
  return {
    path: `/${AdminService.typeName}/`,
    handle: withCors((req, res) => {
      // The key and role are checked before connect-es reads the body: it decodes first, so a caller without a key
      // could have it parse 32 MB, or hold the request open, and be told about its JSON rather than its key.
      const method = methods.get(new URL(req.url ?? "/", "http://door").pathname);
      if (method !== undefined) {
        try {
          gate.admit({ door: "connect", method, authorization: req.headers.authorization, peer: req.socket.remoteAddress, signal: NEVER_ABORTED });
        } catch (err: unknown) {
          const most = method.methodKind === "client_streaming" ? Math.max(maxUploadBytes, MAX_MESSAGE_BYTES) : MAX_MESSAGE_BYTES;
          refuseConnectCall(req, res, toConnectError(err), most);
          return;
        }
      }
      handler(req, res);
    }),
  };
}

const NEVER_ABORTED = new AbortController().signal;

function adminServiceConnect(gate: AdminGate): ServiceImpl<typeof AdminService> {
  const impl: Record<string, unknown> = {};
  for (const method of AdminService.methods) {
    if (method.methodKind === "unary") {
      impl[method.localName] = async (req: Message, ctx: HandlerContext) => {
        try {
          return await gate.unary(adminCall(method, ctx), req);
        } catch (err: unknown) {
          throw toConnectError(err);
        }
      };
    } else if (method.methodKind === "server_streaming") {
      impl[method.localName] = async function* (req: Message, ctx: HandlerContext) {
        try {
          yield* gate.stream(adminCall(method, ctx), req);
        } catch (err: unknown) {
          throw toConnectError(err);
        }
      };
    } else if (method.methodKind === "client_streaming") {
      impl[method.localName] = async (reqs: AsyncIterable<Message>, ctx: HandlerContext) => {
        try {
          return await gate.clientStream(adminCall(method, ctx), reqs);
        } catch (err: unknown) {
          throw toConnectError(err);
        }
      };
    }
  }
  return impl as ServiceImpl<typeof AdminService>;
}

function adminCall(method: DescMethod, ctx: HandlerContext): AdminCall {
  return {
    door: "connect",
    method,
    authorization: ctx.requestHeader.get("authorization") ?? undefined,
    peer: ctx.values.get(peerKey),
    signal: ctx.signal,
  };
}
