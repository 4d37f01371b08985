// Pre-serialised FilterBatch requests in the fast form (channel SMS, bare
// "+<digits>" recipients) at a chosen blocked ratio, built before any timing
// starts so that the clock measures the filter, not the request builder.

import { create, toBinary } from "@bufbuild/protobuf";
import { FilterBatchRequestSchema } from "../sidecar/gen/dnc/v1/filter_service_pb.js";
import { Channel } from "../sidecar/gen/dnc/v1/types_pb.js";
import { Mulberry32, type DataSet } from "./data-set.js";

export const FILTER_BATCH_PATH = "/dnc.v1.FilterService/FilterBatch";

export interface RequestSet {
  /** Intended share of blocked recipients, 0..1. */
  ratio: number;
  /** Blocked recipients in every request. */
  blockedPerRequest: number;
  recipientsPerRequest: number;
  buffers: Buffer[];
}

/** Numbers handed out so far, so that fresh numbers differ across request sets too. */
let freshUsed = 0;

/**
 * `count` requests of `recipients` numbers each: round(ratio × recipients)
 * sampled from the loaded entries that block an SMS, the rest numbers no
 * entry holds, in shuffled positions.
 */
export function buildRequests(data: DataSet, seed: number, count: number, recipients: number, ratio: number): RequestSet {
  const rng = new Mulberry32(seed);
  const blockedPerRequest = Math.round(ratio * recipients);
  const buffers: Buffer[] = [];
  for (let r = 0; r < count; r++) {
    const list: string[] = [];
    for (let i = 0; i < blockedPerRequest; i++) list.push(data.blockingSmsPhone(rng));
    while (list.length < recipients) list.push(data.freshPhone(freshUsed++));
    for (let i = list.length - 1; i > 0; i--) {
      const j = rng.below(i + 1);
      [list[i], list[j]] = [list[j]!, list[i]!];
    }
    const request = create(FilterBatchRequestSchema, { channel: Channel.SMS, recipients: list });
    buffers.push(Buffer.from(toBinary(FilterBatchRequestSchema, request)));
  }
  return { ratio, blockedPerRequest, recipientsPerRequest: recipients, buffers };
}

/** A message in gRPC's length-prefixed framing: a 0 flag byte (not compressed), a uint32 BE length, the bytes. */
export function grpcFrame(message: Buffer): Buffer {
  const frame = Buffer.allocUnsafe(5 + message.length);
  frame[0] = 0;
  frame.writeUInt32BE(message.length, 1);
  message.copy(frame, 5);
  return frame;
}
