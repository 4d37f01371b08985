// An EntryFilter from text parameters, as people type them: the HTTP
// download's query (`channel=sms&sender=ACME`) and `dnc export`'s flags.
// Enum values are taken loosely (`sms`, `SMS`, `CHANNEL_SMS`, `opt-out`),
// times as ISO 8601 dates or date-times (UTC unless they say otherwise).
// Repeatable parameters give alternatives, as EntryFilter's lists do.

import { create, type DescEnum } from "@bufbuild/protobuf";
import { timestampFromMs, type Timestamp } from "@bufbuild/protobuf/wkt";
import { InvalidArgumentError } from "../errors.js";
import { EntryFilterSchema, type EntryFilter } from "../gen/dnc/v1/admin_service_pb.js";
import { ChannelSchema, ContactKind, ContactKindSchema, ReasonSchema, SourceSchema } from "../gen/dnc/v1/types_pb.js";

export const FILTER_PARAMS = [
  "contact",
  "contact_kind",
  "contact_prefix",
  "channel",
  "sender",
  "account",
  "source",
  "reason",
  "campaign_ref",
  "added_after",
  "added_before",
] as const;

export type FilterParam = (typeof FILTER_PARAMS)[number];

const ISO_TIME = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?)?$/i;

/**
 * `values(param)` gives what was passed for a parameter (none, one, or more);
 * `label(param)` names it in errors as the caller knows it (`channel`, `--channel`).
 */
export function filterFromParams(values: (param: FilterParam) => string[], label: (param: FilterParam) => string): EntryFilter {
  const one = (param: FilterParam): string => {
    const given = values(param);
    if (given.length > 1) throw new InvalidArgumentError(label(param), "give it once");
    return given[0] ?? "";
  };
  const enums = (param: FilterParam, schema: DescEnum, prefix: string): number[] =>
    values(param).map((value) => {
      const wanted = value.trim().toUpperCase().replace(/-/g, "_");
      const found = schema.values.find((v) => v.number !== 0 && (v.name === wanted || v.name === `${prefix}_${wanted}`));
      if (found === undefined) {
        const names = schema.values.filter((v) => v.number !== 0).map((v) => v.name.slice(prefix.length + 1).toLowerCase());
        throw new InvalidArgumentError(label(param), `'${value}' is not one of ${names.join(", ")}`);
      }
      return found.number;
    });
  const time = (param: FilterParam): Timestamp | undefined => {
    const value = one(param);
    if (value === "") return undefined;
    const m = ISO_TIME.exec(value);
    const ms = m === null ? NaN : Date.parse(m[1] === undefined && value.length > 10 ? `${value}Z` : value);
    if (Number.isNaN(ms)) throw new InvalidArgumentError(label(param), `'${value}' is not an ISO 8601 date or date-time`);
    // Date.parse rolls a day past its month's end into the next month (2026-02-30 is 2026-03-02).
    const [year, month, day] = value.slice(0, 10).split("-").map(Number) as [number, number, number];
    const calendar = new Date(Date.UTC(year, month - 1, day));
    if (calendar.getUTCMonth() !== month - 1 || calendar.getUTCDate() !== day) throw new InvalidArgumentError(label(param), `'${value}' is not a date of the calendar`);
    return timestampFromMs(ms);
  };
  if (one("contact_kind") !== "" && one("contact") === "") throw new InvalidArgumentError(label("contact_kind"), `names the kind of a ${label("contact")}: give one`);
  return create(EntryFilterSchema, {
    contact: one("contact"),
    contactKind: one("contact_kind") === "" ? ContactKind.UNSPECIFIED : enums("contact_kind", ContactKindSchema, "CONTACT_KIND")[0],
    contactPrefix: one("contact_prefix"),
    channels: enums("channel", ChannelSchema, "CHANNEL"),
    senders: values("sender"),
    accounts: values("account"),
    sources: enums("source", SourceSchema, "SOURCE"),
    reasons: enums("reason", ReasonSchema, "REASON"),
    campaignRef: one("campaign_ref"),
    addedAfter: time("added_after"),
    addedBefore: time("added_before"),
  });
}
