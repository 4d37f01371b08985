// Restarts: the index comes back from its snapshot, from the snapshot plus
// the history after a process was killed mid-life, or from the store alone
// when the snapshot is unusable; every way gives the same verdicts.

import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { existsSync, truncateSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { DncList } from "../sidecar/engine/dnc-list.js";
import { FilterEngine } from "../sidecar/filter/filter-engine.js";
import { FilterBatchRequestSchema, FilterBatchResponseSchema } from "../sidecar/gen/dnc/v1/filter_service_pb.js";
import { Channel, EntryKeySchema, EntrySchema } from "../sidecar/gen/dnc/v1/types_pb.js";
import { tempDir } from "./support/temp-dir.js";

const phone = (i: number) => `+4477009${String(i).padStart(5, "0")}`;

/** Which of contacts 0..n-1 are blocked on SMS from sender S0..S6 or none. */
function verdicts(list: DncList, n: number): string {
  const engine = new FilterEngine(list, { maxBatch: 10_000 });
  const out: string[] = [];
  for (const sender of ["", "S0", "S3"]) {
    const body = toBinary(
      FilterBatchRequestSchema,
      create(FilterBatchRequestSchema, { channel: Channel.SMS, sender, recipients: Array.from({ length: n }, (_, i) => phone(i)) }),
    );
    const res = fromBinary(FilterBatchResponseSchema, engine.filterBatch(body));
    out.push(res.blocked.map((b) => b.index).join(","));
  }
  return out.join("|");
}

async function crashWriter(dir: string, ...range: number[]): Promise<void> {
  const child = spawn(process.execPath, [join(import.meta.dirname, "support/crash-writer.mjs"), dir, ...range.map(String)], { stdio: ["ignore", "pipe", "inherit"] });
  let out = "";
  child.stdout!.on("data", (d: Buffer) => (out += d.toString()));
  while (!out.includes("written")) {
    if (child.exitCode !== null) throw new Error("crash writer exited early");
    await new Promise((r) => setTimeout(r, 20));
  }
  child.kill("SIGKILL");
  await once(child, "exit");
}

describe("restart", () => {
  const dir = tempDir();
  afterAll(() => dir.remove());
  const snapshot = join(dir.path, "index.snapshot");

  it("comes back from the snapshot, then from snapshot + history after a kill, then from the store alone", async () => {
    let list = DncList.open(dir.path);
    await list.addEntries(Array.from({ length: 400 }, (_, i) => create(EntrySchema, { contact: phone(i), channel: i % 3, sender: i % 5 === 0 ? `S${i % 7}` : "" })), undefined, "test");
    const first = verdicts(list, 600);
    await list.close();
    expect(existsSync(snapshot)).toBe(true);

    list = DncList.open(dir.path);
    expect(verdicts(list, 600)).toBe(first);
    await list.close();

    // A killed process leaves the snapshot behind the store: 400..599 added, 0..99 removed.
    await crashWriter(dir.path, 400, 600, 0, 100);
    list = DncList.open(dir.path);
    const afterCrash = verdicts(list, 600);
    expect(afterCrash).not.toBe(first);
    expect(list.indexedEntries()).toBe(500);
    expect(list.store.entryCount()).toBe(500);
    await list.close();

    truncateSync(snapshot, 100);
    list = DncList.open(dir.path);
    expect(verdicts(list, 600)).toBe(afterCrash);
    await list.close();

    // A fresh list with the same writes and no restarts agrees too.
    const control = tempDir();
    const fresh = DncList.open(control.path);
    await fresh.addEntries(Array.from({ length: 600 }, (_, i) => create(EntrySchema, { contact: phone(i), channel: i % 3, sender: i % 5 === 0 ? `S${i % 7}` : "" })), undefined, "test");
    await fresh.removeEntries(Array.from({ length: 100 }, (_, i) => create(EntryKeySchema, { contact: phone(i), channel: i % 3, sender: i % 5 === 0 ? `S${i % 7}` : "" })), "c", undefined, "test");
    expect(verdicts(fresh, 600)).toBe(afterCrash);
    await fresh.close();
    control.remove();
  });
});
