// Answers send requests against the list (SPEC §4). FilterBatch and Check
// work on the request bytes: a batch's canonical E.164 recipients are keyed
// and looked up natively (recipient-probe.c), the others normalised into a
// reused key buffer and looked up in the intern table; each found contact is
// matched on the index, and only a blocked recipient reads its entry from the
// (memory-mapped) store.

import { create, toBinary } from "@bufbuild/protobuf";
import type { CountryCode } from "libphonenumber-js";
import { InvalidArgumentError } from "../errors.js";
import { Channel, ContactKind, EntrySchema, type Entry } from "../gen/dnc/v1/types_pb.js";
import { MatchedScope, UNKNOWN_NAME } from "../index/filter-index.js";
import { KeyScratch, decodeKey } from "../normalise/contact-key.js";
import { trimmedEnd, trimmedStart } from "../normalise/utf8-trim.js";
import { normaliseContactBytes, resolveCountry } from "../normalise/contact-normaliser.js";
import { InvalidReason } from "../normalise/invalid-reason.js";
import type { DncList } from "../engine/dnc-list.js";
import { STORED_ENTRY_OFFSET, type NameTable } from "../store/entry-store.js";
import { BatchDecoder, DecodedBatch, type Span } from "./batch-decoder.js";
import { LastName } from "./last-name.js";
import { RequestColumns, checkChannel } from "./request-columns.js";
import { CHANNEL_SLOTS, TrafficCounters } from "../stats/traffic-counters.js";
import { BatchResponseWriter } from "./batch-response-writer.js";
import { CheckDecoder, DecodedCheck } from "./check-decoder.js";
import { CheckResponseWriter } from "./check-response-writer.js";
import { BatchKeys } from "./batch-keys.js";
import { DEFERRED, RecipientProbe } from "../native/recipient-probe.js";

export const ALLOWED = 0;
export const BLOCKED = 1;

export interface FilterOptions {
  /** Most recipients or requests in one FilterBatch. */
  maxBatch: number;
  /** Country for national-format numbers when a request names none. */
  defaultCountry?: CountryCode;
  /** Where traffic is counted; a private set when left out. */
  counters?: TrafficCounters;
}

export class FilterEngine {
  private readonly decoder = new BatchDecoder();
  private readonly batch = new DecodedBatch();
  private readonly columns = new RequestColumns();
  private readonly lastSender = new LastName();
  private readonly lastAccount = new LastName();
  private readonly writer = new BatchResponseWriter();
  private readonly checkDecoder = new CheckDecoder();
  private readonly checkRequest = new DecodedCheck();
  private readonly checkWriter = new CheckResponseWriter();
  private readonly scratch = new KeyScratch(true);
  private readonly keys = new BatchKeys();
  private readonly probe = new RecipientProbe();
  /** The Bloom words the last batch touched first, mixed: kept where the compiler cannot drop the reads. */
  touchedWords = 0;
  private readonly matched = new MatchedScope();
  /** The contact id of the last BLOCKED verdict. */
  private matchedContact = -1;
  readonly counters: TrafficCounters;
  /** Per-channel counts of the batch in progress, added to the counters once it succeeds. */
  private readonly batchCounts = { checked: new Float64Array(CHANNEL_SLOTS), blocked: new Float64Array(CHANNEL_SLOTS), invalid: new Float64Array(CHANNEL_SLOTS) };
  private blockedRequests: Int32Array = new Int32Array(256);

  constructor(
    private readonly list: DncList,
    readonly options: FilterOptions,
  ) {
    this.counters = options.counters ?? new TrafficCounters();
  }

  /**
   * Checks one recipient (and customer id) for a send on `channel` from
   * `senderId` under `accountId`. Returns ALLOWED, BLOCKED, or minus an
   * InvalidReason code.
   */
  checkOne(
    src: Uint8Array,
    start: number,
    end: number,
    channel: number,
    senderId: number,
    accountId: number,
    customerStart: number,
    customerEnd: number,
    country: CountryCode | undefined,
  ): number {
    const { list, scratch } = this;
    const index = list.index;
    // A customer id that does not normalise makes the request invalid, unless its recipient is blocked: blocked wins.
    let customerInvalid = 0;
    if (customerEnd > customerStart) {
      const code = normaliseContactBytes(src, customerStart, customerEnd, ContactKind.CUSTOMER_ID, undefined, scratch);
      if (code !== 0) customerInvalid = code;
      else if (this.matchContact(index.contacts.lookup(scratch.bytes, 0, scratch.length), channel, senderId, accountId) === BLOCKED) return BLOCKED;
    }
    const code = normaliseContactBytes(src, start, end, ContactKind.UNSPECIFIED, country, scratch);
    if (code !== 0) return -(customerInvalid || code);
    const misfit = channelMisfit(scratch.kind, channel);
    if (misfit !== 0) return -(customerInvalid || misfit);
    let verdict = this.matchContact(index.contacts.lookup(scratch.bytes, 0, scratch.length), channel, senderId, accountId);
    // Digits that read as two numbers are blocked when either is.
    if (verdict !== BLOCKED && scratch.altLength > 0) {
      verdict = this.matchContact(index.contacts.lookup(scratch.alt, 0, scratch.altLength), channel, senderId, accountId);
    }
    return verdict === BLOCKED || customerInvalid === 0 ? verdict : -customerInvalid;
  }

