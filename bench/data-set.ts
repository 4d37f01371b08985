// The benchmark's deterministic data set: entry i is a pure function of
// (seed, i), so millions of entries can be generated batch by batch, and any
// loaded entry regenerated for a request, without holding the set in memory.

import { create } from "@bufbuild/protobuf";
import { Channel, ContactKind, EntrySchema, Reason, Source, type Entry } from "../sidecar/gen/dnc/v1/types_pb.js";

/** mulberry32: small, fast and good enough to shape a data set. */
export class Mulberry32 {
  constructor(private state: number) {}

  reseed(state: number): void {
    this.state = state;
  }

  /** A uint32. */
  next(): number {
    let t = (this.state = (this.state + 0x6d2b79f5) | 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }

  /** An integer in [0, n). */
  below(n: number): number {
    return Math.floor((this.next() / 0x1_0000_0000) * n);
  }

  pick<T>(items: readonly T[]): T {
    return items[this.below(items.length)]!;
  }
}

/** The murmur3 finaliser over (seed, i): a per-entry PRNG state. */
function mix(seed: number, i: number): number {
  let h = Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) ^ i;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/**
 * Contacts carry an 8-digit serial that is a bijection of the entry index,
 * which is what keeps them unique; indexes from `size` up give numbers that
 * are certainly not in the set.
 */
const SERIAL_SPACE = 100_000_000;
const HALF = 10_000;

/** A 4-round Feistel network on two 4-digit halves: a bijection on [0, 1e8) that scatters neighbours. */
function serial(seed: number, i: number): number {
  let l = Math.floor(i / HALF);
  let r = i % HALF;
  for (let round = 0; round < 4; round++) {
    const f = mix(seed + round, r) % HALF;
    const next = (l + f) % HALF;
    l = r;
    r = next;
  }
  return l * HALF + r;
}

function pad8(n: number): string {
  return n.toString().padStart(8, "0");
}

/** E.164 phone numbers whose national part does not start with 0 and has a possible length. */
function phoneNumber(rng: Mulberry32, s: string): string {
  const country = rng.below(100);
  if (country < 25) return `+447${1 + rng.below(9)}${s}`; // GB mobile, 10-digit national number
  if (country < 55) {
    // NANP: NXX NXX XXXX, the serial filling the X digits.
    return `+1${2 + rng.below(8)}${s.slice(0, 2)}${2 + rng.below(8)}${s.slice(2)}`;
  }
  if (country < 70) return `+4915${rng.pick(DE_MOBILE)}${s}`; // DE 015x, 11-digit national number
  if (country < 85) return `+336${s}`; // FR mobile, 9 digits
  return `+919${rng.below(10)}${s}`; // IN mobile, 10 digits
}

const DE_MOBILE = [1, 2, 5, 7, 9] as const;
const PHONE_CHANNELS = [
  Channel.UNSPECIFIED,
  Channel.SMS,
  Channel.MMS,
  Channel.RCS,
  Channel.VIBER,
  Channel.WHATSAPP,
  Channel.VOICE,
] as const;
const EMAIL_CHANNELS = [Channel.UNSPECIFIED, Channel.EMAIL] as const;
const NAMES = ["anna", "ben", "chloe", "dev", "emma", "farid", "grace", "hiro", "ines", "jon", "kemi", "liam"] as const;
const DOMAINS = ["example.com", "mail.example", "post.example.de", "courriel.example.fr", "inbox.example.in"] as const;
const PHONE_SENDERS = ["60123", "72000", "447700900123", "12025550100", "ACMEBANK", "SHOPCO", "wa:brand-1", "rcs:agent-7"] as const;
const EMAIL_SENDERS = ["news@brand.example", "offers@shop.example", "alerts@bank.example"] as const;
const ACCOUNTS = Array.from({ length: 24 }, (_, n) => `acct-${n.toString().padStart(2, "0")}`);

export interface EntrySpec {
  kind: ContactKind;
  contact: string;
  channel: Channel;
  sender: string;
  account: string;
  source: Source;
  reason: Reason;
}

export interface Composition {
  phones: number;
  emails: number;
  customerIds: number;
  scoped: number;
}

export class DataSet {
  private readonly rng = new Mulberry32(0);

