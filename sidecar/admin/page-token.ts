// The opaque page tokens of the list methods: where the previous page
// stopped, and in which order, so a token is never read in another order.

import { InvalidArgumentError } from "../errors.js";

const PREFIX = "dnc1";
/** The largest sequence or row number a cursor can hold: LMDB's keys and the history's stop below 2^48. */
const MAX_CURSOR_NUMBER = 2 ** 48 - 1;

export function encodePageToken(order: number, cursor: string): string {
  return Buffer.from(`${PREFIX}.${order}.${cursor}`).toString("base64url");
}

/** The cursor the next page starts after, or undefined for the first page. */
export function decodePageToken(token: string, order: number): string | undefined {
  if (token === "") return undefined;
  const parts = Buffer.from(token, "base64url").toString("utf8").split(".");
  const [prefix, tokenOrder, cursor] = parts;
  // Exactly what encodePageToken writes: Number() would read "" or " 0" as order 0.
  if (parts.length !== 3 || prefix !== PREFIX || !/^(0|[1-9][0-9]{0,2})$/.test(tokenOrder!) || !/^[0-9a-f]+$/.test(cursor!)) throw notIssued();
  if (Number(tokenOrder) !== order) throw new InvalidArgumentError("page_token", "issued for another order");
  return cursor!;
}

/** The sequence or row number a cursor holds, written in `radix`; a forged one is refused, never read as NaN or past the store. */
export function cursorNumber(cursor: string, radix: 10 | 16): number {
  const n = parseInt(cursor, radix);
  if ((radix === 10 && !/^[0-9]+$/.test(cursor)) || !Number.isSafeInteger(n) || n > MAX_CURSOR_NUMBER) throw notIssued();
  return n;
}

/** A token whose cursor this server could not have written. */
export function notIssued(): InvalidArgumentError {
  return new InvalidArgumentError("page_token", "not a token this server issued");
}
