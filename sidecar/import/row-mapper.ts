// Turns a row's cells into entries as the import's options say: which
// columns hold the contact and the other fields, the defaults for what a
// row leaves empty, and the target accounts (one entry per account).
// Everything about the options is checked once, up front; a row is refused
// only for what its own cells hold. Text cells lose the apostrophe an export
// puts before a leading =, +, - or @ (formula-guard.ts), so that an export
// imports back as it was.

import { Channel, ContactKind, Reason, Source, type Entry } from "../gen/dnc/v1/types_pb.js";
import { ImportField, type ColumnMapping, type ImportDefaults } from "../gen/dnc/v1/import_pb.js";
import { InvalidArgumentError } from "../errors.js";
import { nameFault, noteFault } from "../engine/entry-rules.js";
import { unguardFormula } from "../export/formula-guard.js";
import { CHANNELS, KINDS, REASONS, SOURCES, type LooseEnum } from "./loose-enum.js";

const CONTACT_KINDS = new Map<ImportField, ContactKind>([
  [ImportField.CONTACT, ContactKind.UNSPECIFIED],
  [ImportField.PHONE, ContactKind.PHONE],
  [ImportField.EMAIL, ContactKind.EMAIL],
  [ImportField.CUSTOMER_ID, ContactKind.CUSTOMER_ID],
]);

const NOT_UTF8 = "the row holds bytes that are not valid UTF-8 (is the file Latin-1 or Windows-1252?): save it as UTF-8";

/** Column numbers of the single-valued fields; -1 when no column holds the field. */
interface Columns {
  channel: number;
  sender: number;
  account: number;
  reason: number;
  source: number;
  campaignRef: number;
  note: number;
  kind: number;
}

export class RowMapper {
  private readonly contacts: { column: number; kind: ContactKind }[] = [];
  private readonly columns: Columns = { channel: -1, sender: -1, account: -1, reason: -1, source: -1, campaignRef: -1, note: -1, kind: -1 };
  private readonly defaults: { channel: Channel; sender: string; reason: Reason; source: Source; campaignRef: string; note: string };
  private readonly accounts: string[];

  /**
   * Checks the mapping (against `width` columns, when known), the defaults
   * and the accounts, naming the bad field of the request.
   */
  constructor(mapping: ColumnMapping[], defaults: ImportDefaults | undefined, accounts: string[], width: number | undefined) {
    const usedColumns = new Set<number>();
    const usedFields = new Set<ImportField>();
    mapping.forEach((m, i) => {
      const at = `options.mapping[${i}]`;
      if (!Number.isInteger(m.field) || m.field <= ImportField.UNSPECIFIED || m.field > ImportField.KIND) {
        throw new InvalidArgumentError(`${at}.field`, m.field === ImportField.UNSPECIFIED ? "required" : `unknown value ${m.field}`);
      }
      if (width !== undefined && m.column >= width) throw new InvalidArgumentError(`${at}.column`, `the file has ${width} columns, numbered from 0`);
      if (usedColumns.has(m.column)) throw new InvalidArgumentError(`${at}.column`, `column ${m.column} is mapped twice`);
      usedColumns.add(m.column);
      const kind = CONTACT_KINDS.get(m.field);
      if (kind !== undefined) {
        this.contacts.push({ column: m.column, kind });
        return;
      }
      if (usedFields.has(m.field)) throw new InvalidArgumentError(`${at}.field`, `${ImportField[m.field]} is mapped to two columns`);
      usedFields.add(m.field);
      this.columns[FIELD_COLUMNS[m.field]!] = m.column;
    });
    if (this.contacts.length === 0) {
      throw new InvalidArgumentError("options.mapping", "no column is mapped to CONTACT, PHONE, EMAIL or CUSTOMER_ID: there is nothing to import");
    }
    this.defaults = checkDefaults(defaults);
    this.accounts = checkAccounts(accounts);
  }

