// AdminService methods over the history: GetHistory, CheckAt (a past
// verdict, replayed from the history) and WatchChanges (the live feed).

import { create } from "@bufbuild/protobuf";
import type { CountryCode } from "libphonenumber-js";
import { WatchChangesResponseSchema, type WatchChangesResponse } from "../gen/dnc/v1/admin_service_pb.js";
import type { DncList } from "../engine/dnc-list.js";
import type { ChangeFeed } from "../history/change-feed.js";
import { historyEventMessage } from "../history/history-event-message.js";
import { getHistory } from "../history/history-query.js";
import { checkAt } from "../history/point-in-time-check.js";
import type { AdminImpl } from "./admin-impl.js";

export function historyMethods(
  list: DncList,
  feed: ChangeFeed,
  defaultCountry: CountryCode | undefined,
): Pick<AdminImpl, "getHistory" | "checkAt" | "watchChanges"> {
  return {
    getHistory: (req) => getHistory(list, req, defaultCountry),
    checkAt: (req) => checkAt(list, req, defaultCountry),
    watchChanges: (req, ctx) => watch(feed, Number(req.afterSeq), ctx.signal),
  };
}

async function* watch(feed: ChangeFeed, afterSeq: number, signal: AbortSignal): AsyncGenerator<WatchChangesResponse> {
  for await (const event of feed.watch(afterSeq, signal)) yield create(WatchChangesResponseSchema, { event: historyEventMessage(event) });
}
