// The engine against the reference model over thousands of random entries
// and send requests (FilterBatch in both forms, and Check), with removals
// and a restart in the middle.

import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { rmSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { DncList } from "../sidecar/engine/dnc-list.js";
import { FilterEngine } from "../sidecar/filter/filter-engine.js";
import {
  CheckRequestSchema,
  CheckResponseSchema,
  FilterBatchRequestSchema,
  FilterBatchResponseSchema,
  type FilterBatchResponse,
} from "../sidecar/gen/dnc/v1/filter_service_pb.js";
import { Channel, ContactKind, EntryKeySchema, EntrySchema } from "../sidecar/gen/dnc/v1/types_pb.js";
import { ReferenceFilter, type RefEntry, type RefRequest } from "./support/reference-filter.js";
import { tempDir } from "./support/temp-dir.js";

function prng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const rand = prng(20261126);
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;

// A few hundred contacts, each written several ways, so that matching has to
// go through normalisation; plus a few that never normalise.
const phoneDigits = Array.from({ length: 150 }, (_, i) => `4477009${String(10000 + i * 37).padStart(5, "0")}`);
const usDigits = Array.from({ length: 50 }, (_, i) => `1201555${String(1000 + i * 13).padStart(4, "0")}`);
const emails = Array.from({ length: 120 }, (_, i) => `user${i}@example${i % 7}.com`);
const customers = Array.from({ length: 40 }, (_, i) => `CRM-${i}`);

function phoneForm(d: string): string {
  switch (Math.floor(rand() * 5)) {
    case 0:
      return `+${d}`;
    case 1:
      return `00${d}`;
    case 2:
      return d;
    case 3:
      return `+${d.slice(0, 2)} ${d.slice(2, 6)} ${d.slice(6)}`;
    default:
      return `+${d.slice(0, 2)} (${d.slice(2, 5)}) ${d.slice(5, 8)}-${d.slice(8)}`;
  }
}

function emailForm(e: string): string {
  return rand() < 0.5 ? e : ` ${e.toUpperCase()} `;
}

const invalidRecipients = ["", "abc", "+44 12", "user@", "07700900123", "x".repeat(10_240)];
const channels = [Channel.SMS, Channel.MMS, Channel.RCS, Channel.VIBER, Channel.WHATSAPP, Channel.EMAIL, Channel.VOICE];
const senders = ["", "", "ACME", "Shop"];
const accounts = ["", "", "tenant-a", "tenant-b"];

function randomEntry(): RefEntry {
  const r = rand();
  if (r < 0.45) return { contact: phoneForm(pick([...phoneDigits, ...usDigits])), kind: ContactKind.UNSPECIFIED, channel: pick([0, ...channels]), sender: pick(senders), account: pick(accounts) };
  if (r < 0.8) return { contact: emailForm(pick(emails)), kind: ContactKind.UNSPECIFIED, channel: pick([0, 0, Channel.EMAIL, Channel.SMS]), sender: pick(senders), account: pick(accounts) };
  if (r < 0.97) return { contact: pick(customers), kind: ContactKind.CUSTOMER_ID, channel: pick([0, ...channels]), sender: pick(senders), account: pick(accounts) };
  return { contact: pick(["not a number", "a@b", "+1 2"]), kind: ContactKind.UNSPECIFIED, channel: 0, sender: "", account: "" };
}

function randomRequest(channel = pick(channels), sender = pick([...senders, "Other"]), account = pick([...accounts, "tenant-z"])): RefRequest {
  const r = rand();
  const recipient =
    r < 0.03
      ? pick(invalidRecipients)
      : r < 0.06 || (channel === Channel.EMAIL && r > 0.15)
        ? emailForm(pick(emails))
        : phoneForm(pick([...phoneDigits, ...usDigits, "447700988888"]));
  return { recipient, channel, sender, account, customerId: rand() < 0.2 ? pick([...customers, "CRM-unknown", "C".repeat(129), "CRM\u0001"]) : "" };
}

const toEntry = (e: RefEntry) => create(EntrySchema, { ...e });

describe("differential: engine against the reference model", () => {
  const dir = tempDir();
  let list = DncList.open(dir.path);
  let engine = new FilterEngine(list, { maxBatch: 10_000 });
  const ref = new ReferenceFilter();
  afterAll(async () => {
    await list.close();
    dir.remove();
  });

  function compare(requests: RefRequest[], res: FilterBatchResponse): void {
    expect(res.checked).toBe(requests.length);
    const blocked = new Map(res.blocked.map((b) => [b.index, b]));
    const invalid = new Set(res.invalid.map((b) => b.index));
    requests.forEach((req, i) => {
      const want = ref.check(req);
      const got = blocked.has(i) ? "blocked" : invalid.has(i) ? "invalid" : "allowed";
      expect(got, `request ${i}: ${JSON.stringify({ ...req, recipient: req.recipient.slice(0, 40) })}`).toBe(want.verdict);
      if (want.verdict === "blocked") {
        const e = blocked.get(i)!.entry!;
        expect(blocked.get(i)!.code).toBe("DNC_BLOCKED");
        const keyOf = (x: RefEntry) => [x.contact, x.kind, x.channel, x.sender, x.account].join("|");
        expect(want.candidates.map(keyOf)).toContain(keyOf(e));
      }
    });
  }

  /** Check, from the bytes a client sends, gives the reference's verdict and one of its entries. */
  function compareCheck(req: RefRequest): void {
    const body = toBinary(CheckRequestSchema, create(CheckRequestSchema, { request: req }));
    const res = fromBinary(CheckResponseSchema, engine.checkBytes(body));
    const want = ref.check(req);
    const got = res.blocked ? "blocked" : res.code === "INVALID_RECIPIENT" ? "invalid" : "allowed";
    expect(got, `Check ${JSON.stringify({ ...req, recipient: req.recipient.slice(0, 40) })}`).toBe(want.verdict);
    expect(res.code).toBe({ blocked: "DNC_BLOCKED", invalid: "INVALID_RECIPIENT", allowed: "" }[want.verdict]);
    expect(res.invalidReason !== "").toBe(want.verdict === "invalid");
    if (want.verdict === "blocked") {
      const keyOf = (x: RefEntry) => [x.contact, x.kind, x.channel, x.sender, x.account].join("|");
      expect(want.candidates.map(keyOf)).toContain(keyOf(res.entry!));
    }
  }

  async function round(ops: number): Promise<void> {
    for (let op = 0; op < ops; op++) {
      if (rand() < 0.55) {
        const batch = Array.from({ length: 1 + Math.floor(rand() * 40) }, randomEntry);
        const expected = batch.map((e) => ref.add(e));
        const res = await list.addEntries(batch.map(toEntry), undefined, "differential");
        expect(res.added).toBe(expected.filter((x) => x === "added").length);
        expect(res.repeated).toBe(expected.filter((x) => x === "repeated").length);
        expect(res.rejected.map((r) => r.index)).toEqual(expected.flatMap((x, i) => (x === "rejected" ? [i] : [])));
      } else if (rand() < 0.4 && ref.entries.length > 0) {
        const keys = Array.from({ length: 1 + Math.floor(rand() * 10) }, () => {
          const e = rand() < 0.8 ? pick(ref.entries) : randomEntry();
          const contact = e.kind === ContactKind.PHONE ? phoneForm(e.contact) : e.kind === ContactKind.EMAIL ? emailForm(e.contact) : e.contact;
          return { ...e, contact };
        });
        const expected = keys.map((k) => ref.remove(k));
        const res = await list.removeEntries(keys.map((k) => create(EntryKeySchema, k)), "consent renewed", undefined, "differential");
        expect(res.removed).toBe(expected.filter((x) => x === "removed").length);
        expect(res.notFound).toEqual(expected.flatMap((x, i) => (x === "notFound" ? [i] : [])));
        expect(res.rejected.map((r) => r.index)).toEqual(expected.flatMap((x, i) => (x === "rejected" ? [i] : [])));
      } else if (rand() < 0.5) {
        const requests = Array.from({ length: 200 }, () => randomRequest());
        const body = toBinary(FilterBatchRequestSchema, create(FilterBatchRequestSchema, { requests }));
        compare(requests, fromBinary(FilterBatchResponseSchema, engine.filterBatch(body)));
        for (const req of requests.slice(0, 40)) compareCheck(req);
      } else {
        const channel = pick(channels);
        const sender = pick([...senders, "Other"]);
        const account = pick([...accounts, "tenant-z"]);
        const requests = Array.from({ length: 200 }, () => ({ ...randomRequest(channel, sender, account), customerId: "" }));
        const body = toBinary(
          FilterBatchRequestSchema,
          create(FilterBatchRequestSchema, { channel, sender, account, recipients: requests.map((r) => r.recipient) }),
        );
        compare(requests, fromBinary(FilterBatchResponseSchema, engine.filterBatch(body)));
      }
    }
  }

  it("agrees before a restart", async () => {
    await round(400);
    expect(ref.entries.length).toBeGreaterThan(300);
  });

  async function restart(withoutSnapshot: boolean): Promise<void> {
    await list.close();
    if (withoutSnapshot) rmSync(join(dir.path, "index.snapshot"));
    list = DncList.open(dir.path);
    engine = new FilterEngine(list, { maxBatch: 10_000 });
    expect(list.store.entryCount()).toBe(ref.entries.length);
    expect(list.indexedEntries()).toBe(ref.entries.length);
  }

  it("agrees on full-form batches larger than any before: one scope throughout, and a new scope each request", () => {
    const sender = pick(senders.filter(Boolean));
    const account = pick(accounts.filter(Boolean));
    for (const requests of [
      Array.from({ length: 3_000 }, () => randomRequest(Channel.SMS, sender, account)),
      Array.from({ length: 5_000 }, () => randomRequest()),
    ]) {
      const body = toBinary(FilterBatchRequestSchema, create(FilterBatchRequestSchema, { requests }));
      const res = fromBinary(FilterBatchResponseSchema, engine.filterBatch(body));
      expect(res.blocked.length).toBeGreaterThan(100);
      compare(requests, res);
    }
  });

  it("agrees after a restart (index from its snapshot)", async () => {
    await restart(false);
    await round(300);
  });

  it("agrees after a restart without a snapshot (index rebuilt from LMDB)", async () => {
    await restart(true);
    await round(300);
  });
});
