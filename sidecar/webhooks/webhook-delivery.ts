// One delivery attempt: a change POSTed as the protobuf JSON of its
// dnc.v1.HistoryEvent, signed so the receiver can tell it came from here.
//
// Headers: `dnc-signature: sha256=<hex HMAC-SHA256(secret, body)>`,
// `dnc-seq` (the event's sequence number: a receiver that sees one twice,
// after a crash between its 2xx and our cursor write, can drop it) and
// `dnc-webhook-id`.

import { toJsonString } from "@bufbuild/protobuf";
import { createHmac } from "node:crypto";
import { HistoryEventSchema } from "../gen/dnc/v1/history_pb.js";
import { LinkedAbort } from "../async/linked-abort.js";
import { historyEventMessage } from "../history/history-event-message.js";
import type { HistoryEvent } from "../store/entry-store.js";
import type { StoredWebhook } from "./webhook-store.js";

export function signature(secret: string, body: string): string {
  return `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`;
}

/** Resolves when the receiver answered 2xx; throws with the reason otherwise. */
export async function deliver(hook: StoredWebhook, event: HistoryEvent, timeoutMs: number, signal: AbortSignal): Promise<void> {
  const body = toJsonString(HistoryEventSchema, historyEventMessage(event));
  const attempt = new LinkedAbort(signal);
  const timer = setTimeout(() => attempt.abort(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
  try {
    const res = await fetch(hook.url, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "user-agent": "dnc-webhook/1",
        "dnc-signature": signature(hook.secret, body),
        "dnc-seq": String(event.seq),
        "dnc-webhook-id": hook.id,
      },
      body,
      // A redirect is a misconfigured URL: fail and show it rather than post the change elsewhere.
      redirect: "manual",
      signal: attempt.signal,
    });
    await res.body?.cancel();
    if (res.status < 200 || res.status > 299) throw new Error(`HTTP ${res.status}`);
  } finally {
    clearTimeout(timer);
    attempt.release();
  }
}
