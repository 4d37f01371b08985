// Decodes a dnc.v1.CheckRequest straight from the bytes grpc-js hands over,
// as batch-decoder.ts does a FilterBatchRequest: byte ranges in objects
// reused across calls, no message object built.

import { ProtoReader, WIRE_LEN } from "../wire/proto-reader.js";
import { asInvalidArgument, DecodedSendRequest, skipUnknown, Span } from "./batch-decoder.js";

/** Field numbers of dnc.v1.CheckRequest. */
const F_REQUEST = 1;
const F_CAMPAIGN = 2;
const F_COUNTRY = 3;

/** Where the request's bytes are, while it is decoded into its own spans. */
const REQUEST = new Span();

export class DecodedCheck {
  readonly request = new DecodedSendRequest();
  /** Whether the request field was there (proto3 tells an absent message from an empty one). */
  hasRequest = false;
  readonly campaign = new Span();
  readonly country = new Span();
}

export class CheckDecoder {
  private readonly reader = new ProtoReader();

  /** Decodes `buf` into `out`; throws InvalidArgumentError for malformed input. */
  decode(buf: Uint8Array, out: DecodedCheck): void {
    out.hasRequest = false;
    out.request.clear();
    out.campaign.clear();
    out.country.clear();
    const r = this.reader.reset(buf, 0, buf.length);
    try {
      while (!r.done) {
        const tag = r.tag();
        const field = tag >>> 3;
        const wire = tag & 7;
        if (wire === WIRE_LEN && field === F_REQUEST) {
          r.span(REQUEST);
          out.request.merge(buf, REQUEST.start, REQUEST.end, -1);
          out.hasRequest = true;
        } else if (wire === WIRE_LEN && (field === F_CAMPAIGN || field === F_COUNTRY)) {
          r.span(field === F_CAMPAIGN ? out.campaign : out.country);
        } else {
          skipUnknown(r, field, wire, F_COUNTRY);
        }
      }
    } catch (err: unknown) {
      throw asInvalidArgument(err, "request", "dnc.v1.CheckRequest");
    }
  }
}
