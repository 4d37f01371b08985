// AdminService methods over the entries themselves: add, remove, list, find
// one contact, remove by filter, and the values that occur in the list.

import { create, fromBinary } from "@bufbuild/protobuf";
import type { CountryCode } from "libphonenumber-js";
import { FailedPreconditionError, InvalidArgumentError, ResourceExhaustedError } from "../errors.js";
import {
  AddEntriesResponseSchema,
  GetContactResponseSchema,
  ListEntriesResponseSchema,
  RemoveEntriesResponseSchema,
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
import { normaliseContact, resolveCountry } from "../normalise/contact-normaliser.js";
import { MAX_NOTE_CHARS } from "../engine/entry-rules.js";
import type { DncList } from "../engine/dnc-list.js";
import type { AdminImpl } from "./admin-impl.js";
import type { CallContext } from "./call-context.js";
import { entryPredicate, narrowsBeyondContact } from "./entry-filter.js";
import { decodePageToken, encodePageToken } from "./page-token.js";

export const MAX_PAGE_SIZE = 1000;
const DEFAULT_PAGE_SIZE = 100;

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
      removeByFilter: () => {
        throw new Error("not implemented");
      },
      listSenders: () => {
        throw new Error("not implemented");
      },
      listAccounts: () => {
        throw new Error("not implemented");
      },
      listCampaigns: () => {
        throw new Error("not implemented");
      },
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
    if ([...req.note].length > MAX_NOTE_CHARS) throw new InvalidArgumentError("note", `longer than ${MAX_NOTE_CHARS} characters`);
    const country = this.country(req.defaultCountry);
    if (!req.consentConfirmed) {
      const refused = "removal refused: consent_confirmed is not set";
      await this.list.recordRejected(req.keys.map((k) =>
          create(EntrySchema, { contact: k.contact, kind: k.kind, channel: k.channel, sender: k.sender, account: k.account, note: req.note }),
        ), refused, ctx.principal);
      throw new FailedPreconditionError(
        "consent_confirmed: removing an entry needs the end user's renewed consent; set consent_confirmed = true once it was obtained",
      );
    }
    const result = await this.list.removeEntries(req.keys, req.note, country, ctx.principal);
    return create(RemoveEntriesResponseSchema, result);
  }

  listEntries(req: ListEntriesRequest, _ctx: CallContext): ListEntriesResponse {
    this.list.assertOpen();
    const pageSize = req.pageSize === 0 ? DEFAULT_PAGE_SIZE : req.pageSize;
    if (pageSize > MAX_PAGE_SIZE) throw new InvalidArgumentError("page_size", `at most ${MAX_PAGE_SIZE}`);
    const beforeSeq = decodePageToken(req.pageToken);
    const matches = entryPredicate(req.filter);
    const filterContact = req.filter?.contact ?? "";
    const page: Entry[] = [];
    let total = 0;
    let nextToken = "";
    let lastSeq = 0;
    const take = (seq: number, entry: Entry): void => {
      total++;
      if (beforeSeq !== undefined && seq >= beforeSeq) return;
      if (page.length < pageSize) {
        page.push(entry);
        lastSeq = seq;
      } else if (nextToken === "") {
        nextToken = encodePageToken(lastSeq);
      }
    };
    if (filterContact !== "") {
      const country = this.country(req.defaultCountry);
      const rows = this.contactEntries(filterContact, ContactKind.UNSPECIFIED, country, "filter.contact").entries;
      rows.sort((a, b) => b.seq - a.seq);
      for (const { seq, entry } of rows) if (matches(entry)) take(seq, entry);
    } else if (!narrowsBeyondContact(req.filter)) {
      total = this.list.store.entryCount();
      for (const { seq, key } of this.list.store.keysNewestFirst(beforeSeq)) {
        const stored = this.list.store.getEntry(key);
        if (stored === undefined) continue;
        if (page.length === pageSize) {
          nextToken = encodePageToken(lastSeq);
          break;
        }
        page.push(fromBinary(EntrySchema, stored.entry));
        lastSeq = seq;
      }
    } else {
      for (const { seq, key } of this.list.store.keysNewestFirst()) {
        const stored = this.list.store.getEntry(key);
        if (stored !== undefined) {
          const entry = fromBinary(EntrySchema, stored.entry);
          if (matches(entry)) take(seq, entry);
        }
      }
    }
    return create(ListEntriesResponseSchema, { entries: page, nextPageToken: nextToken, totalCount: BigInt(total) });
  }

  getContact(req: GetContactRequest, _ctx: CallContext): GetContactResponse {
    this.list.assertOpen();
    if (req.contact === "") throw new InvalidArgumentError("contact", "required");
    const country = this.country(req.defaultCountry);
    const found = this.contactEntries(req.contact, req.kind, country, "contact");
    found.entries.sort((a, b) => b.seq - a.seq);
    return create(GetContactResponseSchema, {
      contact: found.contact,
      kind: found.kind,
      entries: found.entries.map((r) => r.entry),
    });
  }

  private contactEntries(
    input: string,
    kind: ContactKind,
    country: CountryCode | undefined,
    field: string,
  ): { contact: string; kind: ContactKind; entries: { seq: number; entry: Entry }[] } {
    if (!Number.isInteger(kind) || kind < 0 || kind > ContactKind.CUSTOMER_ID) throw new InvalidArgumentError("kind", `unknown value ${kind}`);
    const n = normaliseContact(input, kind, country);
    if (!n.ok) throw new InvalidArgumentError(field, n.reason);
    const id = this.list.index.contacts.lookup(n.key, 0, n.key.length);
    const entries: { seq: number; entry: Entry }[] = [];
    if (id >= 0) {
      for (const row of this.list.store.entriesOfContact(id)) entries.push({ seq: row.seq, entry: fromBinary(EntrySchema, row.entry) });
    }
    return { contact: n.contact, kind: n.kind, entries };
  }

  private country(value: string): CountryCode | undefined {
    return resolveCountry(value, this.options.defaultCountry, "default_country");
  }

  private checkBatch(n: number, field: string): void {
    if (n > this.options.maxBatch) throw new ResourceExhaustedError(`${field}: at most ${this.options.maxBatch} in one call`);
  }
}
