// The native first reading of a FilterBatchRequest (batch-scan.c): the
// fast form's channel, scope fields and recipients as byte ranges, or -1
// when the JavaScript decoder must read the message itself.

import { nativeAddon } from "./native-addon.js";

interface NativeScan {
  scanBatch(src: Uint8Array, spans: Int32Array, scope: Int32Array, maxBatch: number): number;
}

export class BatchScan {
  /** After a scan: the channel, then [start, end) of sender, account, campaign_ref and default_country (-1 when not sent). */
  readonly scope = new Int32Array(9);
  private readonly native = nativeAddon<NativeScan>();

  /** Recipient i's bytes go to `spans[2i]..spans[2i + 1]`; returns how many, or -1 (see batch-scan.c). */
  run(src: Uint8Array, spans: Int32Array, maxBatch: number): number {
    // N-API would read -1 as 2^32 - 1: a bound that is no count goes to the JavaScript, which holds to it as given.
    if (!Number.isInteger(maxBatch) || maxBatch < 0) return -1;
    return this.native.scanBatch(src, spans, this.scope, maxBatch);
  }
}
