// Decodes a dnc.v1.FilterBatchRequest straight from the request's bytes: the batch scope as byte ranges and the recipients or requests as
// offsets, in arrays reused across calls. No message object is built. The fast form's plain case is read natively (batch-scan.c); every
// other message, and every malformed one, by the JavaScript here.

import { InvalidArgumentError, ResourceExhaustedError } from "../errors.js";
import { BatchScan } from "../native/batch-scan.js";
import { MalformedMessageError, ProtoReader, WIRE_LEN, WIRE_VARINT } from "../wire/proto-reader.js";

/** Field numbers of dnc.v1.FilterBatchRequest. */
const F_CHANNEL = 1;
const F_SENDER = 2;
const F_ACCOUNT = 3;
const F_CAMPAIGN = 4;
const F_COUNTRY = 5;
const F_RECIPIENTS = 6;
const F_REQUESTS = 7;

/** A byte range in the request; start < 0 means absent. */
export class Span {
  start = -1;
  end = -1;
  clear(): void {
    this.start = this.end = -1;
  }
  get present(): boolean {
    return this.end > this.start;
  }
}

export class DecodedBatch {
  buf: Uint8Array = new Uint8Array(0);
  channel = 0;
  readonly sender = new Span();
  readonly account = new Span();
  readonly campaign = new Span();
  readonly country = new Span();
  /** Pairs of (start, end) offsets, for recipients or for request messages. */
  spans = new Int32Array(2 * 1024);
  recipientCount = 0;
  requestCount = 0;
}

export class BatchDecoder {
  private readonly reader = new ProtoReader();
  private readonly scan = new BatchScan();

  /** Decodes `buf` into `out`; throws InvalidArgumentError for malformed input or over `maxBatch` items. */
  decode(buf: Uint8Array, maxBatch: number, out: DecodedBatch): void {
    const count = this.scan.run(buf, out.spans, maxBatch);
    if (count < 0) {
      this.decodeInJs(buf, maxBatch, out);
      return;
    }
    const scope = this.scan.scope;
    out.buf = buf;
    out.channel = scope[0]!;
    setSpan(out.sender, scope, 1);
    setSpan(out.account, scope, 3);
    setSpan(out.campaign, scope, 5);
    setSpan(out.country, scope, 7);
    out.recipientCount = count;
    out.requestCount = 0;
  }

  /** What `decode` does without the native scan: every message, in JavaScript alone. */
  decodeInJs(buf: Uint8Array, maxBatch: number, out: DecodedBatch): void {
    out.buf = buf;
    out.channel = 0;
    out.sender.clear();
    out.account.clear();
    out.campaign.clear();
    out.country.clear();
    out.recipientCount = 0;
    out.requestCount = 0;
    const r = this.reader.reset(buf, 0, buf.length);
    try {
      while (!r.done) {
        const tag = r.tag();
        const field = tag >>> 3;
        const wire = tag & 7;
        if (field === F_CHANNEL && wire === WIRE_VARINT) {
          out.channel = r.int32();
        } else if (wire === WIRE_LEN && field >= F_SENDER && field <= F_REQUESTS) {
          const end = r.lengthDelimited();
          const start = r.pos;
          r.pos = end;
          if (field === F_RECIPIENTS || field === F_REQUESTS) {
            const n = out.recipientCount + out.requestCount;
            if (n >= maxBatch) throw new ResourceExhaustedError(`recipients: a batch holds at most ${maxBatch} recipients or requests`);
            if (2 * n + 2 > out.spans.length) {
              const grown = new Int32Array(out.spans.length * 2);
              grown.set(out.spans);
              out.spans = grown;
            }
            out.spans[2 * n] = start;
            out.spans[2 * n + 1] = end;
            if (field === F_RECIPIENTS) out.recipientCount++;
            else out.requestCount++;
          } else {
            const span = scopeSpan(out, field);
            span.start = start;
            span.end = end;
          }
        } else {
          // A recipient skipped would leave the answer's indices pointing at its neighbours.
          skipUnknown(r, field, wire, F_REQUESTS);
        }
      }
    } catch (err: unknown) {
      throw asInvalidArgument(err, "request", "dnc.v1.FilterBatchRequest");
    }
    if (out.recipientCount > 0 && out.requestCount > 0) {
      throw new InvalidArgumentError("recipients", "set either recipients (the fast form) or requests (the full form), not both");
    }
  }
}

function setSpan(span: Span, scope: Int32Array, at: number): void {
  span.start = scope[at]!;
  span.end = scope[at + 1]!;
}

/** A malformed message as INVALID_ARGUMENT naming `field`; any other error as it is. */
export function asInvalidArgument(err: unknown, field: string, typeName: string): unknown {
  return err instanceof MalformedMessageError ? new InvalidArgumentError(field, `not a valid ${typeName}: ${err.message}`) : err;
}

/**
 * Skips a field the message does not know (numbered past `knownUpTo`); one
 * it knows, sent with a wire type its type never has, is malformed.
 */
export function skipUnknown(r: ProtoReader, field: number, wire: number, knownUpTo: number): void {
  if (field >= 1 && field <= knownUpTo) throw new MalformedMessageError(`field ${field} has wire type ${wire}`);
  r.skip(wire);
}

function scopeSpan(out: DecodedBatch, field: number): Span {
  switch (field) {
    case F_SENDER:
      return out.sender;
    case F_ACCOUNT:
      return out.account;
    case F_CAMPAIGN:
      return out.campaign;
    case F_COUNTRY:
      return out.country;
    default:
      throw new RangeError(`field ${field} is not a scope field`);
  }
}

/** Fields of dnc.v1.SendRequest, decoded from one request span. */
export class DecodedSendRequest {
  readonly recipient = new Span();
  channel = 0;
  readonly sender = new Span();
  readonly account = new Span();
  readonly customerId = new Span();

  private readonly reader = new ProtoReader();

  decode(buf: Uint8Array, start: number, end: number, index: number): this {
    this.clear();
    return this.merge(buf, start, end, index);
  }

  clear(): void {
    this.recipient.clear();
    this.sender.clear();
    this.account.clear();
    this.customerId.clear();
    this.channel = 0;
  }

  /**
   * Decodes `buf[start..end)` over what is there, as protobuf merges a
   * message given twice. `index` names it in an error: requests[index], or
   * a Check's `request` when negative.
   */
  merge(buf: Uint8Array, start: number, end: number, index: number): this {
    const r = this.reader.reset(buf, start, end);
    try {
      while (!r.done) {
        const tag = r.tag();
        const field = tag >>> 3;
        const wire = tag & 7;
        if (field === 2 && wire === WIRE_VARINT) {
          this.channel = r.int32();
        } else if (wire === WIRE_LEN && field !== 2 && field >= 1 && field <= 5) {
          r.span(field === 1 ? this.recipient : field === 3 ? this.sender : field === 4 ? this.account : this.customerId);
        } else {
          skipUnknown(r, field, wire, 5);
        }
      }
    } catch (err: unknown) {
      throw asInvalidArgument(err, index < 0 ? "request" : `requests[${index}]`, "dnc.v1.SendRequest");
    }
    return this;
  }
}
