// Runs an admin call the same way whichever door it came through: checks the
// bearer key and the method's role, hands the request to the AdminImpl, and
// logs the call with its outcome, refused attempts included. The doors only
// translate their wire format and map errors to their own status codes.

import type { DescMethod, Message } from "@bufbuild/protobuf";
import type { AdminAuth } from "../auth/admin-auth.js";
import type { AdminCallFields, AdminCallLog, Door } from "../logging/admin-call-log.js";
import type { AdminImpl } from "./admin-impl.js";
import type { CallContext } from "./call-context.js";

/** A request message, or for a client-streaming method the stream of them. */
type AnyHandler = (req: Message | AsyncIterable<Message>, ctx: CallContext) => unknown;

export interface AdminCall {
  door: Door;
  method: DescMethod;
  /** The `authorization` header, as received. */
  authorization: string | undefined;
  /** The client's address, for the log. */
  peer: string | undefined;
  /** Aborted when the client goes away. */
  signal: AbortSignal;
}

function decoded(request: Message | (() => Message)): Message {
  return typeof request === "function" ? request() : request;
}

export class AdminGate {
  constructor(
    private readonly impl: AdminImpl,
    private readonly auth: AdminAuth,
    private readonly log: AdminCallLog,
  ) {}

  /**
   * `request` is the decoded request, or a function that decodes it: a door
   * that holds raw bytes passes the function, so a caller without a valid key
   * learns nothing from how its bytes decode.
   */
  async unary(call: AdminCall, request: Message | (() => Message)): Promise<Message> {
    const fields = this.fields(call);
    try {
      const ctx = this.context(call, fields);
      const res = (await this.handler(call)(decoded(request), ctx)) as Message;
      this.log.record(fields, undefined, call.signal.aborted);
      return res;
    } catch (err: unknown) {
      this.log.record(fields, err, call.signal.aborted);
      throw err;
    }
  }

  /**
   * A stream opened with a key that is then revoked ends at once
   * (UNAUTHENTICATED), idle or not: its handler's signal aborts at the
   * revocation, and the key is checked again before each message. The call
   * is logged when the stream ends, however it ends (a consumer that stops
   * early ends it too).
   */
  async *stream(call: AdminCall, request: Message | (() => Message)): AsyncGenerator<Message> {
    const fields = this.fields(call);
    const revoked = new AbortController();
    let unsubscribe = () => {};
    let error: unknown;
    try {
      const ctx = this.context(call, fields);
      unsubscribe = this.auth.onRevoked(ctx.principal, () => revoked.abort());
      const signal = AbortSignal.any([call.signal, revoked.signal]);
      for await (const message of this.handler(call)(decoded(request), { ...ctx, signal }) as AsyncIterable<Message>) {
        this.recheck(call);
        yield message;
      }
      // A handler that ended on its signal, quietly or with an error of its own, was stopped by the revocation: say so.
      if (revoked.signal.aborted) this.recheck(call);
    } catch (err: unknown) {
      error = (revoked.signal.aborted && this.keyError(call)) || err;
      throw error;
    } finally {
      unsubscribe();
      this.log.record(fields, error, call.signal.aborted);
    }
  }

  /**
   * A client-streaming call: the key is checked before the handler reads a
   * message, so a caller without one learns nothing from how its stream
   * decodes. `requests` decodes lazily, as the handler reads it. The key is
   * checked again before each message and after the last, so an upload whose
   * key is revoked on the way fails (UNAUTHENTICATED) and is not kept.
   */
  clientStream(call: AdminCall, requests: AsyncIterable<Message>): Promise<Message> {
    return this.custom(call, (ctx) => this.handler(call)(this.whileAdmitted(call, requests), ctx) as Promise<Message>);
  }

  private async *whileAdmitted(call: AdminCall, requests: AsyncIterable<Message>): AsyncGenerator<Message> {
    for await (const message of requests) {
      this.recheck(call);
      yield message;
    }
    this.recheck(call);
  }

  private recheck(call: AdminCall): void {
    this.auth.authorize(this.auth.authenticate(call.authorization), call.method.localName);
  }

  /** What recheck throws now, if anything. */
  private keyError(call: AdminCall): unknown {
    try {
      this.recheck(call);
      return undefined;
    } catch (err: unknown) {
      return err;
    }
  }

  /**
   * A call that a door serves its own way (a plain HTTP route on the admin
   * port, say): checked as `call.method` and logged like the others, with
   * `run` doing the work.
   */
  async custom<T>(call: AdminCall, run: (ctx: CallContext) => Promise<T>): Promise<T> {
    const fields = this.fields(call);
    try {
      const res = await run(this.context(call, fields));
      this.log.record(fields, undefined, call.signal.aborted);
      return res;
    } catch (err: unknown) {
      this.log.record(fields, err, call.signal.aborted);
      throw err;
    }
  }

  /**
   * Checks a call's key and role before its request is read, and logs a
   * refusal: a door whose framework reads and decodes the body before the
   * call reaches the gate (connect-es) asks here first, so a caller without
   * a valid key costs no decoding and learns nothing from it. An admitted
   * call is checked, and logged, again as it runs.
   */
  admit(call: AdminCall): void {
    const fields = this.fields(call);
    try {
      this.context(call, fields);
    } catch (err: unknown) {
      this.log.record(fields, err, call.signal.aborted);
      throw err;
    }
  }

  private fields(call: AdminCall): AdminCallFields {
    return { door: call.door, method: call.method.name, principal: undefined, peer: call.peer, startedAt: performance.now() };
  }

  private handler(call: AdminCall): AnyHandler {
    return (this.impl as unknown as Record<string, AnyHandler>)[call.method.localName]!;
  }

  private context(call: AdminCall, fields: AdminCallFields): CallContext {
    const principal = this.auth.authenticate(call.authorization);
    fields.principal = principal.name;
    this.auth.authorize(principal, call.method.localName);
    return { principal: principal.name, role: principal.role, signal: call.signal };
  }
}
