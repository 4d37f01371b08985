// dnc's native addon (build/Release/recipient_probe.node, built by node-gyp
// at install from recipient-probe.c, batch-scan.c, huge-pages.c and
// file-pages.c), loaded once on first use: the CLI's client commands never
// load it.

import { createRequire } from "node:module";

const ADDON = import.meta.url.endsWith(".ts") ? "../../build/Release/recipient_probe.node" : "../../../build/Release/recipient_probe.node";

let addon: unknown;

/** The addon's exports; throws, saying how to build it, when it cannot load. */
export function nativeAddon<T>(): T {
  if (addon !== undefined) return addon as T;
  try {
    addon = createRequire(import.meta.url)(ADDON);
  } catch (err: unknown) {
    const why = err instanceof Error ? err.message.split("\n")[0] : String(err);
    throw new Error(`dnc's native addon did not load (${why}): build it with \`npm run install\` (node-gyp; python3, make and g++)`);
  }
  return addon as T;
}
