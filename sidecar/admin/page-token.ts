// The opaque page token of ListEntries: where the previous page stopped.

import { InvalidArgumentError } from "../errors.js";

const PREFIX = "dnc1.";

export function encodePageToken(beforeSeq: number): string {
  return Buffer.from(`${PREFIX}${beforeSeq}`).toString("base64url");
}

/** The sequence number the next page starts below, or undefined for the first page. */
export function decodePageToken(token: string): number | undefined {
  if (token === "") return undefined;
  const text = Buffer.from(token, "base64url").toString("utf8");
  const seq = text.startsWith(PREFIX) ? Number(text.slice(PREFIX.length)) : NaN;
  if (!Number.isSafeInteger(seq) || seq <= 0) throw new InvalidArgumentError("page_token", "not a token this server issued");
  return seq;
}
