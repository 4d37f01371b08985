// A server-streaming call over grpc-js for protobuf-es methods, read as it
// arrives: the tests wait for the n-th message, then cancel or read on.

import { create, fromBinary, toBinary, type DescMessage, type DescMethodServerStreaming, type MessageInitShape, type MessageShape } from "@bufbuild/protobuf";
import type { ClientReadableStream, Metadata, ServiceError } from "@grpc/grpc-js";
import type { GrpcClient } from "../../sidecar/grpc/grpc-client.js";
import { methodPath } from "../../sidecar/grpc/unary-method.js";

export class ServerStream<T> {
  readonly received: T[] = [];
  error: ServiceError | undefined;
  ended = false;
  private wake: () => void = () => undefined;

  constructor(
    private readonly call: ClientReadableStream<Buffer>,
    decode: (b: Buffer) => T,
  ) {
    call.on("data", (b: Buffer) => {
      this.received.push(decode(b));
      this.wake();
    });
    call.on("error", (err: ServiceError) => {
      this.error = err;
      this.wake();
    });
    call.on("end", () => {
      this.ended = true;
      this.wake();
    });
  }

  /** Resolves once `count` messages have arrived in all; fails on a stream error, an early end, or a timeout. */
  async waitFor(count: number, timeoutMs = 10_000): Promise<T[]> {
    await this.until(() => {
      if (this.received.length >= count) return true;
      if (this.error !== undefined) throw this.error;
      if (this.ended) throw new Error(`the stream ended after ${this.received.length} of ${count} messages`);
      return false;
    }, timeoutMs, () => `${this.received.length} of ${count} messages`);
    return this.received.slice(0, count);
  }

  /** Resolves when the stream has failed or ended. */
  finished(timeoutMs = 10_000): Promise<void> {
    return this.until(() => this.error !== undefined || this.ended, timeoutMs, () => "the stream still open");
  }

  cancel(): void {
    this.call.cancel();
  }

  private async until(done: () => boolean, timeoutMs: number, state: () => string): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!done()) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out with ${state()}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  }
}

export function serverStream<I extends DescMessage, O extends DescMessage>(
  client: GrpcClient,
  method: DescMethodServerStreaming<I, O>,
  request: MessageInitShape<I>,
  metadata: Metadata,
): ServerStream<MessageShape<O>> {
  const bytes = Buffer.from(toBinary(method.input, create(method.input, request)));
  const call = client.raw.makeServerStreamRequest(methodPath(method), (b: Buffer) => b, (b: Buffer) => b, bytes, metadata, {});
  return new ServerStream(call, (b) => fromBinary(method.output, b));
}
