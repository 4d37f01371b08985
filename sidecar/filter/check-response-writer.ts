// Writes a dnc.v1.CheckResponse straight into bytes, as
// batch-response-writer.ts does a FilterBatchResponse: a blocked
// recipient's entry is copied from the store's value without decoding it.

import { WIRE_LEN, WIRE_VARINT } from "../wire/proto-reader.js";
import { ProtoWriter } from "../wire/proto-writer.js";
import { BLOCKED_CODE_BYTES, INVALID_CODE_BYTES, reasonBytes } from "./batch-response-writer.js";

/** An allowed send: every field at its default, so no bytes at all. */
const ALLOWED_RESPONSE = Buffer.alloc(0);

export class CheckResponseWriter {
  private readonly w = new ProtoWriter();

  allowed(): Buffer {
    return ALLOWED_RESPONSE;
  }

  /** Blocked by the entry encoded as `dnc.v1.Entry` in `entry[start..end)`. */
  blocked(entry: Uint8Array, start: number, end: number): Buffer {
    return this.w
      .reset()
      .tag(1, WIRE_VARINT)
      .varint(1)
      .tag(2, WIRE_LEN)
      .varint(BLOCKED_CODE_BYTES.length)
      .bytes(BLOCKED_CODE_BYTES)
      .tag(3, WIRE_LEN)
      .varint(end - start)
      .bytes(entry, start, end)
      .finish();
  }

  invalid(reasonCode: number): Buffer {
    const reason = reasonBytes(reasonCode);
    return this.w
      .reset()
      .tag(2, WIRE_LEN)
      .varint(INVALID_CODE_BYTES.length)
      .bytes(INVALID_CODE_BYTES)
      .tag(4, WIRE_LEN)
      .varint(reason.length)
      .bytes(reason)
      .finish();
  }
}
