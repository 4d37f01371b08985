// The webhooks as a whole: registers and deletes them, and runs one
// delivery worker per webhook from start to shutdown. Workers read the
// change feed on their own, so a slow or dead receiver never holds up a
// write or another webhook.

import { create } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { randomBytes, randomUUID } from "node:crypto";
import { InvalidArgumentError, NotFoundError } from "../errors.js";
import { WebhookSchema, type Webhook } from "../gen/dnc/v1/webhook_pb.js";
import type { ChangeFeed } from "../history/change-feed.js";
import { DEFAULT_DELIVERY, WebhookWorker, type DeliveryOptions } from "./webhook-worker.js";
import type { WebhookStore } from "./webhook-store.js";

const MAX_URL_CHARS = 2048;

export class WebhookDispatcher {
  private readonly workers = new Map<string, WebhookWorker>();

  constructor(
    private readonly feed: ChangeFeed,
    private readonly store: WebhookStore,
    private readonly options: DeliveryOptions = DEFAULT_DELIVERY,
  ) {}

  /** Resumes every stored webhook from its cursor. */
  start(): void {
    for (const hook of this.store.all()) this.workers.set(hook.id, new WebhookWorker(hook, this.feed, this.store, this.options));
  }

  /** Registers `url`; it receives every change committed from now on. Returns it and its secret. */
  async create(url: string, createdBy: string): Promise<{ webhook: Webhook; secret: string }> {
    const hook = {
      id: randomUUID(),
      url: checkedUrl(url),
      secret: randomBytes(32).toString("base64url"),
      createdAt: Date.now(),
      createdBy,
      deliveredSeq: this.feed.lastSeq,
    };
    await this.store.put(hook);
    const worker = new WebhookWorker(hook, this.feed, this.store, this.options);
    this.workers.set(hook.id, worker);
    return { webhook: message(worker), secret: hook.secret };
  }

  list(): Webhook[] {
    return [...this.workers.values()].sort((a, b) => a.webhook.createdAt - b.webhook.createdAt).map(message);
  }

  async delete(id: string): Promise<void> {
    const worker = this.workers.get(id);
    if (worker === undefined) throw new NotFoundError(`no webhook with id '${id}'`);
    this.workers.delete(id);
    await worker.stop();
    await this.store.remove(id);
  }

  /** Cancels deliveries in flight; undelivered changes go out after the next start. */
  async stop(): Promise<void> {
    const workers = [...this.workers.values()];
    this.workers.clear();
    await Promise.all(workers.map((w) => w.stop()));
  }
}

/**
 * The URL as deliveries will call it. The URL parser mends what it is given
 * (drops spaces, tabs and line breaks, adds a missing '//'), so a URL it
 * would have to mend is refused: stored as typed, ListWebhooks showed one
 * address and deliveries went to another.
 */
function checkedUrl(url: string): string {
  if (url.length > MAX_URL_CHARS) throw new InvalidArgumentError("url", `longer than ${MAX_URL_CHARS} characters`);
  if (/[\0-\x20\x7f]/.test(url)) throw new InvalidArgumentError("url", "holds a space or a control character; percent-encode it");
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new InvalidArgumentError("url", "not a valid absolute URL");
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") throw new InvalidArgumentError("url", "must be an http:// or https:// URL");
  if (!/^https?:\/\/[^/\\]/i.test(url)) throw new InvalidArgumentError("url", "must name its host after 'http://' or 'https://'");
  // fetch refuses such a URL on every attempt, and the attempt's error, shown by ListWebhooks, would hold the password.
  if (parsed.username !== "" || parsed.password !== "") {
    throw new InvalidArgumentError("url", "must not hold a user name or password; a receiver checks the deliveries by their dnc-signature header");
  }
  return parsed.href;
}

function message(worker: WebhookWorker): Webhook {
  const hook = worker.webhook;
  return create(WebhookSchema, {
    id: hook.id,
    url: hook.url,
    createdAt: timestampFromMs(hook.createdAt),
    createdBy: hook.createdBy,
    deliveredSeq: BigInt(hook.deliveredSeq),
    lastError: worker.lastError,
  });
}
