// AdminService methods over the entries themselves: add, remove, list, find
// one contact, remove by filter, and the values that occur in the list.

import { create, fromBinary, toJsonString } from "@bufbuild/protobuf";
import type { CountryCode } from "libphonenumber-js";
import { FailedPreconditionError, InvalidArgumentError, ResourceExhaustedError } from "../errors.js";
import {
  AddEntriesResponseSchema,
  EntryFilterSchema,
  GetContactResponseSchema,
  EntryOrder,
  ListAccountsResponseSchema,
  ListCampaignsResponseSchema,
  ListEntriesResponseSchema,
  ListSendersResponseSchema,
  RemoveByFilterResponseSchema,
  RemoveEntriesResponseSchema,
  ValueCountSchema,
  type RemoveByFilterRequest,
  type RemoveByFilterResponse,
  type ValueCount,
  type AddEntriesRequest,
  type AddEntriesResponse,
  type GetContactRequest,
  type GetContactResponse,
  type ListEntriesRequest,
  type ListEntriesResponse,
  type RemoveEntriesRequest,
  type RemoveEntriesResponse,
} from "../gen/dnc/v1/admin_service_pb.js";
import { ContactKind, EntrySchema, type Entry } from "../gen/dnc/v1/types_pb.js";
import { checkedKind, normaliseContact, resolveCountry } from "../normalise/contact-normaliser.js";
import { noteFault, refusedRemoval } from "../engine/entry-rules.js";
import type { DncList } from "../engine/dnc-list.js";
import type { AdminImpl } from "./admin-impl.js";
import type { CallContext } from "./call-context.js";
import { contactHistoryPage } from "../history/contact-history.js";
import { channelMatrix } from "./channel-matrix.js";
import { EntryQuery, filterNarrows, type EntryRow } from "./entry-query.js";
import { decodePageToken, encodePageToken } from "./page-token.js";

export const MAX_PAGE_SIZE = 1000;
const DEFAULT_PAGE_SIZE = 100;
const DEFAULT_SAMPLE = 10;
/** GetContact shows this many of the newest history events; GetHistory pages through all. */
const CONTACT_HISTORY_LIMIT = 100;
const MAX_SAMPLE = 100;
/** Removals by filter commit in transactions of this many entries. */
const REMOVE_CHUNK = 10_000;

export interface AdminOptions {
  /** Most entries or keys in one AddEntries or RemoveEntries. */
  maxBatch: number;
  defaultCountry?: CountryCode;
}

export class EntryHandlers {
  constructor(
    private readonly list: DncList,
    private readonly options: AdminOptions,
  ) {}

  methods(): Pick<
    AdminImpl,
    "addEntries" | "removeEntries" | "listEntries" | "getContact" | "removeByFilter" | "listSenders" | "listAccounts" | "listCampaigns"
  > {
    return {
      addEntries: (req, ctx) => this.addEntries(req, ctx),
      removeEntries: (req, ctx) => this.removeEntries(req, ctx),
      listEntries: (req, ctx) => this.listEntries(req, ctx),
      getContact: (req, ctx) => this.getContact(req, ctx),
      removeByFilter: (req, ctx) => this.removeByFilter(req, ctx),
      listSenders: (req) => create(ListSendersResponseSchema, { values: this.listValues("sender", req.prefix, req.limit) }),
      listAccounts: (req) => create(ListAccountsResponseSchema, { values: this.listValues("account", req.prefix, req.limit) }),
      listCampaigns: (req) => create(ListCampaignsResponseSchema, { values: this.listValues("campaign", req.prefix, req.limit) }),
    };
  }

  async addEntries(req: AddEntriesRequest, ctx: CallContext): Promise<AddEntriesResponse> {
    this.checkBatch(req.entries.length, "entries");
    const country = this.country(req.defaultCountry);
    const result = await this.list.addEntries(req.entries, country, ctx.principal);
    return create(AddEntriesResponseSchema, result);
  }

  async removeEntries(req: RemoveEntriesRequest, ctx: CallContext): Promise<RemoveEntriesResponse> {
    this.checkBatch(req.keys.length, "keys");
    checkNote(req.note);
    const country = this.country(req.defaultCountry);
    if (!req.consentConfirmed) {
      const refused = "removal refused: consent_confirmed is not set";
      await this.list.recordRejected(
        req.keys.map((k) => ({ entry: refusedRemoval(k, req.note), reason: refused })),
        ctx.principal,
        country,
      );
      throw new FailedPreconditionError(
        "consent_confirmed: removing an entry needs the end user's renewed consent; set consent_confirmed = true once it was obtained",
      );
    }
    const result = await this.list.removeEntries(req.keys, req.note, country, ctx.principal);
    return create(RemoveEntriesResponseSchema, result);
  }

  async listEntries(req: ListEntriesRequest, _ctx: CallContext): Promise<ListEntriesResponse> {
    this.list.assertOpen();
    const pageSize = this.pageSize(req.pageSize);
    if (!Number.isInteger(req.order) || req.order < 0 || req.order > EntryOrder.CONTACT) throw new InvalidArgumentError("order", `unknown value ${req.order}`);
    const query = await EntryQuery.open(this.list, req.filter, this.country(req.defaultCountry), req.order);
    const cursor = decodePageToken(req.pageToken, req.order);
    const entries: Entry[] = [];
    let nextPageToken = "";
    let last: EntryRow | undefined;
    for (const row of query.rows(cursor)) {
      if (entries.length === pageSize) {
        nextPageToken = encodePageToken(req.order, req.order === EntryOrder.CONTACT ? last!.contactCursor : String(last!.seq));
        break;
      }
      entries.push(row.entry);
      last = row;
    }
    return create(ListEntriesResponseSchema, { entries, nextPageToken, totalCount: BigInt(query.count()) });
  }

