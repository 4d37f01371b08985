// The recipients of one FilterBatch, normalised into one reused arena with
// their hashes, before any is looked up. Normalising them all first lets the
// engine touch every recipient's Bloom filter words in a run of independent
// reads: with ten million contacts those words are out of the core's caches,
// and independent misses overlap where a lookup-at-a-time loop waits on each.

import { ContactKind } from "../gen/dnc/v1/types_pb.js";
import { hashBytes, KeyScratch, MAX_KEY_BYTES, MAX_PHONE_KEY_BYTES } from "../normalise/contact-key.js";
import { normaliseContactBytes } from "../normalise/contact-normaliser.js";
import { packCanonicalE164 } from "../normalise/phone-normaliser.js";
import { DEFERRED } from "../native/recipient-probe.js";
import type { CountryCode } from "libphonenumber-js";

export class BatchKeys {
  private readonly scratch = new KeyScratch(true);
  arena = new Uint8Array(1 << 16);
  starts = new Int32Array(1024);
  ends = new Int32Array(1024);
  /** The recipient's ContactKind, or 0 when `codes` holds why it is invalid. */
  kinds = new Uint8Array(1024);
  codes = new Uint8Array(1024);
  hashes = new Uint32Array(1024);
  /** Where the recipient's second reading (KeyScratch.alt) ends, right after its key; 0 when it has none. */
  altEnds = new Int32Array(1024);
  count = 0;

  /**
   * Normalises recipients `spans[2i]..spans[2i + 1]` of `src`, i < `count`;
   * with `probed`, only those the native probe deferred (the others' entries
   * here are left as they were).
   */
  fill(src: Uint8Array, spans: Int32Array, count: number, country: CountryCode | undefined, probed?: Int32Array): void {
    if (count > this.starts.length) this.grow(count);
    const scratch = this.scratch;
    let used = 0;
    for (let i = 0; i < count; i++) {
      if (probed !== undefined && probed[i] !== DEFERRED) continue;
      const start = spans[2 * i]!;
      const end = spans[2 * i + 1]!;
      if (used + MAX_KEY_BYTES + MAX_PHONE_KEY_BYTES > this.arena.length) this.growArena(used);
      const arena = this.arena;
      // Most recipients are E.164 already: their key is packed straight into the arena, skipping the kind scan and a copy.
      let keyEnd = packCanonicalE164(src, start, end, arena, used);
      let altEnd = 0;
      if (keyEnd >= 0) {
        this.kinds[i] = ContactKind.PHONE;
      } else {
        const code = normaliseContactBytes(src, start, end, ContactKind.UNSPECIFIED, country, scratch);
        if (code !== 0) {
          this.codes[i] = code;
          this.kinds[i] = 0;
          continue;
        }
        const bytes = scratch.bytes;
        const length = scratch.length;
        for (let k = 0; k < length; k++) arena[used + k] = bytes[k]!;
        keyEnd = used + length;
        this.kinds[i] = scratch.kind;
        if (scratch.altLength > 0) {
          arena.set(scratch.alt.subarray(0, scratch.altLength), keyEnd);
          altEnd = keyEnd + scratch.altLength;
        }
      }
      this.codes[i] = 0;
      this.starts[i] = used;
      this.ends[i] = keyEnd;
      this.altEnds[i] = altEnd;
      this.hashes[i] = hashBytes(arena, used, keyEnd);
      used = altEnd || keyEnd;
    }
    this.count = count;
  }

  private growArena(used: number): void {
    const next = new Uint8Array(this.arena.length * 2);
    next.set(this.arena.subarray(0, used));
    this.arena = next;
  }

  private grow(count: number): void {
    this.starts = new Int32Array(count);
    this.ends = new Int32Array(count);
    this.kinds = new Uint8Array(count);
    this.codes = new Uint8Array(count);
    this.hashes = new Uint32Array(count);
    this.altEnds = new Int32Array(count);
  }
}
