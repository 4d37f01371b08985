// Which column holds what, guessed from a header row's names (any case,
// spacing or punctuation: "E-mail", "Mobile number", "customer_id") or,
// without a header, from what the first rows hold.

import { create } from "@bufbuild/protobuf";
import { ColumnMappingSchema, ImportField, type ColumnMapping } from "../gen/dnc/v1/import_pb.js";

const NAMES: [ImportField, string[]][] = [
  [ImportField.CONTACT, ["contact", "contacts", "recipient", "recipients", "address", "destination", "subscriber", "to"]],
  [
    ImportField.PHONE,
    ["phone", "phonenumber", "phoneno", "mobile", "mobilenumber", "mobileno", "mobilephone", "cell", "cellphone", "cellnumber", "msisdn", "tel", "telephone", "telephonenumber", "gsm", "number"],
  ],
  [ImportField.EMAIL, ["email", "emails", "emailaddress", "mail", "mailaddress"]],
  [ImportField.CUSTOMER_ID, ["customerid", "customer", "customerno", "customernumber", "custid", "clientid", "crmid", "externalid"]],
  [ImportField.SENDER, ["sender", "senderid", "sendername", "from", "originator", "shortcode"]],
  [ImportField.CHANNEL, ["channel", "channels", "medium"]],
  [ImportField.ACCOUNT, ["account", "accountid", "accountname", "subaccount", "tenant"]],
  [ImportField.REASON, ["reason", "optoutreason"]],
  [ImportField.SOURCE, ["source", "optoutsource"]],
  [ImportField.CAMPAIGN_REF, ["campaign", "campaignref", "campaignid", "campaignname", "campaignreference"]],
  [ImportField.NOTE, ["note", "notes", "comment", "comments", "remark", "remarks"]],
  [ImportField.KIND, ["kind", "contactkind", "contacttype"]],
];

const FIELD_OF = new Map<string, ImportField>(NAMES.flatMap(([field, names]) => names.map((n) => [n, field] as const)));

function squash(name: string): string {
  return name
    .normalize("NFKD")
    .toLowerCase()
    .replace(/[^a-z0-9]/g, "");
}

/**
 * Words that name a phone or an email column beside the exact names above,
 * in the languages operators' CRMs export in ("Mobile Phone Number",
 * "Téléphone 2", "Courriel"); and words that only qualify them ("Home",
 * "Work", "Primary", "Number", a trailing digit).
 */
const PHONE_WORDS = new Set(["phone", "phones", "mobile", "cell", "cellphone", "cellular", "msisdn", "tel", "telephone", "gsm", "handy", "telefon", "telefono", "portable", "movil", "celular", "smartphone"]);
const EMAIL_WORDS = new Set(["email", "emails", "mail", "courriel", "correo"]);
const QUALIFIERS = new Set([
  "home", "work", "business", "office", "private", "personal", "primary", "secondary", "other", "alt", "alternative", "alternate", "main",
  "contact", "default", "preferred", "first", "second", "number", "numbers", "num", "no", "nr", "address", "addresses", "adresse", "of", "the",
]);

/** PHONE or EMAIL when every word of `name` but its qualifiers is a phone word, or an email word. */
function contactFieldOfWords(name: string): ImportField | undefined {
  const words = name
    .normalize("NFKD")
    .toLowerCase()
    .replace(/[\u0300-\u036f]/g, "")
    .replace(/\be[\s_-]?mail/g, "email")
    .split(/[^a-z0-9]+|(?<=[a-z])(?=[0-9])/)
    .filter((w) => w !== "" && !/^[0-9]+$/.test(w) && !QUALIFIERS.has(w));
  if (words.length === 0) return undefined;
  if (words.every((w) => PHONE_WORDS.has(w))) return ImportField.PHONE;
  if (words.every((w) => EMAIL_WORDS.has(w))) return ImportField.EMAIL;
  return undefined;
}

/** The field a header name stands for, if it is one of the known names. */
function fieldOfHeader(name: string): ImportField | undefined {
  return FIELD_OF.get(squash(name)) ?? contactFieldOfWords(name);
}

const CONTACT_FIELDS = new Set([ImportField.CONTACT, ImportField.PHONE, ImportField.EMAIL, ImportField.CUSTOMER_ID]);

/**
 * Every column whose header names a contact (a CRM's "Phone", "Mobile" and
 * "Email" columns are each a contact of the row, and one left out is an
 * opt-out lost), and each other field from the first column that names it.
 */
export function mappingFromHeader(header: string[]): ColumnMapping[] {
  const taken = new Set<ImportField>();
  const mapping: ColumnMapping[] = [];
  header.forEach((name, column) => {
    const field = fieldOfHeader(name);
    if (field === undefined || taken.has(field)) return;
    if (!CONTACT_FIELDS.has(field)) taken.add(field);
    mapping.push(create(ColumnMappingSchema, { column, field }));
  });
  return mapping;
}

/** An email address, or a run of at least five digits: what a contact column holds. */
function looksLikeContact(cell: string): boolean {
  return cell.includes("@") || /\d[\d\s().-]{3,}\d/.test(cell);
}

/**
 * An email address, or a number written internationally (+ or 00) or of
 * eight digits or more that is no date: a contact column beside the first
 * must hold these, where a date, a post code or an order number would pass
 * looksLikeContact.
 */
function clearlyContact(cell: string): boolean {
  if (cell.includes("@")) return true;
  if (isDate(cell) || !/^[+\d\s().-]+$/.test(cell)) return false;
  return /^(\+|00)\d/.test(cell) || cell.replace(/\D/g, "").length >= 8;
}

/** A date, with a time or without: the whole cell, so that 06.12.34.56.78 is a phone number. */
function isDate(cell: string): boolean {
  return /^(\d{4}-\d{2}-\d{2}|\d{1,2}[./]\d{1,2}[./]\d{2,4})([T ][\d:.]+Z?)?$/.test(cell);
}

/** Without a header: the first column where most non-empty cells look like contacts, and every later one where most clearly are. */
export function mappingFromRows(rows: string[][]): ColumnMapping[] {
  const width = Math.max(0, ...rows.map((r) => r.length));
  const mapping: ColumnMapping[] = [];
  for (let column = 0; column < width; column++) {
    const cells = rows.map((r) => (r[column] ?? "").trim()).filter((c) => c !== "");
    const test = mapping.length === 0 ? (cell: string) => looksLikeContact(cell) && !isDate(cell) : clearlyContact;
    if (cells.length > 0 && cells.filter(test).length * 2 > cells.length) {
      mapping.push(create(ColumnMappingSchema, { column, field: ImportField.CONTACT }));
    }
  }
  return mapping;
}

/**
 * Whether `first` is a header: it holds no contact, and it names a known
 * field or the row after it holds a contact. A row with a contact is data
 * even when a cell reads like a header name ("email" is a channel too).
 */
export function isHeaderRow(first: string[], second: string[] | undefined): boolean {
  if (first.some(looksLikeContact)) return false;
  if (namesAField(first)) return true;
  return second !== undefined && second.some(looksLikeContact);
}

/**
 * Whether `first` is a header by its own cells: it names a known field and
 * holds no contact. Unlike isHeaderRow, the row after it is not asked: a
 * customer id such as `alice`, or a first address that lost its '@', looks
 * unlike the next row too, and would be left out as a header.
 */
export function isHeaderByName(first: string[]): boolean {
  return !first.some(looksLikeContact) && namesAField(first);
}

function namesAField(cells: string[]): boolean {
  return cells.some((cell) => fieldOfHeader(cell) !== undefined);
}