  async removeByFilter(req: RemoveByFilterRequest, ctx: CallContext): Promise<RemoveByFilterResponse> {
    this.list.assertOpen();
    if (!filterNarrows(req.filter)) throw new InvalidArgumentError("filter", "an empty filter would remove every entry; narrow it");
    if (req.sampleSize > MAX_SAMPLE) throw new InvalidArgumentError("sample_size", `at most ${MAX_SAMPLE}`);
    checkNote(req.note);
    const sampleSize = req.sampleSize === 0 ? DEFAULT_SAMPLE : req.sampleSize;
    const query = await EntryQuery.open(this.list, req.filter, this.country(req.defaultCountry), EntryOrder.NEWEST_FIRST);
    const sample: Entry[] = [];
    const keys: Buffer[] = [];
    const seqs: number[] = [];
    for (const row of query.rows()) {
      if (sample.length < sampleSize) sample.push(row.entry);
      keys.push(row.key);
      seqs.push(row.seq);
    }
    if (req.dryRun) return create(RemoveByFilterResponseSchema, { matched: BigInt(keys.length), sample });
    if (!req.consentConfirmed) {
      // One record for the whole refusal, as the filter may match millions of entries: the filter says which.
      const refused = `removal by filter refused: consent_confirmed is not set; ${keys.length} entries matched filter ${toJsonString(EntryFilterSchema, req.filter!)}`;
      // Filed under the filter's contact when it names one, so that contact's history shows the refusal.
      const entry = create(EntrySchema, { contact: req.filter!.contact, kind: req.filter!.contactKind, note: req.note });
      await this.list.recordRejected([{ entry, reason: refused }], ctx.principal, this.country(req.defaultCountry));
      throw new FailedPreconditionError("consent_confirmed: removing entries needs the end users' renewed consent; set consent_confirmed = true once it was obtained");
    }
    let removed = 0;
    // Other writes run between the chunks: an entry removed and added again meanwhile is left alone.
    for (let i = 0; i < keys.length; i += REMOVE_CHUNK) {
      const chunk = await this.list.removeStoredKeys(keys.slice(i, i + REMOVE_CHUNK), req.note, ctx.principal, seqs.slice(i, i + REMOVE_CHUNK));
      removed += chunk.removed;
    }
    return create(RemoveByFilterResponseSchema, { matched: BigInt(keys.length), removed: BigInt(removed), sample });
  }

  listValues(dimension: "sender" | "account" | "campaign", prefix: string, limit: number): ValueCount[] {
    this.list.assertOpen();
    const values = this.list.stats.byDimension(dimension).filter((v) => v.value.startsWith(prefix));
    return (limit === 0 ? values : values.slice(0, limit)).map((v) => create(ValueCountSchema, { value: v.value, count: BigInt(v.count) }));
  }

  getContact(req: GetContactRequest, _ctx: CallContext): GetContactResponse {
    this.list.assertOpen();
    if (req.contact === "") throw new InvalidArgumentError("contact", "required");
    const country = this.country(req.defaultCountry);
    const found = this.contactEntries(req.contact, req.kind, country, "contact");
    found.entries.sort((a, b) => b.seq - a.seq);
    const entries = found.entries.map((r) => r.entry);
    const history = contactHistoryPage(this.list, found.key, CONTACT_HISTORY_LIMIT);
    return create(GetContactResponseSchema, {
      contact: found.contact,
      kind: found.kind,
      entries,
      channels: channelMatrix(found.kind, entries),
      history: history.events,
      historyNextPageToken: history.nextPageToken,
    });
  }

  private contactEntries(
    input: string,
    kind: ContactKind,
    country: CountryCode | undefined,
    field: string,
  ): { contact: string; kind: ContactKind; key: Uint8Array; entries: { seq: number; entry: Entry }[] } {
    const n = normaliseContact(input, checkedKind(kind, "kind"), country, "find");
    if (!n.ok) throw new InvalidArgumentError(field, n.reason);
    const id = this.list.index.contacts.lookup(n.key, 0, n.key.length);
    const entries: { seq: number; entry: Entry }[] = [];
    if (id >= 0) {
      for (const row of this.list.store.entriesOfContact(id)) entries.push({ seq: row.seq, entry: fromBinary(EntrySchema, row.entry) });
    }
    return { contact: n.contact, kind: n.kind, key: n.key, entries };
  }

  private country(value: string): CountryCode | undefined {
    return resolveCountry(value, this.options.defaultCountry, "default_country");
  }

  private pageSize(requested: number): number {
    const pageSize = requested === 0 ? DEFAULT_PAGE_SIZE : requested;
    if (pageSize > MAX_PAGE_SIZE) throw new InvalidArgumentError("page_size", `at most ${MAX_PAGE_SIZE}`);
    return pageSize;
  }

  private checkBatch(n: number, field: string): void {
    if (n > this.options.maxBatch) throw new ResourceExhaustedError(`${field}: at most ${this.options.maxBatch} in one call`);
  }
}

/** A removal's consent note goes into the history for good: checked as an entry's note is. */
function checkNote(note: string): void {
  const fault = noteFault(note);
  if (fault !== undefined) throw new InvalidArgumentError("note", fault);
}
