// A CRC-32 kept over bytes that come a piece at a time (a snapshot's
// sections, a zip entry's chunks). Node 20's zlib.crc32, given an empty
// array over an empty ArrayBuffer and the running value, returns 0 rather
// than the value: an empty piece would have reset the checksum.

import { crc32 } from "node:zlib";

/** The CRC-32 of what `crc` covered followed by `bytes`. */
export function crc32Update(crc: number, bytes: Uint8Array): number {
  return bytes.length === 0 ? crc : crc32(bytes, crc);
}
