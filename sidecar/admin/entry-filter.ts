// The ListEntries filter as a predicate over stored entries: values within a
// field are alternatives, fields combine with AND. A filter that names a value
// no entry can hold is refused rather than matched against nothing: RemoveByFilter
// and ExportEntries take the same filter, and an empty match there looks like success.

import type { DescEnum } from "@bufbuild/protobuf";
import { timestampMs } from "@bufbuild/protobuf/wkt";
import { InvalidArgumentError } from "../errors.js";
import type { EntryFilter } from "../gen/dnc/v1/admin_service_pb.js";
import { ChannelSchema, ContactKindSchema, ReasonSchema, SourceSchema, type Entry } from "../gen/dnc/v1/types_pb.js";
import { requestTimeMs } from "./request-time.js";

export type EntryPredicate = (e: Entry) => boolean;

/** Whether the filter narrows anything besides the contact. */
export function narrowsBeyondContact(f: EntryFilter | undefined): boolean {
  if (f === undefined) return false;
  return (
    f.channels.length + f.senders.length + f.accounts.length + f.sources.length + f.reasons.length > 0 ||
    f.campaignRef !== "" ||
    f.addedAfter !== undefined ||
    f.addedBefore !== undefined
  );
}

function checkEnums(values: number[], schema: DescEnum, field: string): void {
  values.forEach((v, i) => {
    if (schema.value[v] === undefined) throw new InvalidArgumentError(`filter.${field}[${i}]`, `unknown value ${v}`);
  });
}

/** Throws INVALID_ARGUMENT naming the first field of `f` no entry can match. */
function checkFilter(f: EntryFilter): void {
  checkEnums(f.channels, ChannelSchema, "channels");
  checkEnums(f.sources, SourceSchema, "sources");
  checkEnums(f.reasons, ReasonSchema, "reasons");
  if (ContactKindSchema.value[f.contactKind] === undefined) throw new InvalidArgumentError("filter.contact_kind", `unknown value ${f.contactKind}`);
  if (/^\+[\d\s]*$/.test(f.contactPrefix)) {
    throw new InvalidArgumentError("filter.contact_prefix", `phone numbers are stored as E.164 digits without '+': use ${f.contactPrefix.replace(/[+\s]/g, "")}`);
  }
}

/**
 * The filter with its names trimmed, as the entries it matches were stored
 * (entry-rules.ts). A name of white space alone is refused: trimmed to
 * nothing, a campaign of " " would be no condition at all, and
 * RemoveByFilter would take the whole list.
 */
export function trimmedFilter(f: EntryFilter | undefined): EntryFilter | undefined {
  if (f === undefined) return undefined;
  const trimmed = (value: string, field: string): string => {
    const t = value.trim();
    if (t === "" && value !== "") throw new InvalidArgumentError(field, "is white space only");
    return t;
  };
  return {
    ...f,
    senders: f.senders.map((n, i) => trimmed(n, `filter.senders[${i}]`)),
    accounts: f.accounts.map((n, i) => trimmed(n, `filter.accounts[${i}]`)),
    campaignRef: trimmed(f.campaignRef, "filter.campaign_ref"),
  };
}

/** The predicate of a filter trimmedFilter gave; throws INVALID_ARGUMENT for a filter no entry can match. */
export function entryPredicate(f: EntryFilter | undefined): EntryPredicate {
  if (f === undefined) return () => true;
  checkFilter(f);
  const channels = new Set<number>(f.channels);
  const senders = new Set(f.senders);
  const accounts = new Set(f.accounts);
  const sources = new Set<number>(f.sources);
  const reasons = new Set<number>(f.reasons);
  const after = f.addedAfter === undefined ? -Infinity : requestTimeMs(f.addedAfter, "filter.added_after");
  const before = f.addedBefore === undefined ? Infinity : requestTimeMs(f.addedBefore, "filter.added_before");
  if (before <= after) throw new InvalidArgumentError("filter.added_before", "must be later than added_after");
  return (e) => {
    if (channels.size > 0 && !channels.has(e.channel)) return false;
    if (senders.size > 0 && !senders.has(e.sender)) return false;
    if (accounts.size > 0 && !accounts.has(e.account)) return false;
    if (sources.size > 0 && !sources.has(e.source)) return false;
    if (reasons.size > 0 && !reasons.has(e.reason)) return false;
    if (f.campaignRef !== "" && e.campaignRef !== f.campaignRef) return false;
    const at = e.addedAt === undefined ? 0 : timestampMs(e.addedAt);
    return at >= after && at < before;
  };
}
