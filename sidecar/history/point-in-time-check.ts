// CheckAt: the verdict a send request would have had at a past instant,
// replayed from the history rather than read from the live index, with the
// entry in force then and the event that added it. Recipients normalise
// with the filter's own code and report its reasons; only the replay of one
// contact's entries is this file's.

import { create, fromBinary } from "@bufbuild/protobuf";
import type { CountryCode } from "libphonenumber-js";
import { InvalidArgumentError } from "../errors.js";
import { CheckAtResponseSchema, type CheckAtRequest, type CheckAtResponse } from "../gen/dnc/v1/admin_service_pb.js";
import { Channel, ContactKind, EntrySchema, type Entry, type SendRequest } from "../gen/dnc/v1/types_pb.js";
import { requestTimeMs } from "../admin/request-time.js";
import type { DncList } from "../engine/dnc-list.js";
import { CODE_BLOCKED, CODE_INVALID, recipientReason } from "../filter/batch-response-writer.js";
import { KeyScratch } from "../normalise/contact-key.js";
import { normaliseContactBytes, resolveCountry } from "../normalise/contact-normaliser.js";
import { InvalidReason } from "../normalise/invalid-reason.js";
import type { HistoryEvent } from "../store/entry-store.js";
import { historyEventMessage } from "./history-event-message.js";

/** How far ahead of this server's clock `at` may be: clocks of caller and server differ a little. */
const CLOCK_SKEW_MS = 1000;

type Verdict = { blocked: true; event: HistoryEvent; entry: Entry } | { blocked: false; invalidCode?: number };

export function checkAt(list: DncList, req: CheckAtRequest, serverCountry: CountryCode | undefined): CheckAtResponse {
  list.assertOpen();
  const send = req.request;
  if (send === undefined) throw new InvalidArgumentError("request", "required");
  if (!Number.isInteger(send.channel) || send.channel < 0 || send.channel > Channel.VOICE) {
    throw new InvalidArgumentError("request.channel", `unknown channel ${send.channel}`);
  }
  if (send.channel === Channel.UNSPECIFIED) throw new InvalidArgumentError("request.channel", "required");
  if (req.at === undefined) throw new InvalidArgumentError("at", "required");
  // Events are stamped with whole milliseconds (Date.now()); an instant within one is in it, never rounded into the next.
  const at = requestTimeMs(req.at, "at");
  if (at > Date.now() + CLOCK_SKEW_MS) throw new InvalidArgumentError("at", "is in the future; CheckAt judges past instants");
  const country = resolveCountry(req.defaultCountry, serverCountry, "default_country");
  const v = verdictAt(list, send, at, country);
  if (v.blocked) return create(CheckAtResponseSchema, { blocked: true, code: CODE_BLOCKED, entry: v.entry, addedBy: historyEventMessage(v.event) });
  if (v.invalidCode !== undefined) return create(CheckAtResponseSchema, { code: CODE_INVALID, invalidReason: recipientReason(v.invalidCode) });
  return create(CheckAtResponseSchema, {});
}

/**
 * In the filter's order (FilterEngine.checkOne): the customer id first, then
 * the recipient; a customer id that does not normalise makes the request
 * invalid unless its recipient is blocked.
 */
function verdictAt(list: DncList, send: SendRequest, at: number, country: CountryCode | undefined): Verdict {
  const scratch = new KeyScratch(true);
  let customerInvalid = 0;
  if (send.customerId !== "") {
    const code = normalise(send.customerId, ContactKind.CUSTOMER_ID, undefined, scratch);
    if (code !== 0) customerInvalid = code;
    else {
      const hit = entryInForce(list, scratch.bytes, scratch.length, send, at);
      if (hit !== undefined) return hit;
    }
  }
  const invalid = (code: number): Verdict => ({ blocked: false, invalidCode: customerInvalid || code });
  const code = normalise(send.recipient, ContactKind.UNSPECIFIED, country, scratch);
  if (code !== 0) return invalid(code);
  if (scratch.kind === ContactKind.EMAIL && send.channel !== Channel.EMAIL) return invalid(InvalidReason.EMAIL_ON_PHONE_CHANNEL);
  if (scratch.kind !== ContactKind.EMAIL && send.channel === Channel.EMAIL) return invalid(InvalidReason.PHONE_ON_EMAIL_CHANNEL);
  // Digits that read as two numbers: the entry of either, the earliest added when both have one.
  const hit = earliest(entryInForce(list, scratch.bytes, scratch.length, send, at), entryInForce(list, scratch.alt, scratch.altLength, send, at));
  return hit ?? (customerInvalid !== 0 ? invalid(customerInvalid) : { blocked: false });
}

function earliest(a: Verdict | undefined, b: Verdict | undefined): Verdict | undefined {
  if (a?.blocked && b?.blocked) return a.event.seq <= b.event.seq ? a : b;
  return a ?? b;
}

function normalise(input: string, kind: ContactKind, country: CountryCode | undefined, out: KeyScratch): number {
  const bytes = Buffer.from(input, "utf8");
  return normaliseContactBytes(bytes, 0, bytes.length, kind, country, out);
}

/**
 * Replays the contact's adds and removals up to `at` and returns the entry
 * in force then whose scope covers the send (SPEC §4). Of several, the
 * earliest added: the opt-out that stood longest is the strongest evidence.
 */
function entryInForce(list: DncList, key: Uint8Array, keyLength: number, send: SendRequest, at: number): Verdict | undefined {
  if (keyLength === 0) return undefined;
  const contactId = list.index.contacts.lookup(key, 0, keyLength);
  if (contactId < 0) return undefined;
  const store = list.store;
  const inForce = new Map<string, HistoryEvent>();
  for (const seq of store.historySeqsOfContact(contactId, false)) {
    const event = store.historyEvent(seq);
    if (event === undefined || event.key === undefined || event.at > at) continue;
    const key = Buffer.from(event.key).toString("latin1");
    if (event.action === "added") inForce.set(key, event);
    else if (event.action === "removed") inForce.delete(key);
  }
  let found: Verdict | undefined;
  for (const event of inForce.values()) {
    if (found?.blocked && found.event.seq < event.seq) continue;
    const entry = fromBinary(EntrySchema, event.entry);
    if (scopeCovers(entry, send)) found = { blocked: true, event, entry };
  }
  return found;
}

/** SPEC §4: an unset channel and an empty sender or account widen an entry to all of them. Names are trimmed, as an add trims them. */
function scopeCovers(entry: Entry, send: SendRequest): boolean {
  return (
    (entry.channel === Channel.UNSPECIFIED || entry.channel === send.channel) &&
    (entry.sender === "" || entry.sender === send.sender.trim()) &&
    (entry.account === "" || entry.account === send.account.trim())
  );
}