  /**
   * What the history keeps of a row refused before it became entries: its
   * first contact and every other field, read as map reads them, so that
   * whoever reads the refusal sees the scope the row asked for. A cell map
   * refused leaves its field at the default; several target accounts are
   * named together, as one text.
   */
  refusedRecord(cells: string[]): Entry {
    const { columns, defaults } = this;
    const c = this.contacts.find((c) => (cells[c.column] ?? "").trim() !== "");
    const kind = c === undefined || c.kind === ContactKind.UNSPECIFIED ? parsedCell(cells, columns.kind, KINDS, ContactKind.UNSPECIFIED) : c.kind;
    const contact = c === undefined ? "" : contactText(unguardFormula(cells[c.column]!), kind);
    return {
      $typeName: "dnc.v1.Entry",
      contact,
      kind,
      channel: parsedCell(cells, columns.channel, CHANNELS, defaults.channel),
      sender: textCell(cells, columns.sender) || defaults.sender,
      account: this.accounts.length > 0 ? this.accounts.join(", ") : textCell(cells, columns.account),
      source: parsedCell(cells, columns.source, SOURCES, defaults.source),
      reason: parsedCell(cells, columns.reason, REASONS, defaults.reason),
      campaignRef: textCell(cells, columns.campaignRef) || defaults.campaignRef,
      addedBy: "",
      note: noteCell(cells, columns.note) || defaults.note,
    };
  }

  /** Appends the entries of a row to `out`; returns why the row is refused instead, if it is. */
  map(cells: string[], out: Entry[]): string | undefined {
    const { columns, defaults } = this;
    let channel = defaults.channel;
    let reason = defaults.reason;
    let source = defaults.source;
    if (columns.channel >= 0) {
      const value = enumCell(cells, columns.channel, CHANNELS, "channel");
      if (typeof value === "string") return value;
      if (value !== undefined) channel = value;
    }
    if (columns.reason >= 0) {
      const value = enumCell(cells, columns.reason, REASONS, "reason");
      if (typeof value === "string") return value;
      if (value !== undefined) reason = value;
    }
    if (columns.source >= 0) {
      const value = enumCell(cells, columns.source, SOURCES, "source");
      if (typeof value === "string") return value;
      if (value !== undefined) source = value;
    }
    let kind = ContactKind.UNSPECIFIED;
    if (columns.kind >= 0) {
      const value = enumCell(cells, columns.kind, KINDS, "kind");
      if (typeof value === "string") return value;
      if (value !== undefined) kind = value;
    }
    const sender = textCell(cells, columns.sender) || defaults.sender;
    const campaignRef = textCell(cells, columns.campaignRef) || defaults.campaignRef;
    const note = noteCell(cells, columns.note) || defaults.note;
    const ownAccount = textCell(cells, columns.account);
    if (hasBadBytes(sender) || hasBadBytes(campaignRef) || hasBadBytes(note) || hasBadBytes(ownAccount)) return NOT_UTF8;
    let contacts = 0;
    for (const c of this.contacts) {
      const contact = cells[c.column] ?? "";
      if (hasBadBytes(contact)) return NOT_UTF8;
      if (contact.trim() !== "") contacts++;
    }
    if (contacts === 0) return "no contact: the columns mapped to a contact are empty";
    const accounts = this.accounts.length > 0 ? this.accounts : [ownAccount];
    for (const c of this.contacts) {
      const cell = unguardFormula(cells[c.column] ?? "");
      if (cell.trim() === "") continue;
      const contactKind = c.kind === ContactKind.UNSPECIFIED ? kind : c.kind;
      const contact = contactText(cell, contactKind);
      for (const account of accounts) {
        out.push({ $typeName: "dnc.v1.Entry", contact, kind: contactKind, channel, sender, account, source, reason, campaignRef, addedBy: "", note });
      }
    }
    return undefined;
  }
}

const TEXT_MARKED_DIGITS = /^\s*'[0-9(]/;

