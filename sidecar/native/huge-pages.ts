// Transparent huge pages for the contact table's large arrays
// (huge-pages.c says why). Advice only: where the addon, the kernel or its
// settings say no, the arrays work as they are, on 4 KB pages.

import { nativeAddonIfBuilt } from "./native-addon.js";

interface HugePagesAddon {
  adviseHugePages(array: Uint8Array | Uint32Array, collapse: number): number;
}

/** Below this an array holds at most one whole 2 MB page: not worth a system call. */
const MIN_BYTES = 4 * 1024 * 1024;

/**
 * Asks for huge pages over `array`'s whole 2 MB pages: best on memory not
 * yet written, whose pages are then made huge as they are first touched.
 * With `collapse`, what is already written moves onto huge pages now (a
 * pause of about a millisecond per 2 MB page: for a start-up, not for a
 * sidecar that is serving). Returns how many pages were advised (0 for a
 * small array or without the addon), or a negative number when the kernel
 * refused.
 */
export function adviseHugePages(array: Uint8Array | Uint32Array, collapse = false): number {
  if (array.byteLength < MIN_BYTES) return 0;
  return nativeAddonIfBuilt<HugePagesAddon>()?.adviseHugePages(array, collapse ? 1 : 0) ?? 0;
}
