// The google.rpc detail messages that travel with a typed error, so a client
// learns which field was wrong without parsing the message. Both doors send
// the same details: the gRPC door in grpc-status-details-bin, the Connect
// door in its error body (or the same trailer, for gRPC-web).

import { create, type DescMessage, type Message } from "@bufbuild/protobuf";
import { DncError, InvalidArgumentError } from "./errors.js";
import { BadRequestSchema } from "./gen/google/rpc/error_details_pb.js";

export interface ErrorDetail {
  desc: DescMessage;
  value: Message;
}

export function errorDetails(err: DncError): ErrorDetail[] {
  if (err instanceof InvalidArgumentError) {
    const value = create(BadRequestSchema, { fieldViolations: [{ field: err.field, description: err.problem }] });
    return [{ desc: BadRequestSchema, value }];
  }
  return [];
}
