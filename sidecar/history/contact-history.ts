// One contact's history, newest first, as GetContact shows it.

import type { HistoryEvent } from "../gen/dnc/v1/history_pb.js";
import type { DncList } from "../engine/dnc-list.js";
import { historyEventMessage } from "./history-event-message.js";

/** The newest `limit` events of the contact with this binary key (normaliseContact's `key`). */
export function contactHistory(list: DncList, contactKey: Uint8Array, limit: number): HistoryEvent[] {
  const id = list.index.contacts.lookup(contactKey, 0, contactKey.length);
  return id < 0 ? [] : contactHistoryById(list, id, limit);
}

export function contactHistoryById(list: DncList, contactId: number, limit: number): HistoryEvent[] {
  const events: HistoryEvent[] = [];
  for (const seq of list.store.historySeqsOfContact(contactId, true)) {
    if (events.length === limit) break;
    const event = list.store.historyEvent(seq);
    if (event !== undefined) events.push(historyEventMessage(event));
  }
  return events;
}
