// The ListEntries filter as a predicate over stored entries: values within a
// field are alternatives, fields combine with AND.

import { timestampMs } from "@bufbuild/protobuf/wkt";
import type { EntryFilter } from "../gen/dnc/v1/admin_service_pb.js";
import type { Entry } from "../gen/dnc/v1/types_pb.js";

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

export function entryPredicate(f: EntryFilter | undefined): EntryPredicate {
  if (f === undefined) return () => true;
  const channels = new Set<number>(f.channels);
  const senders = new Set(f.senders);
  const accounts = new Set(f.accounts);
  const sources = new Set<number>(f.sources);
  const reasons = new Set<number>(f.reasons);
  const after = f.addedAfter === undefined ? -Infinity : timestampMs(f.addedAfter);
  const before = f.addedBefore === undefined ? Infinity : timestampMs(f.addedBefore);
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
