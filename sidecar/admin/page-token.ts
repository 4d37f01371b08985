// The opaque page tokens of the list methods: where the previous page
// stopped, and in which order, so a token is never read in another order.

import { InvalidArgumentError } from "../errors.js";

const PREFIX = "dnc1";

export function encodePageToken(order: number, cursor: string): string {
  return Buffer.from(`${PREFIX}.${order}.${cursor}`).toString("base64url");
}

/** The cursor the next page starts after, or undefined for the first page. */
export function decodePageToken(token: string, order: number): string | undefined {
  if (token === "") return undefined;
  const [prefix, tokenOrder, cursor] = Buffer.from(token, "base64url").toString("utf8").split(".");
  if (prefix !== PREFIX || cursor === undefined || cursor === "" || !/^[0-9a-f]+$/.test(cursor)) {
    throw new InvalidArgumentError("page_token", "not a token this server issued");
  }
  if (Number(tokenOrder) !== order) throw new InvalidArgumentError("page_token", "issued for another order");
  return cursor;
}
