// The 13-byte LMDB key of an entry: contact id, channel, sender id, account
// id, big-endian so one contact's entries sit together. Built from ids, so
// the filter can fetch a matched entry without building a string.

export const ENTRY_KEY_BYTES = 13;

export interface EntryIds {
  contactId: number;
  channel: number;
  senderId: number;
  accountId: number;
}

export function writeEntryKey(
  out: Buffer,
  contactId: number,
  channel: number,
  senderId: number,
  accountId: number,
): Buffer {
  out.writeUInt32BE(contactId, 0);
  out[4] = channel;
  out.writeUInt32BE(senderId, 5);
  out.writeUInt32BE(accountId, 9);
  return out;
}

export function entryKey(ids: EntryIds): Buffer {
  return writeEntryKey(Buffer.allocUnsafe(ENTRY_KEY_BYTES), ids.contactId, ids.channel, ids.senderId, ids.accountId);
}

export function readEntryKey(key: Uint8Array): EntryIds {
  return { contactId: u32be(key, 0), channel: key[4]!, senderId: u32be(key, 5), accountId: u32be(key, 9) };
}

/** The ids of the entry key at `b[at..at + ENTRY_KEY_BYTES)`, handed to `fn` without an object (a rebuild reads millions). */
export function readEntryKeyIds(b: Uint8Array, at: number, fn: (contactId: number, channel: number, senderId: number, accountId: number) => void): void {
  fn(u32be(b, at), b[at + 4]!, u32be(b, at + 5), u32be(b, at + 9));
}

function u32be(b: Uint8Array, at: number): number {
  return ((b[at]! << 24) | (b[at + 1]! << 16) | (b[at + 2]! << 8) | b[at + 3]!) >>> 0;
}
