// Run as a child process by disk-full.test.ts: adds entries to a list on a
// small filesystem until a write fails, then writes once more and reports,
// one JSON line. An unhandled rejection ends this process, and the test sees
// it. The second argument lengthens each email's local part by that many
// characters: up to 50 it stays valid; longer, every entry is rejected, and
// the batches write history events alone.
import { create } from "@bufbuild/protobuf";
import { DncList } from "../../dist/sidecar/engine/dnc-list.js";
import { EntrySchema } from "../../dist/sidecar/gen/dnc/v1/types_pb.js";

const list = DncList.open(process.argv[2]);
const pad = "x".repeat(Number(process.argv[3] ?? 0));
const email = (i) => `user${i}${pad}@example.com`;
let failure;
let added = 0;
let rejected = 0;
for (let batch = 0; batch < 1000 && failure === undefined; batch++) {
  const entries = Array.from({ length: 200 }, (_, i) => create(EntrySchema, { contact: email(batch * 200 + i) }));
  try {
    const result = await list.addEntries(entries, undefined, "fill");
    added += result.added;
    rejected += result.rejected.length;
  } catch (err) {
    failure = { name: err.constructor.name, code: err.code, message: err.message };
  }
}
// Give a late rejection (lmdb-js's commitError) the time to end the process, were it unhandled.
await new Promise((r) => setTimeout(r, 500));
process.stdout.write(`${JSON.stringify({ failure, added, rejected, entries: list.store.entryCount(), indexed: list.indexedEntries() })}\n`);
process.exit(0);
