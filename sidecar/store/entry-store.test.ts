// The store on a real LMDB file: it opens as a directory whatever its name;
// history events share their msgpack structures, stored when the store
// opens rather than inside a write, and events written before they did
// still read back. An export's walk reads every stored value in place.

import { execFile, spawn, spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { open } from "lmdb";
import { afterEach, describe, expect, it } from "vitest";
import { tempDir as makeTempDir } from "../../test/support/temp-dir.js";
import { LOCK_STALE_MS, LOCK_TOUCH_MS, LOCK_WATCH_MS, pidScope } from "./data-dir-lock.js";
import { EntryStore, type HistoryEvent } from "./entry-store.js";
import { DncList } from "../engine/dnc-list.js";
import { create } from "@bufbuild/protobuf";
import { EntrySchema } from "../gen/dnc/v1/types_pb.js";

const dirs: { remove(): void }[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) dir.remove();
});

function tempDir(): string {
  const dir = makeTempDir("dnc-entry-store-");
  dirs.push(dir);
  return dir.path;
}

const run = promisify(execFile);
const LOCK_MODULE = pathToFileURL(join(import.meta.dirname, "../../dist/sidecar/store/data-dir-lock.js")).href;

const KEY = Buffer.from([0, 0, 0, 7, 1, 0, 0, 0, 0, 0, 0, 0]);

function event(seq: number, action: HistoryEvent["action"], extra: Partial<HistoryEvent> = {}): HistoryEvent {
  return { seq, at: 1_790_000_000_000 + seq, actor: `user-${seq}`, action, entry: new Uint8Array([seq, 1, 2]), ...extra };
}

/** The history's values as LMDB holds them. */
async function rawHistory(dir: string): Promise<Map<number, Buffer>> {
  const root = open({ path: dir });
  const db = root.openDB<Buffer, number>({ name: "history", encoding: "binary" });
  const raw = new Map<number, Buffer>();
  for (const { key, value } of db.getRange({ start: 1 })) raw.set(key, Buffer.from(value));
  await root.close();
  return raw;
}

function summary(events: Iterable<HistoryEvent>): string[] {
  return [...events].map((e) => `${e.seq} ${e.action} ${e.actor} ${e.at} ${Buffer.from(e.entry).toString("hex")} ${e.note ?? "-"} ${e.key ? Buffer.from(e.key).toString("hex") : "-"}`);
}

describe("EntryStore.open", () => {
  it("opens a data directory whose name has a dot, as a directory", async () => {
    // lmdb-js took "dnc.data" for the name of a single database file, and the sidecar did not start.
    const dir = join(tempDir(), "dnc.data");
    const store = EntryStore.open(dir);
    await store.close();
    expect(readdirSync(dir).sort()).toEqual(["data.mdb", "lock.mdb"]);
  });
});

