// Enum values as people type them in spreadsheet cells: any case, with or
// without the prefix, spaces, dashes or underscores ("sms", "CHANNEL_SMS",
// "opt-out", "Opt Out"), plus a few common words for them.

import type { DescEnum } from "@bufbuild/protobuf";
import { ChannelSchema, ContactKindSchema, ReasonSchema, SourceSchema } from "../gen/dnc/v1/types_pb.js";

/** Distinct cell texts remembered per enum: a column holds a handful of values, read once per row. */
const CACHE_TEXTS = 1024;

export class LooseEnum {
  private readonly byWord = new Map<string, number>();
  private readonly byText = new Map<string, number | undefined>();
  /** The short names, for messages. */
  readonly names: string;

  constructor(schema: DescEnum, prefix: string, aliases: Record<string, string> = {}) {
    const values = schema.values.filter((v) => v.number !== 0);
    for (const v of values) {
      const short = v.name.slice(prefix.length + 1);
      this.byWord.set(squash(v.name), v.number);
      this.byWord.set(squash(short), v.number);
    }
    const unsetWords: string[] = [];
    for (const [word, name] of Object.entries(aliases)) {
      const value = schema.values.find((v) => v.name === `${prefix}_${name}`)!.number;
      this.byWord.set(squash(word), value);
      if (value === 0) unsetWords.push(word);
    }
    this.names = [...values.map((v) => v.name.slice(prefix.length + 1).toLowerCase().replace(/_/g, "-")), ...unsetWords.slice(0, 1)].join(", ");
  }

  /** The value `text` names, or undefined. */
  parse(text: string): number | undefined {
    const known = this.byText.get(text);
    if (known !== undefined || this.byText.has(text)) return known;
    const value = this.byWord.get(squash(text));
    if (this.byText.size === CACHE_TEXTS) this.byText.clear();
    this.byText.set(text, value);
    return value;
  }
}

function squash(text: string): string {
  return text.toUpperCase().replace(/[^A-Z0-9]/g, "");
}

/** "all" (what an export writes for an unset channel) says all channels outright, where an empty cell takes the import's default. */
export const CHANNELS = new LooseEnum(ChannelSchema, "CHANNEL", { text: "SMS", wa: "WHATSAPP", mail: "EMAIL", call: "VOICE", phone: "VOICE", all: "UNSPECIFIED", "all channels": "UNSPECIFIED", any: "UNSPECIFIED" });
export const REASONS = new LooseEnum(ReasonSchema, "REASON", {
  stop: "OPT_OUT",
  unsubscribe: "OPT_OUT",
  unsubscribed: "OPT_OUT",
  cleanup: "LIST_CLEANUP",
  complaint: "SUBSCRIBER_COMPLAINT",
  support: "SUPPORT_REQUEST",
  fraud: "SUSPECTED_FRAUD",
  bounce: "HARD_BOUNCE",
  bounced: "HARD_BOUNCE",
  spam: "SPAM_COMPLAINT",
});
export const KINDS = new LooseEnum(ContactKindSchema, "CONTACT_KIND", { mobile: "PHONE", mail: "EMAIL", customer: "CUSTOMER_ID" });
export const SOURCES = new LooseEnum(SourceSchema, "SOURCE", { keyword: "MO_KEYWORD", mo: "MO_KEYWORD", link: "URL_OPT_OUT", url: "URL_OPT_OUT", bounce: "EMAIL_SERVER" });
