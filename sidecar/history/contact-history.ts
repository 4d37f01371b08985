// One contact's history, newest first, as GetContact shows it.

import type { HistoryEvent } from "../gen/dnc/v1/history_pb.js";
import type { DncList } from "../engine/dnc-list.js";
import { historyEventMessage } from "./history-event-message.js";
import { olderHistoryToken } from "./history-query.js";

/** The newest `limit` events, and GetHistory's page token for the older ones when there are any. */
export function contactHistoryPage(list: DncList, contactKey: Uint8Array, limit: number): { events: HistoryEvent[]; nextPageToken: string } {
  const contactId = list.index.contacts.lookup(contactKey, 0, contactKey.length);
  if (contactId < 0) return { events: [], nextPageToken: "" };
  const events: HistoryEvent[] = [];
  let last = 0;
  for (const seq of list.store.historySeqsOfContact(contactId, true)) {
    if (events.length === limit) return { events, nextPageToken: olderHistoryToken(last) };
    const event = list.store.historyEvent(seq);
    if (event !== undefined) events.push(historyEventMessage(event));
    last = seq;
  }
  return { events, nextPageToken: "" };
}
