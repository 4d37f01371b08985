// The suggested mapping: header names to fields, every contact column, and a
// headerless file's contact columns told from what they hold.

import { describe, expect, it } from "vitest";
import { ImportField } from "../gen/dnc/v1/import_pb.js";
import { isHeaderRow, mappingFromHeader, mappingFromRows } from "./header-mapping.js";

const mapped = (header: string[]) => mappingFromHeader(header).map((m) => [m.column, ImportField[m.field]]);

describe("header mapping", () => {
  it("maps every column that names a contact, and each other field once", () => {
    expect(mapped(["Phone", "Phone", "Email"])).toEqual([
      [0, "PHONE"],
      [1, "PHONE"],
      [2, "EMAIL"],
    ]);
    expect(mapped(["First Name", "Last Name", "Email", "Mobile Phone Number", "Channel", "channel"])).toEqual([
      [2, "EMAIL"],
      [3, "PHONE"],
      [4, "CHANNEL"],
    ]);
  });

  it("knows a CRM's phone and email columns by their words", () => {
    const phones = ["Home Phone", "Work phone", "Phone 2", "Phone2", "Mobile Number", "Cell Phone #", "Téléphone", "Telefon Nr", "Teléfono móvil", "Primary Phone"];
    const emails = ["E-mail Address 2", "Primary Email", "Courriel", "e_mail", "Email 1", "Correo"];
    expect(mapped(phones).map(([, f]) => f)).toEqual(phones.map(() => "PHONE"));
    expect(mapped(emails).map(([, f]) => f)).toEqual(emails.map(() => "EMAIL"));
  });

  it("leaves columns that only mention a contact word", () => {
    expect(mapped(["Email Opt In", "Phone Type", "Number of orders", "Mailing list", "Name"])).toEqual([]);
  });

  it("without a header, maps every column that holds contacts", () => {
    const rows = [
      ["ana2@example.com", "+447700901421", "yes"],
      ["bo@example.com", "+447700901422", "no"],
    ];
    expect(mappingFromRows(rows).map((m) => [m.column, ImportField[m.field]])).toEqual([
      [0, "CONTACT"],
      [1, "CONTACT"],
    ]);
    // Beside the first contact column, dates, post codes and short numbers are not contacts.
    const crm = [
      ["2024-01-05", "+447700901421", "2024-01-05", "75008", "12345", "0044 7700 901431", "07700 901441", "06.12.34.56.78"],
      ["05/01/2024", "+447700901422", "05/01/2024", "10115", "67890", "0044-20-7946-0958", "07700 901442", "06.12.34.56.79"],
    ];
    expect(mappingFromRows(crm).map((m) => m.column)).toEqual([1, 5, 6, 7]);
    expect(isHeaderRow(["Mobile Phone Number"], ["+447700901421"])).toBe(true);
  });
});
