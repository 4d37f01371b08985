// The store's writes alone, the import's ceiling: the bench CSV's rows made
// ready outside the clock (normalised, keyed, encoded) and written through
// EntryStore exactly as an import writes an added row with a new contact —
// its contact, its entry, its place in the add order, its history event and
// that event's place under the contact: five LMDB puts — in transactions of
// the import's batch size, each awaited to disk as an import's is. Nothing is
// parsed, checked or indexed on the clock, so no import through this store
// can run faster. Run in a child process with the sidecar's node flags;
// prints one JSON line, { rows, seconds }.
//
//   node dist/bench/store-writes.js --data-dir DIR --rows N

import { performance } from "node:perf_hooks";
import { parseArgs } from "node:util";
import { Channel, ContactKind, Reason, Source } from "../sidecar/gen/dnc/v1/types_pb.js";
import { normaliseContact } from "../sidecar/normalise/contact-normaliser.js";
import { encodeEntry } from "../sidecar/store/entry-codec.js";
import { entryKey } from "../sidecar/store/entry-key.js";
import { EntryStore } from "../sidecar/store/entry-store.js";
import { importRow } from "./import-files.js";
import { countFlag } from "./numeric-flag.js";

/** The import's rows per transaction (import-settings.ts). */
const BATCH_ROWS = 1_000;
const ACTOR = "import:store-writes";

interface ReadyRow {
  contactKey: Uint8Array;
  key: Buffer;
  entry: Buffer;
}

/** Rows [from, to) of the bench CSV as an import would have them ready to write; contact ids from `from + 1`, as an empty list's. */
function readyRows(from: number, to: number, at: number): ReadyRow[] {
  const rows: ReadyRow[] = [];
  for (let i = from; i < to; i++) {
    const [contact, , sender, account, , campaign, note] = importRow(i);
    const n = normaliseContact(contact!, ContactKind.UNSPECIFIED, undefined, "add");
    if (!n.ok) throw new Error(`row ${i}: ${n.reason}`);
    const channel = n.kind === ContactKind.EMAIL ? Channel.EMAIL : Channel.SMS;
    const entry = encodeEntry({
      contact: n.contact,
      kind: n.kind,
      channel,
      sender: sender!,
      account: account!,
      source: Source.IMPORT,
      reason: Reason.OPT_OUT,
      campaignRef: campaign!,
      addedAtMs: at,
      addedBy: ACTOR,
      note: note!,
    });
    const ids = { contactId: i + 1, channel, senderId: sender === "" ? 0 : 1, accountId: account === "" ? 0 : 1 };
    rows.push({ contactKey: Buffer.from(n.key), key: entryKey(ids), entry: Buffer.from(entry) });
  }
  return rows;
}

async function main(argv: string[]): Promise<void> {
  const { values } = parseArgs({ args: argv, options: { "data-dir": { type: "string" }, rows: { type: "string" } } });
  const dataDir = values["data-dir"];
  if (dataDir === undefined) throw new Error("--data-dir: required");
  const total = countFlag("rows", values.rows, 1_000_000);
  const store = EntryStore.open(dataDir);
  let writing = 0;
  try {
    for (let from = 0; from < total; from += BATCH_ROWS) {
      const at = Date.now();
      const rows = readyRows(from, Math.min(total, from + BATCH_ROWS), at);
      const started = performance.now();
      await store.writeBatch((w) => {
        for (let k = 0; k < rows.length; k++) {
          const row = rows[k]!;
          w.putContact(from + k + 1, row.contactKey);
          const seq = w.appendHistory({ at, actor: ACTOR, action: "added", entry: row.entry, key: row.key });
          w.putEntry(row.key, seq, row.entry);
        }
      });
      writing += performance.now() - started;
    }
  } finally {
    await store.close();
  }
  console.log(JSON.stringify({ rows: total, seconds: writing / 1000 }));
}

main(process.argv.slice(2)).catch((err: unknown) => {
  console.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
  process.exit(1);
});
