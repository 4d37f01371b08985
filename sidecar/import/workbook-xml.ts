// A workbook's own part (its sheets, in order, and its date system) and the
// relationships that say which part holds each sheet and the styles, read
// from their XML.

import type { SaxesTagPlain } from "saxes";
import { localName, parsePart } from "./xml-part.js";

export interface Relationship {
  id: string;
  /** A URI ending in the part's kind: …/worksheet, …/chartsheet, …/styles. */
  type: string;
  target: string;
}

export interface WorkbookPart {
  /** `relId`: the relationship naming the sheet's part. */
  sheets: { name: string; relId: string }[];
  /** Whether serials count from 1904 (`date1904` is an xsd:boolean: 1 or true). */
  date1904: boolean;
}

export async function readRelationships(part: AsyncIterable<Buffer>): Promise<Relationship[]> {
  const out: Relationship[] = [];
  for await (const batch of parsePart<Relationship>(part, (parser, emit) => {
    parser.on("opentag", (tag: SaxesTagPlain) => {
      if (localName(tag) !== "Relationship") return;
      const { Id, Type, Target } = tag.attributes;
      if (Id !== undefined && Type !== undefined && Target !== undefined) emit({ id: Id, type: Type, target: Target });
    });
  }))
    out.push(...batch);
  return out;
}

export async function readWorkbook(part: AsyncIterable<Buffer>): Promise<WorkbookPart> {
  const workbook: WorkbookPart = { sheets: [], date1904: false };
  const reading = parsePart<never>(part, (parser) => {
    parser.on("opentag", (tag: SaxesTagPlain) => {
      const name = localName(tag);
      if (name === "workbookPr") {
        const value = tag.attributes.date1904;
        workbook.date1904 = value === "1" || value === "true";
      } else if (name === "sheet") {
        // The relationship id is r:id, under whatever prefix the file gives the relationships namespace.
        const relId = Object.entries(tag.attributes).find(([key]) => key.endsWith(":id"))?.[1];
        if (tag.attributes.name !== undefined && relId !== undefined) workbook.sheets.push({ name: tag.attributes.name, relId });
      }
    });
  });
  for await (const _ of reading);
  return workbook;
}
