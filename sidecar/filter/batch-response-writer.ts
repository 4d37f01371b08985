// Writes a dnc.v1.FilterBatchResponse straight into bytes: a blocked
// recipient's entry is copied from the store's value without decoding it.

import { invalidReasonText } from "../normalise/invalid-reason.js";
import { WIRE_LEN, WIRE_VARINT } from "../wire/proto-reader.js";
import { ProtoWriter, varintSize } from "../wire/proto-writer.js";

export const CODE_BLOCKED = "DNC_BLOCKED";
export const CODE_INVALID = "INVALID_RECIPIENT";
export const BLOCKED_CODE_BYTES = Buffer.from(CODE_BLOCKED);
export const INVALID_CODE_BYTES = Buffer.from(CODE_INVALID);

const reasonTexts: Buffer[] = [];

/** The text an invalid recipient's reason code is reported with. */
export function recipientReason(code: number): string {
  const text = invalidReasonText(code);
  return text.startsWith("customer id") ? text : `recipient ${text}`;
}

/** recipientReason's text as UTF-8, made once per code. */
export function reasonBytes(code: number): Buffer {
  return (reasonTexts[code] ??= Buffer.from(recipientReason(code)));
}

export class BatchResponseWriter {
  private readonly w = new ProtoWriter();

  begin(): void {
    this.w.reset();
  }

  /** A blocked recipient; its entry is the encoded `dnc.v1.Entry` in `entry[start..end)`. */
  blocked(index: number, entry: Uint8Array, start: number, end: number): void {
    const length = end - start;
    const size = 1 + varintSize(index) + 2 + BLOCKED_CODE_BYTES.length + 1 + varintSize(length) + length;
    this.w
      .tag(1, WIRE_LEN)
      .varint(size)
      .tag(1, WIRE_VARINT)
      .varint(index)
      .tag(2, WIRE_LEN)
      .varint(BLOCKED_CODE_BYTES.length)
      .bytes(BLOCKED_CODE_BYTES)
      .tag(3, WIRE_LEN)
      .varint(length)
      .bytes(entry, start, end);
  }

  invalid(index: number, reasonCode: number): void {
    const reason = reasonBytes(reasonCode);
    const size = 1 + varintSize(index) + 2 + INVALID_CODE_BYTES.length + 1 + varintSize(reason.length) + reason.length;
    this.w
      .tag(2, WIRE_LEN)
      .varint(size)
      .tag(1, WIRE_VARINT)
      .varint(index)
      .tag(2, WIRE_LEN)
      .varint(INVALID_CODE_BYTES.length)
      .bytes(INVALID_CODE_BYTES)
      .tag(3, WIRE_LEN)
      .varint(reason.length)
      .bytes(reason);
  }

  finish(checked: number): Buffer {
    if (checked > 0) this.w.tag(3, WIRE_VARINT).varint(checked);
    return this.w.finish();
  }
}
