// The native first pass of a FilterBatch (recipient-probe.c): keys the
// canonical E.164 recipients straight from the request bytes and looks them
// up in the contacts table, so the JS keys only the rest. It is built from
// source at install (binding.gyp); a sidecar without it does not start.

import type { ByteInternTable } from "../index/byte-intern-table.js";
import { MAX_PHONE_KEY_BYTES } from "../normalise/contact-key.js";
import { canonicalRuleTable } from "../normalise/phone-normaliser.js";
import { nativeAddon } from "./native-addon.js";

/** `ids[i]` for a recipient left to the JS normaliser. */
export const DEFERRED = -2;

interface NativeProbe {
  probe(
    src: Uint8Array,
    spans: Int32Array,
    count: number,
    rules: Int32Array,
    keys: Uint8Array,
    hashes: Uint32Array,
    ids: Int32Array,
    arena: Uint8Array,
    offsets: Uint32Array,
    slots: Uint32Array,
    bloom: Uint32Array,
    idBase: number,
    hits: Int32Array,
    every: number,
  ): number;
}

const rules = canonicalRuleTable();

export class RecipientProbe {
  /** Per recipient of the last run: its contact id, -1 when no contact has its key, or DEFERRED. */
  ids = new Int32Array(1024);
  /** The last run's recipients found or deferred (or all of them), in order; `run` says how many. */
  hits = new Int32Array(1024);
  private keys = new Uint8Array(1024 * MAX_PHONE_KEY_BYTES);
  private hashes = new Uint32Array(1024);
  private readonly native = nativeAddon<NativeProbe>();

  /**
   * Probes recipients `spans[2i]..spans[2i + 1]` of `src`, i < `count`, in
   * `table`; returns how many of them `hits` lists: those found or
   * deferred, or with `every` all of them.
   */
  run(src: Uint8Array, spans: Int32Array, count: number, table: ByteInternTable, every = false): number {
    if (count > this.ids.length) {
      this.ids = new Int32Array(count);
      this.hits = new Int32Array(count);
      this.keys = new Uint8Array(count * MAX_PHONE_KEY_BYTES);
      this.hashes = new Uint32Array(count);
    }
    const t = table.lookupArrays;
    return this.native.probe(src, spans, count, rules, this.keys, this.hashes, this.ids, t.arena, t.offsets, t.slots, t.bloom, t.idBase, this.hits, every ? 1 : 0);
  }
}
