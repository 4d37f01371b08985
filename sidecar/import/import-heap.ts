// Keeps an import's garbage from piling up in the heap. The sidecar runs
// with a large initial old space (cli/serve-node-flags.ts), so that serving
// traffic's garbage goes in young collections; but an import's rows live
// on while their batch commits, reach the old space, and V8 marks it only
// once it reaches that size: a 1M-row workbook grew the process by 270 MB.
// Between batches, once the old space holds more than IMPORT_OLD_SPACE_MB,
// V8 is asked for a major collection, as a task of its own (the serve flags
// expose gc; without them, as in tests that run the sidecar in their own
// process, this does nothing).

import { getHeapSpaceStatistics } from "node:v8";

/**
 * Below this the old space is left alone. The sidecar's own objects hold
 * about 26 MB of it, so an import's rows that reach it get some 14 MB before
 * a collection. The young generation is not counted: young collections
 * empty it, and counting it (64 MB with the serve flags) asked for more than
 * twice the full collections a 1M-row CSV import needed (a scratch trace).
 */
const IMPORT_OLD_SPACE_MB = 40;

type GcFunction = (options: { type: "major"; execution: "async" }) => void;

/** Asks for a major collection when the old space has grown past IMPORT_OLD_SPACE_MB; call it between an import's batches. */
export function collectImportGarbage(): void {
  const gc = (globalThis as { gc?: GcFunction }).gc;
  if (gc === undefined) return;
  if (oldSpaceUsed() > IMPORT_OLD_SPACE_MB * 1024 * 1024) gc({ type: "major", execution: "async" });
}

function oldSpaceUsed(): number {
  for (const space of getHeapSpaceStatistics()) if (space.space_name === "old_space") return space.space_used_size;
  return 0;
}
