import { create } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { EntrySchema } from "../gen/dnc/v1/types_pb.js";
import { checkEntry } from "./entry-rules.js";

describe("checkEntry's note", () => {
  const withNote = (note: string) => checkEntry(create(EntrySchema, { contact: "+447700900123", note }), undefined);

  it("keeps tabs, line breaks and any printable text", () => {
    for (const note of ["said stop\ttwice\r\non the phone\n", "  spaced  ", "Ünïcödé ✓ 𝄞", "_x0041_"]) expect(withNote(note).ok, JSON.stringify(note)).toBe(true);
  });

  it("refuses control characters, which no export could carry as text", () => {
    for (const note of ["nul\u0000", "ctl\u0001x", "esc\u001b[31m", "del\u007f", "next line\u0085", "csi\u009b", "not a character\uFFFE"]) {
      expect(withNote(note), JSON.stringify(note)).toEqual({ ok: false, reason: "note: contains control characters (only tab, line feed and carriage return are text)" });
    }
  });

  it("refuses U+FFFD in a note, a sender, an account or a campaign: an import would refuse the row it exports to", () => {
    const lost = "contains U+FFFD, the mark of a character lost to a wrong encoding: send the text as it was written";
    expect(withNote("Jos\uFFFD asked to stop")).toEqual({ ok: false, reason: `note: ${lost}` });
    const scoped = (fields: object) => checkEntry(create(EntrySchema, { contact: "+447700900123", ...fields }), undefined);
    expect(scoped({ sender: "Caf\uFFFD" })).toEqual({ ok: false, reason: `sender: ${lost}` });
    expect(scoped({ account: "\uFFFD" })).toEqual({ ok: false, reason: `account: ${lost}` });
    expect(scoped({ campaignRef: "spring\uFFFD" })).toEqual({ ok: false, reason: `campaign_ref: ${lost}` });
  });
});
