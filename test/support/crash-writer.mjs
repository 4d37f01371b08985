// Run as a child process by restart.test.ts: writes to a list, says so, and
// waits to be killed without closing it (so no snapshot is saved).
import { create } from "@bufbuild/protobuf";
import { DncList } from "../../dist/sidecar/engine/dnc-list.js";
import { EntryKeySchema, EntrySchema } from "../../dist/sidecar/gen/dnc/v1/types_pb.js";

const [dir, addFrom, addTo, removeFrom, removeTo] = process.argv.slice(2).map((x, i) => (i === 0 ? x : Number(x)));
const list = DncList.open(dir);
const phone = (i) => `+4477009${String(i).padStart(5, "0")}`;
const adds = [];
for (let i = addFrom; i < addTo; i++) adds.push(create(EntrySchema, { contact: phone(i), channel: i % 3, sender: i % 5 === 0 ? `S${i % 7}` : "" }));
await list.addEntries(adds, undefined, "crash-writer");
const keys = [];
for (let i = removeFrom; i < removeTo; i++) keys.push(create(EntryKeySchema, { contact: phone(i), channel: i % 3, sender: i % 5 === 0 ? `S${i % 7}` : "" }));
await list.removeEntries(keys, "consent", undefined, "crash-writer");
process.stdout.write("written\n");
setInterval(() => {}, 1000);
