// The columns of an export file, one per field of an entry (SPEC §2), and
// an entry as the cells of its row: enum values by their short names (`sms`,
// `opt_out`, `customer_id`; empty for unset), which the import reads back,
// added_at in ISO 8601 UTC, phone numbers in E.164 with their '+' (bare
// digits read back under a default country could be another number), and
// every other cell guarded against formulas.

import type { DescEnum } from "@bufbuild/protobuf";
import { timestampMs } from "@bufbuild/protobuf/wkt";
import { ChannelSchema, ContactKind, ContactKindSchema, ReasonSchema, SourceSchema, type Entry } from "../gen/dnc/v1/types_pb.js";
import { neutraliseFormula } from "./formula-guard.js";

export const EXPORT_COLUMNS = [
  "contact",
  "kind",
  "channel",
  "sender",
  "account",
  "source",
  "reason",
  "campaign_ref",
  "added_at",
  "added_by",
  "note",
] as const;

/** Short names by enum number, built once: this runs for every row. */
function shortNames(schema: DescEnum, prefix: string): string[] {
  const names: string[] = [];
  for (const v of schema.values) names[v.number] = v.number === 0 ? "" : v.name.slice(prefix.length + 1).toLowerCase();
  return names;
}

export const KIND_NAMES: readonly string[] = shortNames(ContactKindSchema, "CONTACT_KIND");
/**
 * An unset channel is written "all", not left empty: an empty cell takes the
 * import's default channel, and an all-channels opt-out exported and imported
 * with --channel sms would have come back blocking SMS alone.
 */
export const ALL_CHANNELS = "all";
export const CHANNEL_NAMES: readonly string[] = [ALL_CHANNELS, ...shortNames(ChannelSchema, "CHANNEL").slice(1)];
export const SOURCE_NAMES: readonly string[] = shortNames(SourceSchema, "SOURCE");
export const REASON_NAMES: readonly string[] = shortNames(ReasonSchema, "REASON");

/** A value no name is known for (a newer sidecar's) is written as its number, so it survives. */
const name = (names: readonly string[], value: number): string => names[value] ?? String(value);

/** The entries of one AddEntries (or one import batch) share their added_at: formatted once. */
let lastMs = NaN;
let lastIso = "";

/** Throws RangeError for a time past Date's range, every time: a failed call leaves the last one's in place. */
export function isoTime(ms: number): string {
  if (ms !== lastMs) {
    lastIso = new Date(ms).toISOString();
    lastMs = ms;
  }
  return lastIso;
}

export function entryCells(e: Entry): string[] {
  return [
    // '+' and digits alone are a number to a spreadsheet, never a formula: no guard, which would show.
    e.kind === ContactKind.PHONE ? `+${e.contact}` : neutraliseFormula(e.contact),
    name(KIND_NAMES, e.kind),
    name(CHANNEL_NAMES, e.channel),
    neutraliseFormula(e.sender),
    neutraliseFormula(e.account),
    name(SOURCE_NAMES, e.source),
    name(REASON_NAMES, e.reason),
    neutraliseFormula(e.campaignRef),
    e.addedAt === undefined ? "" : isoTime(timestampMs(e.addedAt)),
    neutraliseFormula(e.addedBy),
    neutraliseFormula(e.note),
  ];
}