/**
 * A contact cell's text: a spreadsheet user types '07700 900123 to keep the
 * leading 0, and some programs save the apostrophe with the digits. An
 * address keeps it: '1abc@example.com is an email address of its own.
 */
function contactText(cell: string, kind: ContactKind): string {
  return kind !== ContactKind.CUSTOMER_ID && kind !== ContactKind.EMAIL && TEXT_MARKED_DIGITS.test(cell) && !cell.includes("@") ? cell.trimStart().slice(1) : cell;
}

const FIELD_COLUMNS: Partial<Record<ImportField, keyof Columns>> = {
  [ImportField.CHANNEL]: "channel",
  [ImportField.SENDER]: "sender",
  [ImportField.ACCOUNT]: "account",
  [ImportField.REASON]: "reason",
  [ImportField.SOURCE]: "source",
  [ImportField.CAMPAIGN_REF]: "campaignRef",
  [ImportField.NOTE]: "note",
  [ImportField.KIND]: "kind",
};

function textCell(cells: string[], column: number): string {
  return column < 0 ? "" : unguardFormula((cells[column] ?? "").trim());
}

/** A note as the cell holds it: spaces and line breaks are part of it, as AddEntries keeps them; only an empty cell takes the default. */
function noteCell(cells: string[], column: number): string {
  return column < 0 ? "" : unguardFormula(cells[column] ?? "");
}

/** The enum value of a cell, undefined for an empty cell, or why the value is refused. */
function enumCell(cells: string[], column: number, values: LooseEnum, field: string): number | string | undefined {
  const text = textCell(cells, column);
  if (text === "") return undefined;
  return values.parse(text) ?? `${field}: '${text.slice(0, 40)}' is not one of ${values.names}`;
}

/** A cell's enum value, or `fallback` when the cell is empty or not one of `values`. */
function parsedCell(cells: string[], column: number, values: LooseEnum, fallback: number): number {
  const text = textCell(cells, column);
  return (text === "" ? undefined : values.parse(text)) ?? fallback;
}

/** U+FFFD is what the decoder made of bytes that were not UTF-8: storing it would garble the value. */
function hasBadBytes(text: string): boolean {
  return text.includes("\uFFFD");
}

function checkDefaults(d: ImportDefaults | undefined): RowMapper["defaults"] {
  const channel = d?.channel ?? Channel.UNSPECIFIED;
  const reason = d?.reason ?? Reason.UNSPECIFIED;
  const source = d?.source ?? Source.UNSPECIFIED;
  if (!Number.isInteger(channel) || channel < 0 || channel > Channel.VOICE) throw new InvalidArgumentError("options.defaults.channel", `unknown value ${channel}`);
  if (!Number.isInteger(reason) || reason < 0 || reason > Reason.SPAM_COMPLAINT) throw new InvalidArgumentError("options.defaults.reason", `unknown value ${reason}`);
  if (!Number.isInteger(source) || source < 0 || source > Source.EMAIL_SERVER) throw new InvalidArgumentError("options.defaults.source", `unknown value ${source}`);
  const sender = checkName("options.defaults.sender", d?.sender ?? "");
  const campaignRef = checkName("options.defaults.campaign_ref", d?.campaignRef ?? "");
  const note = d?.note ?? "";
  const fault = noteFault(note);
  if (fault !== undefined) throw new InvalidArgumentError("options.defaults.note", fault);
  return { channel, sender, reason, source: source === Source.UNSPECIFIED ? Source.IMPORT : source, campaignRef, note };
}

function checkAccounts(accounts: string[]): string[] {
  const checked = accounts.map((a, i) => {
    const account = checkName(`options.accounts[${i}]`, a);
    if (account === "") throw new InvalidArgumentError(`options.accounts[${i}]`, "empty; leave the list empty for the rows' own accounts");
    return account;
  });
  return [...new Set(checked)];
}

function checkName(field: string, value: string): string {
  const trimmed = value.trim();
  const fault = nameFault(trimmed);
  if (fault !== undefined) throw new InvalidArgumentError(field, fault);
  return trimmed;
}
