// A full-form FilterBatch's requests decoded once, before any is checked,
// into arrays reused across calls: the recipients' spans side by side for
// the native probe, and each request's channel, names and customer id for
// the verdicts and the counters, which then read them without decoding again.

import { InvalidArgumentError } from "../errors.js";
import { Channel } from "../gen/dnc/v1/types_pb.js";
import { DecodedSendRequest, type Span } from "./batch-decoder.js";

export class RequestColumns {
  count = 0;
  /** Pairs of (start, end): each request's recipient, both -1 when it has none. */
  recipients = new Int32Array(2 * 1024);
  /** Pairs of (start, end) of each request's own sender, account and customer id, both -1 when absent. */
  senders = new Int32Array(2 * 1024);
  accounts = new Int32Array(2 * 1024);
  customers = new Int32Array(2 * 1024);
  /** The channel each request is checked on: its own, else the batch's. */
  channels = new Int32Array(1024);
  /** Sender and account ids, filled by the engine. */
  senderIds = new Int32Array(1024);
  accountIds = new Int32Array(1024);
  private readonly request = new DecodedSendRequest();

  /**
   * Decodes the `count` request messages at `spans` in `buf`; throws
   * InvalidArgumentError naming the first request that is malformed, names
   * an unknown channel, or has none here or in the batch scope.
   */
  decode(buf: Uint8Array, spans: Int32Array, count: number, batchChannel: number): void {
    if (count > this.channels.length) this.grow(count);
    const req = this.request;
    for (let i = 0; i < count; i++) {
      req.decode(buf, spans[2 * i]!, spans[2 * i + 1]!, i);
      checkChannel(req.channel, `requests[${i}].channel`);
      const channel = req.channel !== Channel.UNSPECIFIED ? req.channel : batchChannel;
      if (channel === Channel.UNSPECIFIED) throw new InvalidArgumentError(`requests[${i}].channel`, "required, here or in the batch scope");
      this.channels[i] = channel;
      put(this.recipients, i, req.recipient);
      put(this.senders, i, req.sender);
      put(this.accounts, i, req.account);
      put(this.customers, i, req.customerId);
    }
    this.count = count;
  }

  private grow(count: number): void {
    this.recipients = new Int32Array(2 * count);
    this.senders = new Int32Array(2 * count);
    this.accounts = new Int32Array(2 * count);
    this.customers = new Int32Array(2 * count);
    this.channels = new Int32Array(count);
    this.senderIds = new Int32Array(count);
    this.accountIds = new Int32Array(count);
  }
}

function put(pairs: Int32Array, i: number, span: Span): void {
  pairs[2 * i] = span.start;
  pairs[2 * i + 1] = span.end;
}

export function checkChannel(channel: number, field: string): void {
  if (!Number.isInteger(channel) || channel < 0 || channel > Channel.VOICE) {
    throw new InvalidArgumentError(field, `unknown channel ${channel}`);
  }
}
