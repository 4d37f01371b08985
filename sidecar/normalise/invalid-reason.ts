// Why a contact did not normalise. Reasons are numbered constants so the
// hot path reports them without building strings.

import { MAX_CONTACT_INPUT_BYTES } from "./contact-key.js";

export const InvalidReason = {
  EMPTY: 1,
  TOO_LONG: 2,
  PHONE_CHARACTERS: 3,
  NATIONAL_WITHOUT_COUNTRY: 4,
  PHONE_NOT_POSSIBLE: 5,
  EMAIL_SYNTAX: 6,
  CUSTOMER_ID: 7,
  EMAIL_ON_PHONE_CHANNEL: 8,
  PHONE_ON_EMAIL_CHANNEL: 9,
  EMAIL_DOMAIN: 10,
  SCIENTIFIC_NOTATION: 11,
} as const;

export type InvalidReasonCode = (typeof InvalidReason)[keyof typeof InvalidReason];

const texts: Record<InvalidReasonCode, string> = {
  1: "is empty",
  2: `is longer than ${MAX_CONTACT_INPUT_BYTES} bytes`,
  3: "is not a phone number: only digits, '+', spaces, dashes, dots and brackets are allowed",
  4: "is a national phone number and no default country was given",
  5: "is not a possible phone number for its country calling code",
  6: "is not a valid email address",
  7: "customer id must be 1 to 128 printable characters",
  8: "is an email address, which only the EMAIL channel can reach",
  9: "is a phone number, which the EMAIL channel cannot reach",
  10: "has an email domain that cannot be converted to ASCII (punycode)",
  11: "is a number in scientific notation (4.47712E+11), as a spreadsheet shows a long number: its last digits are lost; keep the column as text",
};

export function invalidReasonText(code: number): string {
  return texts[code as InvalidReasonCode] ?? "cannot be normalised";
}
