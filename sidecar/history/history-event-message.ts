// The stored history event as the API shows it (dnc.v1.HistoryEvent), and
// the action names both sides use.

import { create, fromBinary } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { HistoryAction, HistoryEventSchema, type HistoryEvent as HistoryEventMessage } from "../gen/dnc/v1/history_pb.js";
import { EntrySchema } from "../gen/dnc/v1/types_pb.js";
import type { HistoryAction as StoredAction, HistoryEvent } from "../store/entry-store.js";

export const ACTION_OF: Record<StoredAction, HistoryAction> = {
  added: HistoryAction.ADDED,
  repeated: HistoryAction.REPEATED,
  removed: HistoryAction.REMOVED,
  rejected: HistoryAction.REJECTED,
};

export function historyEventMessage(event: HistoryEvent): HistoryEventMessage {
  return create(HistoryEventSchema, {
    seq: BigInt(event.seq),
    at: timestampFromMs(event.at),
    actor: event.actor,
    action: ACTION_OF[event.action],
    entry: fromBinary(EntrySchema, event.entry),
    note: event.note ?? "",
  });
}