  /** checkOne for recipient `i` of the batch's normalised keys (no customer id: the fast form has none). */
  private checkKey(i: number, channel: number, senderId: number, accountId: number): number {
    const keys = this.keys;
    const code = keys.codes[i]!;
    if (code !== 0) return -code;
    const misfit = channelMisfit(keys.kinds[i]!, channel);
    if (misfit !== 0) return -misfit;
    const contacts = this.list.index.contacts;
    const verdict = this.matchContact(contacts.lookupHashed(keys.arena, keys.starts[i]!, keys.ends[i]!, keys.hashes[i]!), channel, senderId, accountId);
    const altEnd = keys.altEnds[i]!;
    if (verdict === BLOCKED || altEnd === 0) return verdict;
    return this.matchContact(contacts.lookup(keys.arena, keys.ends[i]!, altEnd), channel, senderId, accountId);
  }

  /** BLOCKED when an entry of contact `id` (-1: not interned) blocks the send, remembering the match; else ALLOWED. */
  private matchContact(id: number, channel: number, senderId: number, accountId: number): number {
    if (id < 0 || !this.list.index.match(id, channel, senderId, accountId, this.matched)) return ALLOWED;
    this.matchedContact = id;
    return BLOCKED;
  }

  /** FilterBatch from the request bytes to the response bytes. */
  filterBatch(buf: Uint8Array): Buffer {
    this.list.assertOpen();
    const batch = this.batch;
    this.decoder.decode(buf, this.options.maxBatch, batch);
    checkChannel(batch.channel, "channel");
    const country = this.country(buf, batch.country);
    this.lastSender.forget();
    this.lastAccount.forget();
    const senderId = this.nameId("senders", buf, batch.sender.start, batch.sender.end, 0);
    const accountId = this.nameId("accounts", buf, batch.account.start, batch.account.end, 0);
    const spans = batch.spans;
    const writer = this.writer;
    const counters = this.counters;
    if (batch.recipientCount > 0) {
      writer.begin();
      if (batch.channel === Channel.UNSPECIFIED) throw new InvalidArgumentError("channel", "required with recipients");
      let blocked = 0;
      let invalid = 0;
      const contacts = this.list.index.contacts;
      // On the EMAIL channel a phone number the probe takes is invalid, not allowed: every recipient needs its verdict.
      const phoneMisfit = channelMisfit(ContactKind.PHONE, batch.channel);
      const found = this.probe.run(buf, spans, batch.recipientCount, contacts, phoneMisfit !== 0);
      // Read after the run: a larger batch than any before replaces the arrays.
      const { ids, hits } = this.probe;
      let deferred = false;
      for (let k = 0; k < found && !deferred; k++) deferred = ids[hits[k]!] === DEFERRED;
      if (deferred) {
        const keys = this.keys;
        keys.fill(buf, spans, batch.recipientCount, country, ids);
        let touched = 0;
        for (let k = 0; k < found; k++) {
          const i = hits[k]!;
          if (ids[i] === DEFERRED && keys.codes[i] === 0) touched ^= contacts.touch(keys.hashes[i]!);
        }
        this.touchedWords = touched;
      }
      // The recipients the probe left out are absent: allowed.
      for (let k = 0; k < found; k++) {
        const i = hits[k]!;
        const id = ids[i]!;
        const v =
          id === DEFERRED
            ? this.checkKey(i, batch.channel, senderId, accountId)
            : phoneMisfit !== 0
              ? -phoneMisfit
              : this.matchContact(id, batch.channel, senderId, accountId);
        if (v === BLOCKED) {
          this.writeBlocked(i);
          blocked++;
        } else if (v < 0) {
          writer.invalid(i, -v);
          invalid++;
        }
      }
      counters.filterBatchCalls++;
      counters.checked[batch.channel] += batch.recipientCount;
      counters.blocked[batch.channel] += blocked;
      counters.invalid[batch.channel] += invalid;
      if (blocked > 0) counters.blockedFor(spanText(buf, batch.sender), spanText(buf, batch.account), spanText(buf, batch.campaign), blocked);
      return writer.finish(batch.recipientCount);
    }
    return this.filterRequests(buf, batch, country, senderId, accountId);
  }

