// Enum values by their short CLI names: `sms` for CHANNEL_SMS, and so on.

import type { DescEnum } from "@bufbuild/protobuf";

export function parseEnum(schema: DescEnum, prefix: string, value: string, flag: string): number {
  const wanted = value.toUpperCase().replace(/-/g, "_");
  const found = schema.values.find((v) => v.name === wanted || v.name === `${prefix}_${wanted}`);
  if (found === undefined || found.number === 0) {
    const names = schema.values.filter((v) => v.number !== 0).map((v) => v.name.slice(prefix.length + 1).toLowerCase());
    throw new Error(`${flag}: '${value}' is not one of ${names.join(", ")}`);
  }
  return found.number;
}

export function enumName(schema: DescEnum, prefix: string, value: number): string {
  const v = schema.values.find((x) => x.number === value);
  if (v === undefined) return String(value);
  return v.number === 0 ? "" : v.name.slice(prefix.length + 1).toLowerCase();
}
