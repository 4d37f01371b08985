// Drops a file's read-only shared mappings from the page tables
// (file-pages.c says why). Where the addon cannot load, it does nothing:
// the pages then stay mapped, which costs RSS, never data.

import { nativeAddonIfBuilt } from "./native-addon.js";

interface FilePagesAddon {
  releaseFilePages(path: string): number;
}

/**
 * Takes the pages of the mappings of `path` (absolute, as the kernel names
 * it) out of the process's RSS; they stay in the page cache. Returns how
 * many mappings were released (0 without the addon), or -errno.
 */
export function releaseFilePages(path: string): number {
  return nativeAddonIfBuilt<FilePagesAddon>()?.releaseFilePages(path) ?? 0;
}
