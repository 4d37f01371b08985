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
  const b = Buffer.from(key.buffer, key.byteOffset, key.byteLength);
  return { contactId: b.readUInt32BE(0), channel: b[4]!, senderId: b.readUInt32BE(5), accountId: b.readUInt32BE(9) };
}
