// RemoveByFilter against a real store: it chooses its entries first and
// removes them a chunk per transaction, with other writes in between. An
// opt-out removed with consent and added again meanwhile is a new one,
// which the filter may not cover: it must stay.

import { create, fromBinary } from "@bufbuild/protobuf";
import { afterAll, describe, expect, it } from "vitest";
import { tempDir } from "../../test/support/temp-dir.js";
import { DncList } from "../engine/dnc-list.js";
import { RemoveByFilterRequestSchema } from "../gen/dnc/v1/admin_service_pb.js";
import { Role } from "../gen/dnc/v1/api_key_pb.js";
import { Channel, ContactKind, EntryKeySchema, EntrySchema } from "../gen/dnc/v1/types_pb.js";
import { normaliseContact } from "../normalise/contact-normaliser.js";
import { EntryHandlers } from "./entry-handlers.js";

const phone = (i: number) => `+4477${String(i).padStart(8, "0")}`;

describe("EntryHandlers.removeByFilter", () => {
  const dir = tempDir();
  afterAll(() => dir.remove());

  it("leaves an entry removed and added again between its chunks", async () => {
    const list = DncList.open(dir.path);
    const handlers = new EntryHandlers(list, { maxBatch: 20_000 });
    const count = 10_001;
    await list.addEntries(Array.from({ length: count }, (_, i) => create(EntrySchema, { contact: phone(i), channel: Channel.SMS, campaignRef: "X" })), undefined, "test");
    // Newest first, 10,000 a chunk: the first entry added is in the second chunk. After the first chunk
    // commits, and before the second is queued, its end user opts in and out again under campaign Y.
    let first = true;
    const stop = list.onCommitted(() => {
      if (!first) return;
      first = false;
      void list.removeEntries([create(EntryKeySchema, { contact: phone(0), channel: Channel.SMS })], "consent", undefined, "test");
      void list.addEntries([create(EntrySchema, { contact: phone(0), channel: Channel.SMS, campaignRef: "Y" })], undefined, "test");
    });
    const ctx = { principal: "ops", role: Role.OPERATOR, signal: new AbortController().signal };
    const res = await handlers.removeByFilter(create(RemoveByFilterRequestSchema, { filter: { campaignRef: "X" }, consentConfirmed: true }), ctx);
    stop();
    expect(res).toMatchObject({ matched: BigInt(count), removed: BigInt(count - 1) });
    const n = normaliseContact(phone(0), ContactKind.PHONE, undefined, "find");
    if (!n.ok) throw new Error(n.reason);
    const left = [...list.store.entriesOfContact(list.index.contacts.lookup(n.key, 0, n.key.length))];
    expect(left.map((e) => fromBinary(EntrySchema, e.entry).campaignRef)).toEqual(["Y"]);
    await list.close();
  });
});