  constructor(
    readonly seed: number,
    readonly size: number,
  ) {
    if (!Number.isInteger(size) || size < 1 || size > SERIAL_SPACE / 2) {
      throw new RangeError(`entries must be 1..${SERIAL_SPACE / 2}`);
    }
  }

  /** Entry i of the set (0 ≤ i < size). */
  specAt(i: number): EntrySpec {
    const rng = this.rng;
    rng.reseed(mix(this.seed, i));
    const s = pad8(serial(this.seed, i));
    const kindRoll = rng.below(100);
    const scopeRoll = rng.below(100);
    const spec: EntrySpec = {
      kind: ContactKind.PHONE,
      contact: "",
      channel: Channel.UNSPECIFIED,
      sender: "",
      account: "",
      source: 1 + rng.below(Source.EMAIL_SERVER),
      reason: 1 + rng.below(Reason.SPAM_COMPLAINT),
    };
    if (kindRoll < 80) {
      spec.contact = phoneNumber(rng, s);
      spec.channel = rng.pick(PHONE_CHANNELS);
    } else if (kindRoll < 98) {
      spec.kind = ContactKind.EMAIL;
      spec.contact = `${rng.pick(NAMES)}.${s}@${rng.pick(DOMAINS)}`;
      spec.channel = rng.pick(EMAIL_CHANNELS);
    } else {
      spec.kind = ContactKind.CUSTOMER_ID;
      spec.contact = `CUST-${s}`;
      spec.channel = rng.below(Channel.VOICE + 1);
    }
    if (scopeRoll < 5) {
      const which = rng.below(3);
      if (which !== 1) spec.sender = rng.pick(spec.kind === ContactKind.EMAIL ? EMAIL_SENDERS : PHONE_SENDERS);
      if (which !== 0) spec.account = rng.pick(ACCOUNTS);
    }
    return spec;
  }

  /** The set in batches of protobuf entries, counting what it hands out into `composition`. */
  *batches(batchSize: number, composition: Composition): Generator<Entry[]> {
    for (let start = 0; start < this.size; start += batchSize) {
      const end = Math.min(this.size, start + batchSize);
      const batch: Entry[] = [];
      for (let i = start; i < end; i++) {
        const spec = this.specAt(i);
        if (spec.kind === ContactKind.PHONE) composition.phones++;
        else if (spec.kind === ContactKind.EMAIL) composition.emails++;
        else composition.customerIds++;
        if (spec.sender !== "" || spec.account !== "") composition.scoped++;
        batch.push(create(EntrySchema, spec));
      }
      yield batch;
    }
  }

  /** The set's contacts as requests write them ("+<digits>" for phones), in chunks: what a peer stores. */
  *contacts(chunkSize: number): Generator<string[]> {
    for (let start = 0; start < this.size; start += chunkSize) {
      const end = Math.min(this.size, start + chunkSize);
      const chunk: string[] = [];
      for (let i = start; i < end; i++) chunk.push(this.specAt(i).contact);
      yield chunk;
    }
  }

  /** A phone number no entry of the set holds; k ≥ 0 picks which. */
  freshPhone(k: number): string {
    const i = this.size + (k % (SERIAL_SPACE - this.size));
    this.rng.reseed(mix(this.seed, i));
    return phoneNumber(this.rng, pad8(serial(this.seed, i)));
  }

  /**
   * The number of a loaded entry that blocks an SMS sent with no sender or
   * account (an unscoped phone entry on all channels or on SMS), sampled with `rng`.
   */
  blockingSmsPhone(rng: Mulberry32): string {
    // About one entry in five qualifies; a set without any cannot give a blocked ratio.
    for (let attempt = 0; attempt < 10_000; attempt++) {
      const spec = this.specAt(rng.below(this.size));
      const unscoped = spec.sender === "" && spec.account === "";
      const onSms = spec.channel === Channel.UNSPECIFIED || spec.channel === Channel.SMS;
      if (spec.kind === ContactKind.PHONE && unscoped && onSms) return spec.contact;
    }
    throw new Error("the data set holds no unscoped SMS phone entry to sample");
  }
}
