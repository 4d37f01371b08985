// The list against a real LMDB store: a big batch is prepared a slice per
// event-loop turn while the filter keeps answering; sender and account names
// of any characters find their ids, before and after a restart; a store
// opened without its snapshot is rebuilt to the index its writes made.

import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { closeSync, mkdirSync, openSync, readFileSync, rmSync, statSync, writeFileSync, writeSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import { join } from "node:path";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { FilterEngine } from "../filter/filter-engine.js";
import { CheckRequestSchema, CheckResponseSchema, FilterBatchRequestSchema, FilterBatchResponseSchema, type CheckRequest, type CheckResponse } from "../gen/dnc/v1/filter_service_pb.js";
import { Channel, ContactKind, EntryKeySchema, EntrySchema, Reason, Source } from "../gen/dnc/v1/types_pb.js";
import { normaliseContact } from "../normalise/contact-normaliser.js";
import { contactHistoryPage } from "../history/contact-history.js";
import { HistoryAction } from "../gen/dnc/v1/history_pb.js";
import { tempDir } from "../../test/support/temp-dir.js";
import { DncList } from "./dnc-list.js";
import { checkEntry } from "./entry-rules.js";
import { UNKNOWN_NAME } from "../index/filter-index.js";
import { MAX_SCOPE_NAME_ID } from "../index/scoped-entry-set.js";
import { EntryStore } from "../store/entry-store.js";
import { toGrpcStatus } from "../grpc/grpc-status.js";
import { status } from "@grpc/grpc-js";

/** Check as a client makes it: the request's bytes in, the answer's bytes out. */
function checked(engine: FilterEngine, req: CheckRequest): CheckResponse {
  return fromBinary(CheckResponseSchema, engine.checkBytes(toBinary(CheckRequestSchema, req)));
}

const phone = (i: number) => `+4477009${String(i).padStart(5, "0")}`;

describe("DncList.addEntries", () => {
  const dir = tempDir();
  let list: DncList | undefined;

  afterEach(async () => {
    await list?.close();
  });

  afterAll(() => dir.remove());

  it("prepares a big batch a slice per event-loop turn; between slices the filter answers from what is committed", async () => {
    list = DncList.open(dir.path);
    const engine = new FilterEngine(list, { maxBatch: 10_000 });
    const blocked = (contact: string) => {
      const req = create(CheckRequestSchema, { request: { recipient: contact, channel: Channel.SMS } });
      return checked(engine, req).blocked;
    };
    await list.addEntries([create(EntrySchema, { contact: phone(0) })], undefined, "test");
    const start = list.store.lastSeq;
    const size = 4_000;
    const adding = list.addEntries(
      Array.from({ length: size }, (_, i) => create(EntrySchema, { contact: phone(i + 1) })),
      undefined,
      "test",
    );
    // The clock at each turn the preparation gives away: the filter answers in those turns, from what is committed.
    const turns: number[] = [];
    let preparing = true;
    const watchTurns = () => {
      // Once the entries take their history sequence numbers, they are stamped and written.
      if (list!.store.lastSeq !== start) preparing = false;
      if (!preparing) return;
      turns.push(Date.now());
      expect(blocked(phone(0))).toBe(true);
      expect(blocked(phone(size))).toBe(false);
      setImmediate(watchTurns);
    };
    setImmediate(watchTurns);
    const result = await adding;
    expect(turns.length).toBeGreaterThan(1);
    expect(result).toMatchObject({ added: size, repeated: 0, rejected: [] });
    expect(blocked(phone(1))).toBe(true);
    expect(blocked(phone(size))).toBe(true);
    // The entries' time is taken once they are prepared, in the turn that writes them: CheckAt judges by it, and the
    // filter took them in only at the commit, after every one of those turns.
    const events = [list.store.historyEvent(start + 1)!, list.store.historyEvent(start + size)!];
    for (const event of events) expect(event.at).toBeGreaterThanOrEqual(Math.max(...turns));
    expect(fromBinary(EntrySchema, events[1]!.entry).addedAt).toEqual(fromBinary(EntrySchema, events[0]!.entry).addedAt);
  });

  it("takes the verdicts its caller made beforehand, as an import does, and refuses verdicts that do not line up", async () => {
    list = DncList.open(join(dir.path, "checked"));
    const entries = [
      create(EntrySchema, { contact: phone(1), channel: Channel.SMS }),
      create(EntrySchema, { contact: "not a number", channel: Channel.SMS }),
      create(EntrySchema, { contact: phone(2), channel: Channel.SMS }),
    ];
    // The list's own check finds the second invalid; the verdicts given say the third is, for a reason of their own.
    const given = [checkEntry(entries[0]!, undefined), checkEntry(entries[0]!, undefined), { ok: false as const, reason: "checked beforehand" }];
    expect(() => list!.addEntries(entries, undefined, "test", undefined, [], given.slice(0, 2))).toThrow("2 verdicts for 3 entries");
    const result = await list.addEntries(entries, undefined, "test", undefined, [], given);
    expect(result).toEqual({ added: 1, repeated: 1, rejected: [{ index: 2, reason: "checked beforehand" }] });
    const own = await list.addEntries(entries, undefined, "test");
    expect(own.repeated).toBe(1);
    expect(own.rejected.map((r) => r.index)).toEqual([1]);
    expect(own.added).toBe(1);
  });
});

describe("DncList history times", () => {
  const dir = tempDir();
  afterAll(() => dir.remove());

  it("shows no change in the history before the filter applies it: LMDB shows a commit to readers before lmdb-js reports it", async () => {
    const list = DncList.open(dir.path);
    const engine = new FilterEngine(list, { maxBatch: 10_000 });
    const seen = new Set<number>();
    let ahead = 0;
    let next: NodeJS.Immediate | undefined;
    // Polled every turn while the batches commit: the newest event, and the filter's answer for its contact.
    const poll = () => {
      for (const event of list.store.historyBefore()) {
        if (event.action === "added" && !seen.has(event.seq)) {
          seen.add(event.seq);
          const contact = fromBinary(EntrySchema, event.entry).contact;
          if (!checked(engine, create(CheckRequestSchema, { request: { recipient: `+${contact}`, channel: Channel.SMS } })).blocked) ahead++;
        }
        break;
      }
      next = setImmediate(poll);
    };
    try {
      next = setImmediate(poll);
      for (let b = 0; b < 20; b++) {
        const entries = Array.from({ length: 1000 }, (_, i) => create(EntrySchema, { contact: `+4477001${String(b * 1000 + i).padStart(5, "0")}` }));
        await list.addEntries(entries, undefined, "test");
      }
    } finally {
      clearImmediate(next);
      await list.close();
    }
    expect(seen.size).toBeGreaterThan(0);
    expect(ahead).toBe(0);
  });

  it("follow the history's sequence when writes wait for each other", async () => {
    const list = DncList.open(dir.path);
    try {
      const writes = [
        list.addEntries(Array.from({ length: 4_000 }, (_, i) => create(EntrySchema, { contact: phone(i) })), undefined, "test"),
        list.addEntries([create(EntrySchema, { contact: phone(90_000) })], undefined, "test"),
        list.recordRejected([{ entry: create(EntrySchema, { contact: phone(1) }), reason: "removal refused: consent_confirmed is not set" }], "test"),
        list.recordExport("test", "filter {}"),
      ];
      await Promise.all(writes);
      const events = [...list.store.historyAfter(0)];
      expect(events.map((e) => e.action).slice(-3)).toEqual(["added", "rejected", "exported"]);
      for (let i = 1; i < events.length; i++) expect(events[i]!.at, `seq ${events[i]!.seq}`).toBeGreaterThanOrEqual(events[i - 1]!.at);
    } finally {
      await list.close();
    }
  });
});

describe("DncList.removeStoredKeys", () => {
  const dir = tempDir();
  afterAll(() => dir.remove());

  it("leaves an entry removed and added again since its key was chosen: a new opt-out the choice may not cover", async () => {
    const list = DncList.open(dir.path);
    const engine = new FilterEngine(list, { maxBatch: 100 });
    const blocked = (contact: string) => checked(engine, create(CheckRequestSchema, { request: { recipient: contact, channel: Channel.SMS } })).blocked;
    const entry = (i: number, campaignRef: string) => create(EntrySchema, { contact: phone(i), channel: Channel.SMS, campaignRef });
    await list.addEntries([entry(1, "X"), entry(2, "X")], undefined, "test");
    // What RemoveByFilter(campaign X) chose: each entry's key and its add's sequence number.
    const chosen = [1, 2].map((i) => {
      const n = normaliseContact(phone(i), ContactKind.PHONE, undefined, "find");
      if (!n.ok) throw new Error(n.reason);
      return [...list.store.entriesOfContact(list.index.contacts.lookup(n.key, 0, n.key.length))][0]!;
    });
    // Meanwhile the first end user's opt-out is lifted with consent, and a new one comes in under campaign Y.
    await list.removeEntries([create(EntryKeySchema, { contact: phone(1), channel: Channel.SMS })], "consent", undefined, "test");
    await list.addEntries([entry(1, "Y")], undefined, "test");
    const res = await list.removeStoredKeys(chosen.map((c) => c.key), "campaign X withdrawn", "test", chosen.map((c) => c.seq));
    expect(res).toMatchObject({ removed: 1, notFound: [0] });
    expect(blocked(phone(1))).toBe(true);
    expect(blocked(phone(2))).toBe(false);
    await list.close();
  });
});

describe("DncList rejected entries", () => {
  const dir = tempDir();
  afterAll(() => dir.remove());

  it("records a rejected entry in the history with its text fields cut, whatever their length", async () => {
    const list = DncList.open(dir.path);
    const huge = "9".repeat(2_000_000);
    const res = await list.addEntries([create(EntrySchema, { contact: `+44${huge}`, note: huge, sender: huge, campaignRef: huge })], undefined, "test");
    expect(res.rejected).toHaveLength(1);
    const event = [...list.store.historyBefore()][0]!;
    expect(event.action).toBe("rejected");
    const recorded = fromBinary(EntrySchema, event.entry);
    for (const text of [recorded.contact, recorded.note, recorded.sender, recorded.campaignRef]) {
      expect(text).toHaveLength(1000);
      expect(text.endsWith("…")).toBe(true);
    }
    expect(recorded.contact.startsWith("+449")).toBe(true);
    // The whole event, not the 8 MB the entry was.
    expect(event.entry.length).toBeLessThan(5000);
    await list.close();
  });
});

describe("DncList.removeEntries", () => {
  const dir = tempDir();
  afterAll(() => dir.remove());

  it("removes an entry whose add was sent just before, of a contact and a sender new to the list", async () => {
    const list = DncList.open(dir.path);
    const engine = new FilterEngine(list, { maxBatch: 10 });
    const contact = phone(99_001);
    const adding = list.addEntries([create(EntrySchema, { contact, channel: Channel.SMS, sender: "brand-new-sender" })], undefined, "test");
    const removing = list.removeEntries([create(EntryKeySchema, { contact, channel: Channel.SMS, sender: "brand-new-sender" })], "consent again", undefined, "test");
    expect((await adding).added).toBe(1);
    expect(await removing).toEqual({ removed: 1, notFound: [], rejected: [] });
    const req = create(CheckRequestSchema, { request: { recipient: contact, channel: Channel.SMS, sender: "brand-new-sender" } });
    expect(checked(engine, req).blocked).toBe(false);
    await list.close();
  });

  it("names the whole entry, source, reason and time, in a blocked answer given while its removal commits", async () => {
    const list = DncList.open(dir.path);
    const engine = new FilterEngine(list, { maxBatch: 1_000 });
    // Answers given once LMDB shows the removal to readers and before the index has dropped the entries.
    let blockedInTheWindow = 0;
    const bare: string[] = [];
    for (let round = 0; round < 20; round++) {
      const contacts = Array.from({ length: 200 }, (_, i) => phone(round * 200 + i));
      const entry = { channel: Channel.SMS, sender: "acme", source: Source.MO_KEYWORD, reason: Reason.SUBSCRIBER_COMPLAINT, campaignRef: "camp-7" };
      await list.addEntries(contacts.map((contact) => create(EntrySchema, { contact, ...entry })), undefined, "test");
      const request = toBinary(FilterBatchRequestSchema, create(FilterBatchRequestSchema, { channel: Channel.SMS, sender: "acme", recipients: contacts }));
      const stored = list.store.entryCount();
      let done = false;
      const removing = list
        .removeEntries(contacts.map((contact) => create(EntryKeySchema, { contact, channel: Channel.SMS, sender: "acme" })), "consent again", undefined, "test")
        .finally(() => (done = true));
      while (!done) {
        const inTheWindow = list.store.entryCount() < stored;
        for (const b of fromBinary(FilterBatchResponseSchema, engine.filterBatch(request)).blocked) {
          if (inTheWindow) blockedInTheWindow++;
          const e = b.entry!;
          if (e.addedAt === undefined || e.source !== Source.MO_KEYWORD || e.reason !== Reason.SUBSCRIBER_COMPLAINT || e.campaignRef !== "camp-7") bare.push(e.contact);
        }
        await new Promise((resolve) => setImmediate(resolve));
      }
      expect((await removing).removed).toBe(200);
      expect(fromBinary(FilterBatchResponseSchema, engine.filterBatch(request)).blocked).toEqual([]);
    }
    await list.close();
    expect(blockedInTheWindow).toBeGreaterThan(0);
    expect(bare).toEqual([]);
  });
});

describe("DncList refusals in a contact's history", () => {
  const dir = tempDir();
  afterAll(() => dir.remove());

  it("files a refusal under its contact even before the contact has an entry", async () => {
    const list = DncList.open(dir.path);
    const contact = "+447700900555";
    await list.recordRejected([{ entry: create(EntrySchema, { contact, channel: Channel.SMS }), reason: "removal refused: consent_confirmed is not set" }], "ops");
    const rejected = await list.addEntries([create(EntrySchema, { contact, channel: Channel.EMAIL })], undefined, "ops");
    expect(rejected.rejected).toHaveLength(1);
    await list.addEntries([create(EntrySchema, { contact, channel: Channel.SMS })], undefined, "ops");
    const n = normaliseContact(contact, ContactKind.PHONE, undefined, "find");
    if (!n.ok) throw new Error(n.reason);
    expect(contactHistoryPage(list, n.key, 10).events.map((e) => e.action)).toEqual([HistoryAction.ADDED, HistoryAction.REJECTED, HistoryAction.REJECTED]);
    // A change refused for a kind no contact has is filed under none.
    await list.addEntries([create(EntrySchema, { contact, kind: 9 as ContactKind, channel: Channel.SMS })], undefined, "ops");
    expect(contactHistoryPage(list, n.key, 10).events).toHaveLength(3);
    // Interned for its history, the contact is still blocked on nothing but its entry.
    const engine = new FilterEngine(list, { maxBatch: 10 });
    expect(checked(engine, create(CheckRequestSchema, { request: { recipient: contact, channel: Channel.SMS } })).blocked).toBe(true);
    expect(checked(engine, create(CheckRequestSchema, { request: { recipient: contact, channel: Channel.VOICE } })).blocked).toBe(false);
    await list.close();
  });
});

describe("DncList names", () => {
  const dir = tempDir();
  afterAll(() => dir.remove());

  it("finds senders and accounts by name whatever their characters, and no id for a name longer than any stored", async () => {
    let list = DncList.open(dir.path);
    const names = ["Café ☕ 𝄞", "𝄞".repeat(128), "ACME", "éé"];
    await list.addEntries(names.map((sender, i) => create(EntrySchema, { contact: phone(i), sender, account: sender })), undefined, "test");
    const expectNames = () => {
      const engine = new FilterEngine(list, { maxBatch: 10 });
      const blocked = (i: number, sender: string) =>
        checked(engine, create(CheckRequestSchema, { request: { recipient: phone(i), channel: Channel.SMS, sender, account: sender } })).blocked;
      names.forEach((name, i) => {
        expect(list.nameId("senders", name)).toBeGreaterThan(0);
        expect(blocked(i, name)).toBe(true);
        expect(blocked(i, `${name}x`)).toBe(false);
      });
      expect(new Set(names.map((name) => list.nameId("accounts", name))).size).toBe(names.length);
      // As long in UTF-16 as a stored name, and its first bytes the same: a different name.
      expect(blocked(3, "éa")).toBe(false);
      expect(list.nameId("senders", "A".repeat(400))).toBe(UNKNOWN_NAME);
      expect(blocked(0, "é".repeat(400))).toBe(false);
    };
    expectNames();
    await list.close();
    // Reopened, the names are interned from the store's own copies.
    list = DncList.open(dir.path);
    expectNames();
    await list.close();
  });

  it("refuses an entry naming a new sender once the list names as many as it can, before anything is written; the rest of the batch is kept", async () => {
    const full = tempDir();
    try {
      // As the last sender a list can name would be: one name stored under the last id.
      const store = EntryStore.open(full.path);
      await store.write((w) => w.putName("senders", MAX_SCOPE_NAME_ID, "the last sender"));
      await store.close();
      let list = DncList.open(full.path);
      const res = await list.addEntries(
        [
          create(EntrySchema, { contact: phone(1), sender: "one sender too many" }),
          create(EntrySchema, { contact: phone(2) }),
          create(EntrySchema, { contact: phone(3), sender: "the last sender", account: "a new account" }),
        ],
        undefined,
        "test",
      );
      expect(res.added).toBe(2);
      expect(res.rejected).toEqual([{ index: 0, reason: `sender: the list already names ${MAX_SCOPE_NAME_ID.toLocaleString("en")} distinct senders, the most it can hold` }]);
      const expectList = () => {
        const engine = new FilterEngine(list, { maxBatch: 10 });
        const blocked = (i: number, sender: string, account = "") =>
          checked(engine, create(CheckRequestSchema, { request: { recipient: phone(i), channel: Channel.SMS, sender, account } })).blocked;
        expect(blocked(1, "one sender too many")).toBe(false);
        expect(blocked(2, "")).toBe(true);
        expect(blocked(3, "the last sender", "a new account")).toBe(true);
        expect(list.nameId("senders", "one sender too many")).toBe(UNKNOWN_NAME);
      };
      expectList();
      await list.close();
      rmSync(join(full.path, "index.snapshot"));
      list = DncList.open(full.path);
      expectList();
      await list.close();
    } finally {
      full.remove();
    }
  });

  it("refuses a name holding an invisible character, which would look like another and never match it; keeps the joiners", async () => {
    const list = DncList.open(dir.path);
    const res = await list.addEntries(
      [
        create(EntrySchema, { contact: phone(50), sender: "\u200bACME" }),
        create(EntrySchema, { contact: phone(51), account: "\u00ad" }),
        create(EntrySchema, { contact: phone(52), sender: "AC\u202eME" }),
        create(EntrySchema, { contact: phone(53), account: "\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645" }),
      ],
      undefined,
      "test",
    );
    expect(res.rejected).toEqual([
      { index: 0, reason: "sender: contains control or invisible characters" },
      { index: 1, reason: "account: contains control or invisible characters" },
      { index: 2, reason: "sender: contains control or invisible characters" },
    ]);
    expect(res.added).toBe(1);
    await list.close();
  });
});

describe("DncList.open without a snapshot", () => {
  const dir = tempDir();
  afterAll(() => dir.remove());

  it("rebuilds a store large enough for the worker's key scan to the index the writes made", async () => {
    // Past the 131,072 keys from which a rebuild reads the entry keys in a worker.
    const n = 140_000;
    const number = (i: number) => `+447${String(i).padStart(9, "0")}`;
    const entries = Array.from({ length: n }, (_, i) =>
      create(EntrySchema, { contact: number(i), channel: i % 3 === 0 ? Channel.UNSPECIFIED : Channel.SMS, sender: i % 10 === 0 ? `S${i % 7}` : "" }),
    );
    let list = DncList.open(dir.path);
    for (let i = 0; i < n; i += 10_000) await list.addEntries(entries.slice(i, i + 10_000), undefined, "test");
    const written = list.index.counts();
    await list.close();
    rmSync(join(dir.path, "index.snapshot"));

    list = DncList.open(dir.path);
    expect(list.index.counts()).toEqual(written);
    expect(list.indexedEntries()).toBe(n);
    const engine = new FilterEngine(list, { maxBatch: 10_000 });
    for (const i of [0, 1, 2, 10, 70_001, n - 1]) {
      const sender = i % 10 === 0 ? `S${i % 7}` : "";
      const req = create(CheckRequestSchema, { request: { recipient: number(i), channel: Channel.SMS, sender } });
      expect(checked(engine, req).blocked, `contact ${i}`).toBe(true);
    }
    await list.close();
  });
});

describe("DncList's contact key files", () => {
  const dirs: { remove(): void }[] = [];
  afterAll(() => dirs.forEach((d) => d.remove()));
  const newDir = (): string => {
    const d = tempDir();
    dirs.push(d);
    return d.path;
  };
  const number = (i: number) => `+4420${String(i).padStart(8, "0")}`;
  const entries = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => create(EntrySchema, { contact: number(from + i) }));
  const arenaOf = (dir: string) => join(dir, "contact-keys.arena");

  /** Whether a FilterBatch of the first n numbers blocks each of them, and lets the next one go. */
  const blocksAll = (list: DncList, n: number): void => {
    const engine = new FilterEngine(list, { maxBatch: 10_000 });
    const recipients = Array.from({ length: n }, (_, i) => number(i));
    const req = create(FilterBatchRequestSchema, { channel: Channel.SMS, recipients: [...recipients, number(n)] });
    const res = fromBinary(FilterBatchResponseSchema, engine.filterBatch(toBinary(FilterBatchRequestSchema, req)));
    expect(res.blocked.map((b) => b.index)).toEqual(recipients.map((_, i) => i));
  };

  /** A list of n numbers, closed cleanly: its snapshot names its key files. */
  const closedListOf = async (dir: string, n: number): Promise<void> => {
    const list = DncList.open(dir);
    await list.addEntries(entries(0, n), undefined, "test");
    blocksAll(list, n);
    await list.close();
  };

  it("keeps the contacts' keys in files beside the store, out of the index's memory; a clean restart maps the same files back", async () => {
    const dir = newDir();
    const n = 3_000;
    let list = DncList.open(dir);
    await list.addEntries(entries(0, n), undefined, "test");
    expect(list.index.fileBytes).toBeGreaterThanOrEqual(n * 4);
    const last = normaliseContact(number(n - 1), ContactKind.PHONE, undefined, "find");
    if (!last.ok) throw new Error(last.reason);
    expect(readFileSync(arenaOf(dir)).includes(Buffer.from(last.key))).toBe(true);
    await list.close();
    const inode = statSync(arenaOf(dir)).ino;

    list = DncList.open(dir);
    // A rebuild would have made new files.
    expect(statSync(arenaOf(dir)).ino).toBe(inode);
    blocksAll(list, n);
    await list.close();
  });

  it("rebuilds the files from the store when they are not what the snapshot names", async () => {
    const dir = newDir();
    await closedListOf(dir, 3_000);
    const bytes = readFileSync(arenaOf(dir));
    const inode = statSync(arenaOf(dir)).ino;
    // Every key of the arena made unreadable: a list that trusted the files would find none of them.
    bytes.fill(0);
    writeFileSync(arenaOf(dir), bytes);
    const list = DncList.open(dir);
    expect(statSync(arenaOf(dir)).ino).not.toBe(inode);
    blocksAll(list, 3_000);
    await list.close();
  });

  it("keeps the keys in memory when the files cannot be made, and across a restart", async () => {
    const dir = newDir();
    // A directory where the arena would go: neither made nor mapped.
    mkdirSync(arenaOf(dir));
    let list = DncList.open(dir);
    expect(list.index.contacts.keyFiles).toBeUndefined();
    await list.addEntries(entries(0, 2_000), undefined, "test");
    blocksAll(list, 2_000);
    await list.close();
    list = DncList.open(dir);
    expect(list.index.contacts.keyFiles).toBeUndefined();
    blocksAll(list, 2_000);
    await list.close();
  });

  it("acknowledges a write that added keys once the files' sync is done", async () => {
    const dir = newDir();
    const list = DncList.open(dir);
    const files = list.index.contacts.keyFiles!;
    const sync = files.flush.bind(files);
    let letSync!: () => void;
    const held = new Promise<void>((resolve) => (letSync = resolve));
    files.flush = () => held.then(sync);
    let acknowledged = false;
    const adding = list.addEntries(entries(0, 10), undefined, "test").then(() => (acknowledged = true));
    // LMDB has committed and synced the write long before this: only the key files' sync holds it.
    await sleep(300);
    blocksAll(list, 10);
    expect(acknowledged).toBe(false);
    letSync();
    await adding;
    expect(acknowledged).toBe(true);
    await list.close();
  });

  it("answers no listed contact as allowed once the files change under it so that its key lies outside them: the call fails", async () => {
    const dir = newDir();
    const list = DncList.open(dir);
    const n = 3_000;
    await list.addEntries(entries(0, n), undefined, "test");
    blocksAll(list, n);
    // Every offset past any arena, written to the file the list reads its offsets through.
    const offsets = join(dir, "contact-keys.offsets");
    const bytes = statSync(offsets).size;
    const fd = openSync(offsets, "r+");
    writeSync(fd, Buffer.alloc(bytes, 0xff), 0, bytes, 0);
    closeSync(fd);
    const engine = new FilterEngine(list, { maxBatch: 10_000 });
    // The native probe (bare numbers) and the JS lookup (the full form's requests, Check) each refuse to answer: INTERNAL.
    const refuses = (call: () => unknown) => {
      let failure: unknown;
      try {
        call();
      } catch (err: unknown) {
        failure = err;
      }
      expect(toGrpcStatus(failure)).toEqual({ code: status.INTERNAL, message: expect.stringMatching(/the index is damaged/) });
    };
    const bare = create(FilterBatchRequestSchema, { channel: Channel.SMS, recipients: [number(n + 1), number(7)] });
    refuses(() => engine.filterBatch(toBinary(FilterBatchRequestSchema, bare)));
    const full = create(FilterBatchRequestSchema, { channel: Channel.SMS, requests: [{ recipient: number(7) }] });
    refuses(() => engine.filterBatch(toBinary(FilterBatchRequestSchema, full)));
    refuses(() => checked(engine, create(CheckRequestSchema, { request: { recipient: number(7), channel: Channel.SMS } })));
    // A number never listed still reads as absent from the Bloom filter and slots, which live in memory.
    const unlisted = create(FilterBatchRequestSchema, { channel: Channel.SMS, recipients: [number(n + 1)] });
    expect(fromBinary(FilterBatchResponseSchema, engine.filterBatch(toBinary(FilterBatchRequestSchema, unlisted))).blocked).toEqual([]);
    await list.close();
  });

  it("moves the keys into memory when a write's sync of the files fails, and goes on writing and blocking", async () => {
    const dir = newDir();
    const list = DncList.open(dir);
    await list.addEntries(entries(0, 3_000), undefined, "test");
    // The first batch sized the files to its keys; a growth for one more leaves room to spare.
    await list.addEntries(entries(3_000, 3_001), undefined, "test");
    // Its descriptors closed under it, the files' next sync fails; one key more fits them without a growth.
    list.index.contacts.keyFiles!.close();
    await list.addEntries(entries(3_001, 3_002), undefined, "test");
    expect(list.index.contacts.keyFiles).toBeUndefined();
    // The file overwritten in place: a table still reading through its map would find no key.
    const arenaBytes = statSync(arenaOf(dir)).size;
    const fd = openSync(arenaOf(dir), "r+");
    writeSync(fd, Buffer.alloc(arenaBytes), 0, arenaBytes, 0);
    closeSync(fd);
    blocksAll(list, 3_002);
    await list.addEntries(entries(3_001, 5_000), undefined, "test");
    blocksAll(list, 5_000);
    await list.close();
  });
});
