// The per-channel view of one contact that operators know from hosted
// platforms: for each channel the contact's kind can be reached on, blocked
// or not, and by which entries.

import { create } from "@bufbuild/protobuf";
import { ChannelStatusSchema, type ChannelStatus } from "../gen/dnc/v1/admin_service_pb.js";
import { Channel, ContactKind, type Entry } from "../gen/dnc/v1/types_pb.js";

const PHONE_CHANNELS = [Channel.SMS, Channel.MMS, Channel.RCS, Channel.VIBER, Channel.WHATSAPP, Channel.VOICE];

function reachableChannels(kind: ContactKind): Channel[] {
  if (kind === ContactKind.EMAIL) return [Channel.EMAIL];
  if (kind === ContactKind.PHONE) return PHONE_CHANNELS;
  return [...PHONE_CHANNELS, Channel.EMAIL];
}

export function channelMatrix(kind: ContactKind, entries: Entry[]): ChannelStatus[] {
  return reachableChannels(kind).map((channel) => {
    const applying = entries.filter((e) => e.channel === Channel.UNSPECIFIED || e.channel === channel);
    const blocked = applying.some((e) => e.sender === "" && e.account === "");
    return create(ChannelStatusSchema, { channel, blocked, blockedForSome: !blocked && applying.length > 0, entries: applying });
  });
}