  /**
   * The full form: every request decoded first, its canonical E.164
   * recipients probed natively as the fast form's are, and the rest (other
   * forms of a number, emails, a request with a customer id) checked one by
   * one.
   */
  private filterRequests(buf: Uint8Array, batch: DecodedBatch, country: CountryCode | undefined, senderId: number, accountId: number): Buffer {
    const cols = this.columns;
    const n = batch.requestCount;
    cols.decode(buf, batch.spans, n, batch.channel);
    const { senderIds, accountIds, channels, recipients, customers } = cols;
    for (let i = 0; i < n; i++) {
      senderIds[i] = this.nameId("senders", buf, cols.senders[2 * i]!, cols.senders[2 * i + 1]!, senderId);
      accountIds[i] = this.nameId("accounts", buf, cols.accounts[2 * i]!, cols.accounts[2 * i + 1]!, accountId);
    }
    const writer = this.writer;
    writer.begin();
    this.probe.run(buf, recipients, n, this.list.index.contacts);
    const ids = this.probe.ids;
    const counts = this.batchCounts;
    counts.checked.fill(0);
    counts.blocked.fill(0);
    counts.invalid.fill(0);
    let blockedRequests = 0;
    for (let i = 0; i < n; i++) {
      const channel = channels[i]!;
      const id = ids[i]!;
      const customerEnd = customers[2 * i + 1]!;
      const v =
        id !== DEFERRED && customerEnd <= customers[2 * i]!
          ? channel === Channel.EMAIL
            ? -channelMisfit(ContactKind.PHONE, channel)
            : this.matchContact(id, channel, senderIds[i]!, accountIds[i]!)
          : this.checkOne(buf, recipients[2 * i]!, recipients[2 * i + 1]!, channel, senderIds[i]!, accountIds[i]!, customers[2 * i]!, customerEnd, country);
      counts.checked[channel]++;
      if (v === BLOCKED) {
        this.writeBlocked(i);
        counts.blocked[channel]++;
        if (blockedRequests === this.blockedRequests.length) this.blockedRequests = growInt32(this.blockedRequests);
        this.blockedRequests[blockedRequests++] = i;
      } else if (v < 0) {
        writer.invalid(i, -v);
        counts.invalid[channel]++;
      }
    }
    const counters = this.counters;
    counters.filterBatchCalls++;
    for (let c = 0; c < CHANNEL_SLOTS; c++) {
      counters.checked[c] += counts.checked[c]!;
      counters.blocked[c] += counts.blocked[c]!;
      counters.invalid[c] += counts.invalid[c]!;
    }
    const campaign = spanText(buf, batch.campaign);
    for (let k = 0; k < blockedRequests; k++) {
      const i = this.blockedRequests[k]!;
      const sender = text(buf, cols.senders[2 * i]!, cols.senders[2 * i + 1]!, batch.sender);
      counters.blockedFor(sender, text(buf, cols.accounts[2 * i]!, cols.accounts[2 * i + 1]!, batch.account), campaign, 1);
    }
    return writer.finish(n);
  }

  /** Check from the request bytes to the response bytes. */
  checkBytes(buf: Uint8Array): Buffer {
    this.list.assertOpen();
    const decoded = this.checkRequest;
    this.checkDecoder.decode(buf, decoded);
    if (!decoded.hasRequest) throw new InvalidArgumentError("request", "required");
    const send = decoded.request;
    checkChannel(send.channel, "request.channel");
    this.lastSender.forget();
    this.lastAccount.forget();
    if (send.channel === Channel.UNSPECIFIED) throw new InvalidArgumentError("request.channel", "required");
    const country = this.country(buf, decoded.country);
    const v = this.checkOne(
      buf,
      send.recipient.start,
      send.recipient.end,
      send.channel,
      this.nameId("senders", buf, send.sender.start, send.sender.end, 0),
      this.nameId("accounts", buf, send.account.start, send.account.end, 0),
      send.customerId.start,
      send.customerId.end,
      country,
    );
    const counters = this.counters;
    counters.checkCalls++;
    counters.checked[send.channel]++;
    if (v === BLOCKED) {
      counters.blocked[send.channel]++;
      counters.blockedFor(spanText(buf, send.sender), spanText(buf, send.account), spanText(buf, decoded.campaign), 1);
      const raw = this.matchedRaw();
      if (raw !== undefined) return this.checkWriter.blocked(raw, STORED_ENTRY_OFFSET, raw.length);
      const entry = this.removedEntry();
      return this.checkWriter.blocked(entry, 0, entry.length);
    }
    if (v < 0) {
      counters.invalid[send.channel]++;
      return this.checkWriter.invalid(-v);
    }
    return this.checkWriter.allowed();
  }

