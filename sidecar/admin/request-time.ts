// A Timestamp field of a request as milliseconds, or INVALID_ARGUMENT naming
// the field: the gRPC door takes any seconds and nanos, which made Date throw
// (INTERNAL) or a bound silently meaningless.

import type { Timestamp } from "@bufbuild/protobuf/wkt";
import { InvalidArgumentError } from "../errors.js";

/** google.protobuf.Timestamp's range: 0001-01-01T00:00:00Z to 9999-12-31T23:59:59Z. */
const MIN_SECONDS = -62_135_596_800n;
const MAX_SECONDS = 253_402_300_799n;

/** Whole milliseconds: an instant within one is in it. */
export function requestTimeMs(ts: Timestamp, field: string): number {
  if (ts.seconds < MIN_SECONDS || ts.seconds > MAX_SECONDS) throw new InvalidArgumentError(field, "must be between 0001-01-01 and 9999-12-31");
  if (!Number.isInteger(ts.nanos) || ts.nanos < 0 || ts.nanos > 999_999_999) throw new InvalidArgumentError(field, "nanos must be 0 to 999,999,999");
  return Number(ts.seconds) * 1000 + Math.floor(ts.nanos / 1_000_000);
}