describe("EntryStore.open on a directory another holds", () => {
  it("refuses a directory open in a running process, and takes over one a gone process left", async () => {
    const dir = tempDir();
    const store = EntryStore.open(dir);
    expect(() => EntryStore.open(dir)).toThrow(`data directory ${dir} is in use by process ${process.pid} (this one); if no dnc runs on it, remove ${join(dir, "dnc.pid")}`);
    await store.close();
    // A process that is gone (killed without closing) left its lock behind.
    const gone = spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"], { encoding: "utf8" });
    writeFileSync(join(dir, "dnc.pid"), `${gone.stdout} ${pidScope()}\n`);
    const again = EntryStore.open(dir);
    expect(readFileSync(join(dir, "dnc.pid"), "utf8")).toBe(`${process.pid} ${pidScope()}\n`);
    await again.close();
    expect(existsSync(join(dir, "dnc.pid"))).toBe(false);
  });

  it("is held by one process at a time however two race for it, and says only that it is held", async () => {
    const dir = tempDir();
    // Each takes and releases the lock in a loop; holding it, it claims a marker file that only one can hold.
    const script = `
      import { openSync, closeSync, rmSync } from "node:fs";
      import { DataDirLock } from ${JSON.stringify(LOCK_MODULE)};
      const dir = ${JSON.stringify(dir)};
      const until = Date.now() + 1500;
      let held = 0, double = 0;
      const errors = new Set();
      while (Date.now() < until) {
        let lock;
        try { lock = DataDirLock.take(dir); } catch (e) { if (!/is in use by process|kept taking its lock/.test(e.message)) errors.add(e.message); continue; }
        held++;
        let fd;
        try { fd = openSync(dir + "/holder", "wx"); } catch (e) { if (e.code === "EEXIST") double++; else throw e; }
        for (let i = 0; i < 2000; i++);
        if (fd !== undefined) { closeSync(fd); rmSync(dir + "/holder", { force: true }); }
        lock.release();
      }
      console.log(JSON.stringify({ held, double, errors: [...errors] }));
    `;
    const race = () => run(process.execPath, ["--input-type=module", "-e", script]).then((r) => JSON.parse(r.stdout) as { held: number; double: number; errors: string[] });
    const results = await Promise.all([race(), race()]);
    for (const r of results) {
      expect(r.held).toBeGreaterThan(0);
      expect(r.errors).toEqual([]);
      expect(r.double).toBe(0);
    }
  });

  it("leaves a lock whose holder it cannot see while it is touched, and takes it over once it is stale", async () => {
    const dir = tempDir();
    const lockPath = join(dir, "dnc.pid");
    // Another container on a shared volume, or on this host in a pid namespace of its own: its pid means nothing here.
    writeFileSync(lockPath, "1 other-container/boot/pid:[1]\n");
    expect(() => EntryStore.open(dir)).toThrow(/is in use by process 1 of other-container \(its lock was touched \d+ s ago/);
    // Its time is old, as a clock far behind this one's would write it, but it is still being touched.
    const old = Date.now() - LOCK_STALE_MS - 5_000;
    const toucher = spawn(process.execPath, [
      "-e",
      `const { utimesSync } = require("node:fs"); let t = ${old} / 1000; setInterval(() => { t += 1; utimesSync(${JSON.stringify(lockPath)}, t, t); }, 500); setTimeout(() => process.exit(0), ${LOCK_WATCH_MS + 3_000});`,
    ]);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(() => EntryStore.open(dir)).toThrow(/is in use by process 1 of other-container \(its lock is touched, though its time is \d+ s old\)/);
    toucher.kill();
    await new Promise((resolve) => toucher.once("exit", resolve));
    // Untouched, and older than the bound: its holder is gone.
    utimesSync(lockPath, new Date(old), new Date(old));
    const store = EntryStore.open(dir);
    expect(readFileSync(lockPath, "utf8")).toBe(`${process.pid} ${pidScope()}\n`);
    // The holder touches its lock, so that no other process takes it for stale.
    utimesSync(lockPath, new Date(old), new Date(old));
    await new Promise((resolve) => setTimeout(resolve, LOCK_TOUCH_MS + 1_000));
    expect(Date.now() - statSync(lockPath).mtimeMs).toBeLessThan(LOCK_TOUCH_MS + 1_000);
    await store.close();
  });

  it("stops a process whose lock another took, and leaves that lock alone", async () => {
    const dir = tempDir();
    const lockPath = join(dir, "dnc.pid");
    const child = spawn(
      process.execPath,
      ["--input-type=module", "-e", `import { DataDirLock } from ${JSON.stringify(LOCK_MODULE)}; DataDirLock.take(${JSON.stringify(dir)}); console.log("held"); setTimeout(() => {}, 60_000);`],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    await new Promise((resolve) => child.stdout.once("data", resolve));
    writeFileSync(lockPath, "7 another-host/boot/pid:[1]\n");
    const code = await new Promise((resolve) => child.once("exit", resolve));
    expect(code).toBe(1);
    expect(stderr).toMatch(/is another process's now; stopping/);
    expect(readFileSync(lockPath, "utf8")).toBe("7 another-host/boot/pid:[1]\n");
  });

  it("takes over a lock that names this process when this process did not take it (a container's pid 1 after a crash)", async () => {
    const dir = tempDir();
    writeFileSync(join(dir, "dnc.pid"), `${process.pid} ${pidScope()}\n`);
    const store = EntryStore.open(dir);
    expect(() => EntryStore.open(dir)).toThrow(/in use by process \d+ \(this one\)/);
    await store.close();
    expect(existsSync(join(dir, "dnc.pid"))).toBe(false);
  });
});

describe("EntryStore history", () => {
  it("stores field names once, not in every event, and reads the events back after a restart", async () => {
    const dir = tempDir();
    let store = EntryStore.open(dir);
    await store.writeBatch((w) => {
      w.appendHistory({ at: 1, actor: "import:job-1", action: "added", entry: new Uint8Array([9]), key: KEY });
      w.appendHistory({ at: 2, actor: "import:job-1", action: "repeated", entry: new Uint8Array([9]) }, 7);
    });
    await store.close();
    const raw = await rawHistory(dir);
    expect([...raw.keys()]).toEqual([1, 2]);
    for (const value of raw.values()) expect(value.includes("actor")).toBe(false);
    store = EntryStore.open(dir);
    expect(store.lastSeq).toBe(2);
    expect(summary(store.historyBefore())).toEqual([
      `2 repeated import:job-1 2 09 - -`,
      `1 added import:job-1 1 09 - ${KEY.toString("hex")}`,
    ]);
    expect([...store.historySeqsOfContact(7, false)]).toEqual([1, 2]);
    await store.close();
  });

  it("stores every event shape's structure when it opens, so that no write has to", async () => {
    const dir = tempDir();
    await EntryStore.open(dir).close();
    const structures = async () => {
      const root = open({ path: dir, maxDbs: 32 });
      const bytes = root.openDB({ name: "history", encoding: "binary" }).getBinary(Symbol.for("structures"));
      await root.close();
      return bytes === undefined ? undefined : Buffer.from(bytes).toString("hex");
    };
    const primed = await structures();
    expect(primed).toBeDefined();
    const store = EntryStore.open(dir);
    await store.writeBatch((w) => {
      for (let shape = 0; shape < 8; shape++) {
        w.appendHistory({
          at: shape,
          actor: "user",
          action: "added",
          entry: new Uint8Array([shape]),
          ...(shape & 1 ? { note: "a note" } : {}),
          ...(shape & 2 ? { key: KEY } : {}),
          ...(shape & 4 ? { importJob: new Uint8Array([1, 2]) } : {}),
        }, 7);
      }
    });
    expect([...store.historyAfter(0)].map((e) => [e.at, e.note !== undefined, e.key !== undefined, e.importJob !== undefined])).toEqual(
      Array.from({ length: 8 }, (_, shape) => [shape, (shape & 1) !== 0, (shape & 2) !== 0, (shape & 4) !== 0]),
    );
    await store.close();
    expect(await structures()).toBe(primed);
  });

  it("still reads events written with their field names inline, beside new ones", async () => {
    const dir = tempDir();
    // How the history was written before it shared structures: each event carries its own record definition.
    const root = open({ path: dir, maxDbs: 32 });
    const old = root.openDB<HistoryEvent, number>({ name: "history" });
    await old.put(1, event(1, "added", { key: KEY }));
    await old.put(2, event(2, "removed", { key: KEY, note: "consent given again" }));
    await old.put(3, event(3, "exported", { note: "all, csv, 2 rows" }));
    await root.close();
    expect((await rawHistory(dir)).get(1)!.includes("actor")).toBe(true);

    let store = EntryStore.open(dir);
    expect(store.lastSeq).toBe(3);
    await store.writeBatch((w) => {
      w.appendHistory({ at: 4, actor: "user-4", action: "added", entry: new Uint8Array([4]), key: KEY });
      w.appendHistory({ at: 5, actor: "user-5", action: "rejected", entry: new Uint8Array([5]), note: "contact is empty" }, 7);
    });
    const expected = [
      `5 rejected user-5 5 05 contact is empty -`,
      `4 added user-4 4 04 - ${KEY.toString("hex")}`,
      `3 exported user-3 1790000000003 030102 all, csv, 2 rows -`,
      `2 removed user-2 1790000000002 020102 consent given again ${KEY.toString("hex")}`,
      `1 added user-1 1790000000001 010102 - ${KEY.toString("hex")}`,
    ];
    expect(summary(store.historyBefore())).toEqual(expected);
    // An old event read after new ones, and new ones after an old one: neither's structures leak into the other.
    expect(summary([store.historyEvent(1)!, store.historyEvent(4)!, store.historyEvent(2)!, store.historyEvent(5)!])).toEqual([expected[4], expected[1], expected[3], expected[0]]);
    expect(summary(store.historyAfter(0))).toEqual([...expected].reverse());
    await store.close();

    store = EntryStore.open(dir);
    expect(store.lastSeq).toBe(5);
    expect(summary(store.historyBefore(4))).toEqual(expected.slice(2));
    await store.close();
  });
});

describe("EntryStore.entryValueViews", () => {
  /** The entries' values as LMDB holds them, in key order, read by lmdb-js's own binary reader. */
  async function rawEntries(dir: string): Promise<string[]> {
    const root = open({ path: dir, readOnly: true });
    const db = root.openDB<Buffer, Buffer>({ name: "entries", keyEncoding: "binary", encoding: "binary" });
    const values = [...db.getRange({})].map(({ value }) => value.toString("hex"));
    await root.close();
    return values;
  }

  it("walks every stored value in key order, again and again, and a walk keeps its snapshot while writes commit", async () => {
    const dir = tempDir();
    const entry = (i: number) => create(EntrySchema, { contact: `+4477009${String(i).padStart(5, "0")}`, channel: [0, 1, 2, 3, 4, 5, 7][i % 7]!, note: "n".repeat(i % 300) });
    let list = DncList.open(dir);
    await list.addEntries(Array.from({ length: 5_000 }, (_, i) => entry(i)), undefined, "test");
    await list.close();
    const stored = await rawEntries(dir);
    expect(stored).toHaveLength(5_000);

    list = DncList.open(dir);
    try {
      // A value holds until the walk steps on: each is read as it comes.
      const walk = () => {
        const values: string[] = [];
        for (const v of list.store.entryValueViews()) values.push(Buffer.from(v.bytes.subarray(0, v.length)).toString("hex"));
        return values;
      };
      for (let i = 0; i < 50; i++) expect(walk()).toEqual(stored);
      const seen: string[] = [];
      let added = 0;
      for (const v of list.store.entryValueViews()) {
        seen.push(Buffer.from(v.bytes.subarray(0, v.length)).toString("hex"));
        if (seen.length % 1_000 === 0) {
          await list.addEntries([entry(10_000 + added++)], undefined, "test");
        }
      }
      expect(seen).toEqual(stored);
      expect(walk()).toHaveLength(5_000 + added);
    } finally {
      await list.close();
    }
  });
});
