// The rules an entry must meet before it is stored (SPEC §2–3): a contact
// that normalises, known enum values, a channel the contact's kind can be
// reached on, bounded text fields; and what the history keeps of an entry
// that does not meet them.

import { create } from "@bufbuild/protobuf";
import type { CountryCode } from "libphonenumber-js";
import { Channel, ContactKind, EntrySchema, Reason, Source, type Entry, type EntryKey } from "../gen/dnc/v1/types_pb.js";
import { longerThan } from "../normalise/char-count.js";
import { normaliseContact, type ContactUse } from "../normalise/contact-normaliser.js";

export const MAX_NOTE_CHARS = 500;
export const MAX_NAME_CHARS = 128;

export interface EntryScopeInput {
  contact: string;
  kind: ContactKind;
  channel: Channel;
  sender: string;
  account: string;
}

export interface ValidScope {
  /** The contact's binary key (contact-key.ts). */
  key: Uint8Array;
  contact: string;
  kind: ContactKind;
  channel: Channel;
  sender: string;
  account: string;
}

export type Checked<T> = { ok: true; value: T } | { ok: false; reason: string };

/**
 * Control characters, line and paragraph separators, and invisible format
 * characters (a zero-width space, a soft hyphen, a BOM, bidi marks): a
 * sender or account holding one, pasted from a web page, looks like the name
 * and never matches it, so the opt-out would not hold. The joiners U+200C
 * and U+200D are kept: Persian and Indic names need them.
 */
const CONTROL = /(?![\u200c\u200d])[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/u;

/**
 * U+FFFD stands where a decoder met bytes it could not read: the text was
 * garbled before it came. An import refuses a row holding one (the file is
 * in another encoding), so an entry holding one could be exported but never
 * imported back.
 */
const REPLACEMENT = "\uFFFD";
const LOST_CHARACTER = "contains U+FFFD, the mark of a character lost to a wrong encoding: send the text as it was written";

/** Control characters a note cannot hold as text (a NUL makes its CSV export binary), C1's too, and the non-characters U+FFFE and U+FFFF. */
const NOTE_CONTROL = /[\0-\x08\x0B\x0C\x0E-\x1F\x7F-\x9F\uFFFE\uFFFF]/;

function isEnumValue(value: number, max: number): boolean {
  return Number.isInteger(value) && value >= 0 && value <= max;
}

/** Validates the key fields of an entry, to be stored (`add`) or to name one stored (`find`). */
export function checkScope(input: EntryScopeInput, defaultCountry: CountryCode | undefined, use: ContactUse): Checked<ValidScope> {
  if (!isEnumValue(input.kind, ContactKind.CUSTOMER_ID)) return fail(`kind: unknown value ${input.kind}`);
  if (!isEnumValue(input.channel, Channel.VOICE)) return fail(`channel: unknown value ${input.channel}`);
  const n = normaliseContact(input.contact, input.kind, defaultCountry, use);
  if (!n.ok) return n;
  if (n.kind === ContactKind.EMAIL && input.channel !== Channel.UNSPECIFIED && input.channel !== Channel.EMAIL) {
    return fail("channel: an email address can only be blocked on CHANNEL_EMAIL or on all channels");
  }
  if (n.kind === ContactKind.PHONE && input.channel === Channel.EMAIL) {
    return fail("channel: a phone number cannot be blocked on CHANNEL_EMAIL");
  }
  const sender = input.sender.trim();
  const account = input.account.trim();
  const nameProblem = checkName("sender", sender) ?? checkName("account", account);
  if (nameProblem !== undefined) return fail(nameProblem);
  return { ok: true, value: { key: n.key, contact: n.contact, kind: n.kind, channel: input.channel, sender, account } };
}

export interface EntryDetailsInput {
  source: Source;
  reason: Reason;
  campaignRef: string;
  note: string;
}

/** Validates a whole entry: its key fields, then its descriptive ones. */
export function checkEntry(input: EntryScopeInput & EntryDetailsInput, defaultCountry: CountryCode | undefined): Checked<ValidScope> {
  const scope = checkScope(input, defaultCountry, "add");
  if (!scope.ok) return scope;
  const problem = checkDetails(input);
  return problem === undefined ? scope : fail(problem);
}

/** Validates the descriptive fields of an entry; returns a problem or undefined. */
export function checkDetails(input: EntryDetailsInput): string | undefined {
  if (!isEnumValue(input.source, Source.EMAIL_SERVER)) return `source: unknown value ${input.source}`;
  if (!isEnumValue(input.reason, Reason.SPAM_COMPLAINT)) return `reason: unknown value ${input.reason}`;
  const note = noteFault(input.note);
  if (note !== undefined) return `note: ${note}`;
  return checkName("campaign_ref", input.campaignRef.trim());
}

/** What is wrong with a note (an entry's, a removal's consent note, an import's default), or undefined. */
export function noteFault(note: string): string | undefined {
  if (longerThan(note, MAX_NOTE_CHARS)) return `longer than ${MAX_NOTE_CHARS} characters`;
  if (NOTE_CONTROL.test(note)) return "contains control characters (only tab, line feed and carriage return are text)";
  if (note.includes(REPLACEMENT)) return LOST_CHARACTER;
  return undefined;
}

function checkName(field: string, value: string): string | undefined {
  const fault = nameFault(value);
  return fault === undefined ? undefined : `${field}: ${fault}`;
}

/** What is wrong with a (trimmed) sender or account name, or undefined. */
export function nameFault(value: string): string | undefined {
  if (longerThan(value, MAX_NAME_CHARS)) return `longer than ${MAX_NAME_CHARS} characters`;
  if (CONTROL.test(value)) return "contains control or invisible characters";
  if (value.includes(REPLACEMENT)) return LOST_CHARACTER;
  return undefined;
}

function fail(reason: string): { ok: false; reason: string } {
  return { ok: false, reason };
}

/**
 * Past this many characters, a rejected entry's text fields are cut in the
 * history's record of it: the history is kept for ever, and an entry
 * refused for being too long would otherwise be stored at any length.
 */
const REJECTED_FIELD_CHARS = 1000;

/** The rejected entry as the history records it: its text fields cut to REJECTED_FIELD_CHARS, marked with "…". */
export function rejectedRecord(input: Entry): Entry {
  const cut = (text: string) => (longerThan(text, REJECTED_FIELD_CHARS) ? `${[...text].slice(0, REJECTED_FIELD_CHARS - 1).join("")}…` : text);
  return create(EntrySchema, {
    ...input,
    contact: cut(input.contact),
    sender: cut(input.sender),
    account: cut(input.account),
    campaignRef: cut(input.campaignRef),
    addedBy: cut(input.addedBy),
    note: cut(input.note),
  });
}

/** A removal's key as the history records a refused one: the key's fields, and the caller's note. */
export function refusedRemoval(key: EntryKey, note: string): Entry {
  return create(EntrySchema, { contact: key.contact, kind: key.kind, channel: key.channel, sender: key.sender, account: key.account, note });
}
