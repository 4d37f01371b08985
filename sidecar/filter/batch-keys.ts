// The recipients of one FilterBatch, normalised into one reused arena with
// their hashes, before any is looked up. Normalising them all first lets the
// engine touch every recipient's Bloom filter words in a run of independent
// reads: with ten million contacts those words are out of the core's caches,
// and independent misses overlap where a lookup-at-a-time loop waits on each.

import { ContactKind } from "../gen/dnc/v1/types_pb.js";
import { hashBytes, KeyScratch } from "../normalise/contact-key.js";
import { normaliseContactBytes } from "../normalise/contact-normaliser.js";
import type { CountryCode } from "libphonenumber-js";

export class BatchKeys {
  private readonly scratch = new KeyScratch();
  arena = new Uint8Array(1 << 16);
  starts = new Int32Array(1024);
  ends = new Int32Array(1024);
  /** The recipient's ContactKind, or 0 when `codes` holds why it is invalid. */
  kinds = new Uint8Array(1024);
  codes = new Uint8Array(1024);
  hashes = new Uint32Array(1024);
  count = 0;

  /** Normalises recipients `spans[2i]..spans[2i + 1]` of `src`, i < `count`. */
  fill(src: Uint8Array, spans: Int32Array | number[], count: number, country: CountryCode | undefined): void {
    if (count > this.starts.length) this.grow(count);
    const scratch = this.scratch;
    let used = 0;
    for (let i = 0; i < count; i++) {
      const code = normaliseContactBytes(src, spans[2 * i]!, spans[2 * i + 1]!, ContactKind.UNSPECIFIED, country, scratch);
      this.codes[i] = code;
      if (code !== 0) {
        this.kinds[i] = 0;
        continue;
      }
      const length = scratch.length;
      if (used + length > this.arena.length) {
        const next = new Uint8Array(Math.max(this.arena.length * 2, used + length));
        next.set(this.arena.subarray(0, used));
        this.arena = next;
      }
      const arena = this.arena;
      const bytes = scratch.bytes;
      for (let k = 0; k < length; k++) arena[used + k] = bytes[k]!;
      this.starts[i] = used;
      this.ends[i] = used + length;
      this.kinds[i] = scratch.kind;
      this.hashes[i] = hashBytes(this.arena, used, used + length);
      used += length;
    }
    this.count = count;
  }

  private grow(count: number): void {
    this.starts = new Int32Array(count);
    this.ends = new Int32Array(count);
    this.kinds = new Uint8Array(count);
    this.codes = new Uint8Array(count);
    this.hashes = new Uint32Array(count);
  }
}
