// Builds grpc-js method definitions for protobuf-es services. Requests are
// passed through as raw bytes and decoded inside the handler, so that a
// request that does not decode is INVALID_ARGUMENT rather than grpc-js's
// generic INTERNAL.

import { fromBinary, toBinary, type DescMessage, type DescMethod, type DescMethodUnary, type MessageShape } from "@bufbuild/protobuf";
import type { MethodDefinition, handleUnaryCall, sendUnaryData, ServerUnaryCall, UntypedServiceImplementation } from "@grpc/grpc-js";
import { InvalidArgumentError, messageOf } from "../errors.js";
import { toServiceError } from "./grpc-status.js";

const identity = (b: Buffer): Buffer => b;

export function rawMethodDefinition(path: string): MethodDefinition<Buffer, Buffer> {
  return {
    path,
    requestStream: false,
    responseStream: false,
    requestSerialize: identity,
    requestDeserialize: identity,
    responseSerialize: identity,
    responseDeserialize: identity,
  };
}

export function methodPath(method: Pick<DescMethod, "parent" | "name">): string {
  return `/${method.parent.typeName}/${method.name}`;
}

/** Decodes a request message, mapping decode failures to INVALID_ARGUMENT. */
export function decodeRequest<I extends DescMessage>(schema: I, bytes: Uint8Array): MessageShape<I> {
  try {
    return fromBinary(schema, bytes);
  } catch (err: unknown) {
    throw new InvalidArgumentError("request", `not a valid ${schema.typeName}: ${messageOf(err)}`);
  }
}

/** A grpc-js unary handler over raw bytes for a protobuf-es method. */
export function unaryHandler<I extends DescMessage, O extends DescMessage>(
  method: DescMethodUnary<I, O>,
  handle: (req: MessageShape<I>, call: ServerUnaryCall<Buffer, Buffer>) => MessageShape<O> | Promise<MessageShape<O>>,
): handleUnaryCall<Buffer, Buffer> {
  return (call: ServerUnaryCall<Buffer, Buffer>, callback: sendUnaryData<Buffer>) => {
    let pending: MessageShape<O> | Promise<MessageShape<O>>;
    try {
      pending = handle(decodeRequest(method.input, call.request), call);
    } catch (err: unknown) {
      callback(toServiceError(err));
      return;
    }
    Promise.resolve(pending).then(
      (res) => callback(null, Buffer.from(toBinary(method.output, res))),
      (err: unknown) => callback(toServiceError(err)),
    );
  };
}

export type RawService = { definition: Record<string, MethodDefinition<Buffer, Buffer>>; implementation: UntypedServiceImplementation };
