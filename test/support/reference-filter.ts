// An obviously-correct model of SPEC §2 and §4 for the differential test: a
// plain array of entries and a linear scan. Normalisation is shared with the
// engine (it has its own unit tests); matching and the list rules are not.

import { Channel, ContactKind } from "../../sidecar/gen/dnc/v1/types_pb.js";
import { normaliseContact } from "../../sidecar/normalise/contact-normaliser.js";

export interface RefEntry {
  contact: string;
  kind: ContactKind;
  channel: Channel;
  sender: string;
  account: string;
}

export interface RefRequest {
  recipient: string;
  channel: Channel;
  sender: string;
  account: string;
  customerId: string;
}

export type RefVerdict = { verdict: "allowed" } | { verdict: "invalid" } | { verdict: "blocked"; candidates: RefEntry[] };

const sameKey = (a: RefEntry, b: RefEntry) =>
  a.contact === b.contact && a.kind === b.kind && a.channel === b.channel && a.sender === b.sender && a.account === b.account;

export class ReferenceFilter {
  entries: RefEntry[] = [];

  /** Returns what AddEntries should report for this entry. */
  add(raw: RefEntry): "added" | "repeated" | "rejected" {
    const n = normaliseContact(raw.contact, raw.kind, undefined, "add");
    if (!n.ok) return "rejected";
    if (n.kind === ContactKind.EMAIL && raw.channel !== Channel.UNSPECIFIED && raw.channel !== Channel.EMAIL) return "rejected";
    if (n.kind === ContactKind.PHONE && raw.channel === Channel.EMAIL) return "rejected";
    const e: RefEntry = { contact: n.contact, kind: n.kind, channel: raw.channel, sender: raw.sender, account: raw.account };
    if (this.entries.some((x) => sameKey(x, e))) return "repeated";
    this.entries.push(e);
    return "added";
  }

  /** "rejected": no valid key (by the rules an entry's key must meet to be added); "notFound": not on the list. */
  remove(raw: RefEntry): "removed" | "notFound" | "rejected" {
    const n = normaliseContact(raw.contact, raw.kind, undefined, "find");
    if (!n.ok) return "rejected";
    if (n.kind === ContactKind.EMAIL && raw.channel !== Channel.UNSPECIFIED && raw.channel !== Channel.EMAIL) return "rejected";
    if (n.kind === ContactKind.PHONE && raw.channel === Channel.EMAIL) return "rejected";
    const e: RefEntry = { contact: n.contact, kind: n.kind, channel: raw.channel, sender: raw.sender, account: raw.account };
    const i = this.entries.findIndex((x) => sameKey(x, e));
    if (i < 0) return "notFound";
    this.entries.splice(i, 1);
    return "removed";
  }

  check(r: RefRequest): RefVerdict {
    const scopeMatches = (e: RefEntry) =>
      (e.channel === Channel.UNSPECIFIED || e.channel === r.channel) &&
      (e.sender === "" || e.sender === r.sender) &&
      (e.account === "" || e.account === r.account);
    // A customer id that does not normalise leaves the request unchecked, unless its recipient is blocked.
    let customerInvalid = false;
    if (r.customerId !== "") {
      const c = normaliseContact(r.customerId, ContactKind.CUSTOMER_ID, undefined, "find");
      if (!c.ok) customerInvalid = true;
      else {
        const hits = this.entries.filter((e) => e.kind === ContactKind.CUSTOMER_ID && e.contact === c.contact && scopeMatches(e));
        if (hits.length > 0) return { verdict: "blocked", candidates: hits };
      }
    }
    const n = normaliseContact(r.recipient, ContactKind.UNSPECIFIED, undefined, "find");
    if (!n.ok) return { verdict: "invalid" };
    if ((n.kind === ContactKind.EMAIL) !== (r.channel === Channel.EMAIL)) return { verdict: "invalid" };
    const hits = this.entries.filter((e) => e.kind === n.kind && e.contact === n.contact && scopeMatches(e));
    if (hits.length > 0) return { verdict: "blocked", candidates: hits };
    return { verdict: customerInvalid ? "invalid" : "allowed" };
  }
}