  /** Writes the last BLOCKED verdict into the batch response, its entry copied straight from the store's value. */
  private writeBlocked(index: number): void {
    const raw = this.matchedRaw();
    if (raw !== undefined) this.writer.blocked(index, raw, STORED_ENTRY_OFFSET, raw.length);
    else {
      const entry = this.removedEntry();
      this.writer.blocked(index, entry, 0, entry.length);
    }
  }

  /** The stored value of the last BLOCKED verdict's entry (a view), or undefined when it has just been removed. */
  private matchedRaw(): Buffer | undefined {
    const m = this.matched;
    return this.list.entryRaw(this.matchedContact, m.channel, m.senderId, m.accountId);
  }

  /**
   * The last BLOCKED verdict's entry as its key gives it, should neither the
   * store nor the list's removals in flight hold it: the verdict stands, and
   * names what the index knows.
   */
  private removedEntry(): Uint8Array {
    return toBinary(EntrySchema, this.entryFromIds(this.matchedContact, this.matched));
  }

  private entryFromIds(contactId: number, m: MatchedScope): Entry {
    const { kind, contact } = decodeKey(this.list.index.contacts.keyOf(contactId));
    const name = (table: NameTable, id: number) =>
      id === 0 ? "" : Buffer.from(this.list.names(table).keyOf(id)).toString("utf8");
    return create(EntrySchema, {
      contact,
      kind,
      channel: m.channel,
      sender: name("senders", m.senderId),
      account: name("accounts", m.accountId),
    });
  }

  private country(buf: Uint8Array, span: Span): CountryCode | undefined {
    const value = span.present ? Buffer.from(buf.buffer, buf.byteOffset + span.start, span.end - span.start).toString("utf8") : "";
    return resolveCountry(value, this.options.defaultCountry, "default_country");
  }

  /**
   * A sender or account name's id, trimmed as an add trims the names it
   * stores; `unset` when the span names none (absent, or white space alone:
   * a request's takes the batch's), UNKNOWN_NAME when no entry holds it.
   * 0 and UNKNOWN_NAME match alike: only entries for every sender or account.
   */
  private nameId(table: NameTable, buf: Uint8Array, start: number, end: number, unset: number): number {
    if (end <= start) return unset;
    const from = trimmedStart(buf, start, end);
    if (from === end) return unset;
    const last = table === "senders" ? this.lastSender : this.lastAccount;
    const id = last.lookup(this.list.names(table), buf, from, trimmedEnd(buf, from, end));
    return id < 0 ? UNKNOWN_NAME : id;
  }
}

/**
 * A span's trimmed text as nameId reads it, or `fallback`'s when the span
 * names nothing ("" when neither does): only for counting blocked
 * recipients, never per check.
 */
function text(buf: Uint8Array, start: number, end: number, fallback?: Span): string {
  const from = end > start ? trimmedStart(buf, start, end) : end;
  if (from === end) return fallback === undefined ? "" : spanText(buf, fallback);
  return Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength).toString("utf8", from, trimmedEnd(buf, from, end));
}

function spanText(buf: Uint8Array, span: Span): string {
  return text(buf, span.start, span.end);
}

function growInt32(a: Int32Array): Int32Array {
  const next = new Int32Array(a.length * 2);
  next.set(a);
  return next;
}

/** The reason a contact of this kind cannot be checked for a send on `channel`, or 0. */
function channelMisfit(kind: number, channel: number): number {
  if (kind === ContactKind.EMAIL) return channel === Channel.EMAIL ? 0 : InvalidReason.EMAIL_ON_PHONE_CHANNEL;
  return channel === Channel.EMAIL ? InvalidReason.PHONE_ON_EMAIL_CHANNEL : 0;
}
