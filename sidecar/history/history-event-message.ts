// The stored history event as the API shows it (dnc.v1.HistoryEvent), and
// the action names both sides use.

import { create, fromBinary } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { HistoryAction, HistoryEventSchema, type HistoryEvent as HistoryEventMessage } from "../gen/dnc/v1/history_pb.js";
import { ImportJobSchema } from "../gen/dnc/v1/import_pb.js";
import { EntrySchema } from "../gen/dnc/v1/types_pb.js";
import type { HistoryAction as StoredAction, HistoryEvent } from "../store/entry-store.js";

export const ACTION_OF: Record<StoredAction, HistoryAction> = {
  added: HistoryAction.ADDED,
  repeated: HistoryAction.REPEATED,
  removed: HistoryAction.REMOVED,
  rejected: HistoryAction.REJECTED,
  exported: HistoryAction.EXPORTED,
  import_finished: HistoryAction.IMPORT_FINISHED,
};

export function historyEventMessage(event: HistoryEvent): HistoryEventMessage {
  return create(HistoryEventSchema, {
    seq: BigInt(event.seq),
    at: timestampFromMs(event.at),
    actor: event.actor,
    action: ACTION_OF[event.action],
    // An export or an import concerns many entries: the note or the job tells which.
    entry: event.action === "exported" || event.action === "import_finished" ? undefined : fromBinary(EntrySchema, event.entry),
    note: event.note ?? "",
    importJob: event.importJob === undefined ? undefined : fromBinary(ImportJobSchema, event.importJob),
  });
}
