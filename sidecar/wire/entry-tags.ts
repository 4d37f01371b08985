// The tags (field number << 3 | wire type) of dnc.v1.Entry's fields and
// google.protobuf.Timestamp's, for the readers that decode a stored entry
// straight from its bytes.

export const enum EntryTag {
  Contact = 0x0a,
  Kind = 0x10,
  Channel = 0x18,
  Sender = 0x22,
  Account = 0x2a,
  Source = 0x30,
  Reason = 0x38,
  CampaignRef = 0x42,
  AddedAt = 0x4a,
  AddedBy = 0x52,
  Note = 0x5a,
}

export const enum TimestampTag {
  Seconds = 0x08,
  Nanos = 0x10,
}
