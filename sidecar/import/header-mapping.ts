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

/** The field a header name stands for, if it is one of the known names. */
function fieldOfHeader(name: string): ImportField | undefined {
  return FIELD_OF.get(squash(name));
}

/** Each field from the first column whose header names it. */
export function mappingFromHeader(header: string[]): ColumnMapping[] {
  const taken = new Set<ImportField>();
  const mapping: ColumnMapping[] = [];
  header.forEach((name, column) => {
    const field = fieldOfHeader(name);
    if (field === undefined || taken.has(field)) return;
    taken.add(field);
    mapping.push(create(ColumnMappingSchema, { column, field }));
  });
  return mapping;
}

/** An email address, or a run of at least five digits: what a contact column holds. */
function looksLikeContact(cell: string): boolean {
  return cell.includes("@") || /\d[\d\s().-]{3,}\d/.test(cell);
}

/** Without a header: the first column where most non-empty cells look like contacts. */
export function mappingFromRows(rows: string[][]): ColumnMapping[] {
  const width = Math.max(0, ...rows.map((r) => r.length));
  for (let column = 0; column < width; column++) {
    const cells = rows.map((r) => (r[column] ?? "").trim()).filter((c) => c !== "");
    if (cells.length > 0 && cells.filter(looksLikeContact).length * 2 > cells.length) {
      return [create(ColumnMappingSchema, { column, field: ImportField.CONTACT })];
    }
  }
  return [];
}

/** Whether `first` is a header: it names a known field, or it holds no contact while the row after it does. */
export function isHeaderRow(first: string[], second: string[] | undefined): boolean {
  if (first.some((cell) => fieldOfHeader(cell) !== undefined)) return true;
  return !first.some(looksLikeContact) && second !== undefined && second.some(looksLikeContact);
}
