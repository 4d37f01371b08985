// Keeps an import's garbage from piling up in the heap. The sidecar runs
// with a large initial old space (cli/serve-node-flags.ts), so that serving
// traffic's garbage goes in young collections; but an import's rows live
// on while their batch commits, reach the old space, and V8 marks it only
// once it reaches that size: a 1M-row workbook grew the process by 270 MB.
// Between batches, once the heap holds more than IMPORT_HEAP_MB, V8 is asked
// for a major collection, as a task of its own (the serve flags expose gc;
// without them, as in tests that run the sidecar in their own process, this
// does nothing).

import { getHeapStatistics } from "node:v8";

/**
 * Below this the heap is left alone. An import's live heap is about half of
 * it, so a collection comes every few batches, and each pauses for what is
 * live (15-25 ms at a 1M-row workbook, in a scratch trace).
 */
const IMPORT_HEAP_MB = 64;

type GcFunction = (options: { type: "major"; execution: "async" }) => void;

/** Asks for a major collection when the heap has grown past IMPORT_HEAP_MB; call it between an import's batches. */
export function collectImportGarbage(): void {
  const gc = (globalThis as { gc?: GcFunction }).gc;
  if (gc === undefined) return;
  if (getHeapStatistics().used_heap_size > IMPORT_HEAP_MB * 1024 * 1024) gc({ type: "major", execution: "async" });
}
