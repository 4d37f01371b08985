// dnc's native addon (build/Release/recipient_probe.node, built by node-gyp
// at install from recipient-probe.c, batch-scan.c, huge-pages.c,
// file-pages.c and shared-map.c), loaded once on first use: the CLI's
// client commands never load it.

import { createRequire } from "node:module";

const ADDON = import.meta.url.endsWith(".ts") ? "../../build/Release/recipient_probe.node" : "../../../build/Release/recipient_probe.node";

let addon: unknown;
/** Why it did not load: kept, so that a caller asking again and again does not try again and again. */
let failure: Error | undefined;

/**
 * The addon's exports, or undefined when it cannot load: for what only
 * saves time or memory (huge pages, releasing map pages), which works as
 * before without it.
 */
export function nativeAddonIfBuilt<T>(): T | undefined {
  try {
    return nativeAddon<T>();
  } catch {
    return undefined;
  }
}

/** The addon's exports; throws, saying how to build it, when it cannot load. */
export function nativeAddon<T>(): T {
  if (addon !== undefined) return addon as T;
  if (failure !== undefined) throw failure;
  try {
    addon = createRequire(import.meta.url)(ADDON);
  } catch (err: unknown) {
    const why = err instanceof Error ? err.message.split("\n")[0] : String(err);
    failure = new Error(`dnc's native addon did not load (${why}): build it with \`npm run install\` (node-gyp; python3, make and g++)`);
    throw failure;
  }
  return addon as T;
}
