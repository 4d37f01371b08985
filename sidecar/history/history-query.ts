// GetHistory: the append-only history filtered by contact, actor, source,
// action and time, in sequence order either way, paged by sequence number.
// A call reads at most MAX_SCAN events: a narrow filter over a long history
// returns a short (even empty) page with a token to go on from, so no call
// holds a read transaction open for long.

import { create, fromBinary } from "@bufbuild/protobuf";
import type { CountryCode } from "libphonenumber-js";
import { InvalidArgumentError } from "../errors.js";
import { GetHistoryResponseSchema, type GetHistoryRequest, type GetHistoryResponse } from "../gen/dnc/v1/admin_service_pb.js";
import { HistoryAction, HistoryActionSchema, type HistoryEvent as HistoryEventMessage } from "../gen/dnc/v1/history_pb.js";
import { EntrySchema, Source } from "../gen/dnc/v1/types_pb.js";
import { checkedKind, normaliseContact, resolveCountry } from "../normalise/contact-normaliser.js";
import type { DncList } from "../engine/dnc-list.js";
import type { HistoryEvent } from "../store/entry-store.js";
import { cursorNumber, decodePageToken, encodePageToken } from "../admin/page-token.js";
import { requestTimeMs } from "../admin/request-time.js";
import { ACTION_OF, historyEventMessage } from "./history-event-message.js";

export const MAX_HISTORY_PAGE = 1000;
const DEFAULT_HISTORY_PAGE = 100;
const MAX_SCAN = 50_000;

/** Token orders, apart from EntryOrder's values so a ListEntries token is refused here. */
const NEWEST_FIRST = 100;
const OLDEST_FIRST = 101;

export function getHistory(list: DncList, req: GetHistoryRequest, serverCountry: CountryCode | undefined): GetHistoryResponse {
  list.assertOpen();
  const pageSize = req.pageSize === 0 ? DEFAULT_HISTORY_PAGE : req.pageSize;
  if (pageSize > MAX_HISTORY_PAGE) throw new InvalidArgumentError("page_size", `at most ${MAX_HISTORY_PAGE}`);
  const matches = eventPredicate(req);
  const order = req.oldestFirst ? OLDEST_FIRST : NEWEST_FIRST;
  const cursorText = decodePageToken(req.pageToken, order);
  const cursor = cursorText === undefined ? undefined : cursorNumber(cursorText, 16);
  const events = eventsOf(list, req, serverCountry, cursor);
  const page: HistoryEventMessage[] = [];
  let scanned = 0;
  let lastSeq = 0;
  for (const event of events) {
    if (matches(event)) {
      if (page.length === pageSize) return response(page, order, lastSeq);
      page.push(historyEventMessage(event));
    }
    lastSeq = event.seq;
    if (++scanned === MAX_SCAN) return response(page, order, lastSeq);
  }
  return response(page, order, 0);
}

/** GetHistory's token for the events of a contact older than `seq`, newest first. */
export function olderHistoryToken(seq: number): string {
  return encodePageToken(NEWEST_FIRST, seq.toString(16));
}

function response(events: HistoryEventMessage[], order: number, continueAfter: number): GetHistoryResponse {
  const nextPageToken = continueAfter === 0 ? "" : encodePageToken(order, continueAfter.toString(16));
  return create(GetHistoryResponseSchema, { events, nextPageToken });
}

/** The events to filter, in the asked order, strictly beyond `cursor`. */
function eventsOf(list: DncList, req: GetHistoryRequest, serverCountry: CountryCode | undefined, cursor: number | undefined): Iterable<HistoryEvent> {
  const store = list.store;
  if (req.contact === "") return req.oldestFirst ? store.historyAfter(cursor ?? 0) : store.historyBefore(cursor);
  const n = normaliseContact(req.contact, checkedKind(req.kind, "kind"), resolveCountry(req.defaultCountry, serverCountry, "default_country"), "find");
  if (!n.ok) throw new InvalidArgumentError("contact", n.reason);
  const id = list.index.contacts.lookup(n.key, 0, n.key.length);
  if (id < 0) return [];
  return (function* () {
    for (const seq of store.historySeqsOfContact(id, !req.oldestFirst, cursor)) {
      const event = store.historyEvent(seq);
      if (event !== undefined) yield event;
    }
  })();
}

function eventPredicate(req: GetHistoryRequest): (event: HistoryEvent) => boolean {
  req.actions.forEach((a, i) => {
    if (a === HistoryAction.UNSPECIFIED || HistoryActionSchema.value[a] === undefined) throw new InvalidArgumentError(`actions[${i}]`, `unknown value ${a}`);
  });
  req.sources.forEach((s, i) => {
    if (!Number.isInteger(s) || s < 0 || s > Source.EMAIL_SERVER) throw new InvalidArgumentError(`sources[${i}]`, `unknown value ${s}`);
  });
  const after = req.after === undefined ? -Infinity : requestTimeMs(req.after, "after");
  const before = req.before === undefined ? Infinity : requestTimeMs(req.before, "before");
  if (before <= after) throw new InvalidArgumentError("before", "must be later than after");
  const actors = new Set(req.actors);
  const actions = new Set(req.actions);
  const sources = new Set(req.sources);
  return (event) =>
    event.at >= after &&
    event.at < before &&
    (actors.size === 0 || actors.has(event.actor)) &&
    (actions.size === 0 || actions.has(ACTION_OF[event.action])) &&
    (sources.size === 0 || sources.has(fromBinary(EntrySchema, event.entry).source));
}
