// Pre-serialised FilterBatch and Check requests at a chosen blocked ratio,
// built before any timing starts so that the clock measures the filter, not
// the request builder. Each batch is kept as its recipient list too, so that
// the peers are asked about exactly the same members.

import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { CheckRequestSchema, FilterBatchRequestSchema, FilterBatchResponseSchema } from "../sidecar/gen/dnc/v1/filter_service_pb.js";
import { Channel } from "../sidecar/gen/dnc/v1/types_pb.js";
import { Mulberry32, type DataSet } from "./data-set.js";

export const FILTER_BATCH_PATH = "/dnc.v1.FilterService/FilterBatch";
export const CHECK_PATH = "/dnc.v1.FilterService/Check";

/** fast: bare recipients sharing the batch scope; full: one SendRequest per recipient. */
export type BatchForm = "fast" | "full";
export const FORMS: readonly BatchForm[] = ["fast", "full"];

/** Scope the full form gives every request; the blocked numbers come from unscoped entries, so it blocks the same ones. */
const FULL_SENDER = "ACMEBANK";
const FULL_ACCOUNT = "acct-07";

export interface RequestSet {
  /** Intended share of blocked recipients, 0..1. */
  ratio: number;
  /** Blocked recipients in every request. */
  blockedPerRequest: number;
  recipientsPerRequest: number;
  /** The recipients of each request, "+<digits>" as the data set holds them. */
  batches: string[][];
  /** Each batch as a FilterBatchRequest in each form. */
  buffers: Record<BatchForm, Buffer[]>;
}

/** Numbers handed out so far, so that fresh numbers differ across request sets and uses. */
let freshUsed = 0;

/** `n` phone numbers that no entry of the set holds and no earlier call returned. */
export function freshPhones(data: DataSet, n: number): string[] {
  return Array.from({ length: n }, () => data.freshPhone(freshUsed++));
}

export function fastRequest(recipients: string[]): Buffer {
  return Buffer.from(toBinary(FilterBatchRequestSchema, create(FilterBatchRequestSchema, { channel: Channel.SMS, recipients })));
}

function fullRequest(recipients: string[]): Buffer {
  const requests = recipients.map((recipient) => ({ recipient, channel: Channel.SMS, sender: FULL_SENDER, account: FULL_ACCOUNT }));
  return Buffer.from(toBinary(FilterBatchRequestSchema, create(FilterBatchRequestSchema, { requests })));
}

/**
 * `count` requests of `recipients` distinct numbers each: round(ratio ×
 * recipients) sampled from the loaded entries that block an SMS, the rest
 * numbers no entry holds, in shuffled positions.
 */
export function buildRequests(data: DataSet, seed: number, count: number, recipients: number, ratio: number): RequestSet {
  const rng = new Mulberry32(seed);
  const blockedPerRequest = Math.round(ratio * recipients);
  const batches: string[][] = [];
  for (let r = 0; r < count; r++) {
    // Distinct numbers: a repeat would count once in a peer that answers with rows (PostgreSQL) and twice in one that answers per member.
    const blocked = new Set<string>();
    for (let draws = 0; blocked.size < blockedPerRequest; draws++) {
      if (draws > 20 * blockedPerRequest) throw new Error(`the data set is too small for ${blockedPerRequest} distinct blocked numbers in a batch; give more --entries`);
      blocked.add(data.blockingSmsPhone(rng));
    }
    const list = [...blocked, ...freshPhones(data, recipients - blocked.size)];
    for (let i = list.length - 1; i > 0; i--) {
      const j = rng.below(i + 1);
      [list[i], list[j]] = [list[j]!, list[i]!];
    }
    batches.push(list);
  }
  return {
    ratio,
    blockedPerRequest,
    recipientsPerRequest: recipients,
    batches,
    buffers: { fast: batches.map(fastRequest), full: batches.map(fullRequest) },
  };
}

/** A CheckRequest for an SMS to `recipient`. */
export function checkRequest(recipient: string): Buffer {
  return Buffer.from(toBinary(CheckRequestSchema, create(CheckRequestSchema, { request: { recipient, channel: Channel.SMS } })));
}

/** One CheckRequest per recipient of `set`, in order: the same mix of blocked and allowed numbers. */
export function checkRequests(set: RequestSet, limit: number): Buffer[] {
  return set.batches.flat().slice(0, limit).map(checkRequest);
}

/**
 * Filters every request of `set` in `form` once through `filter` and returns
 * the blocked count per request; throws when a response is not the intended one.
 */
export async function verifyResponses(set: RequestSet, form: BatchForm, filter: (buf: Buffer) => Buffer | Promise<Buffer>, where: string): Promise<number> {
  const responses = await Promise.all(set.buffers[form].map(async (buf) => fromBinary(FilterBatchResponseSchema, await filter(buf))));
  let blocked = 0;
  for (const res of responses) {
    if (res.checked !== set.recipientsPerRequest || res.invalid.length !== 0) {
      throw new Error(`${where}, ${form} form: checked ${res.checked}, invalid ${res.invalid.length} of ${set.recipientsPerRequest} recipients`);
    }
    blocked += res.blocked.length;
  }
  const perRequest = blocked / responses.length;
  if (Math.abs(perRequest - set.blockedPerRequest) > Math.max(1, 0.05 * set.blockedPerRequest)) {
    throw new Error(`${where}, ${form} form: ${perRequest} blocked per request, ${set.blockedPerRequest} intended`);
  }
  return perRequest;
}

/** A message in gRPC's length-prefixed framing: a 0 flag byte (not compressed), a uint32 BE length, the bytes. */
export function grpcFrame(message: Buffer): Buffer {
  const frame = Buffer.allocUnsafe(5 + message.length);
  frame[0] = 0;
  frame.writeUInt32BE(message.length, 1);
  message.copy(frame, 5);
  return frame;
}
