// A small promise-based grpc-js client for protobuf-es services, used by the
// CLI, the tests and the benchmarks.

import { create, fromBinary, toBinary, type DescMessage, type DescMethodUnary, type MessageInitShape, type MessageShape } from "@bufbuild/protobuf";
import { Client, Metadata, credentials, type ChannelCredentials, type ServiceError } from "@grpc/grpc-js";
import { methodPath } from "./unary-method.js";

export interface GrpcClientOptions {
  /** An API key, sent as `authorization: Bearer <token>` on every call. */
  token?: string;
  /** TLS; plain text by default. */
  credentials?: ChannelCredentials;
}

export class GrpcClient {
  readonly raw: Client;
  private readonly token: string | undefined;

  /** `address` is `HOST:PORT` or `unix:PATH`. */
  constructor(address: string, options: GrpcClientOptions = {}) {
    this.token = options.token;
    this.raw = new Client(address, options.credentials ?? credentials.createInsecure(), {
      "grpc.max_receive_message_length": 64 * 1024 * 1024,
      "grpc.max_send_message_length": 64 * 1024 * 1024,
    });
  }

  call<I extends DescMessage, O extends DescMessage>(
    method: DescMethodUnary<I, O>,
    request: MessageInitShape<I>,
    metadata = new Metadata(),
  ): Promise<MessageShape<O>> {
    const bytes = Buffer.from(toBinary(method.input, create(method.input, request)));
    return this.callRaw(methodPath(method), bytes, metadata).then((res) => fromBinary(method.output, res));
  }

  /** A unary call with bytes in and out, for pre-serialised or deliberately malformed requests. */
  callRaw(path: string, request: Buffer, metadata = new Metadata()): Promise<Buffer> {
    if (this.token !== undefined && metadata.get("authorization").length === 0) {
      metadata = metadata.clone();
      metadata.set("authorization", `Bearer ${this.token}`);
    }
    return new Promise((resolve, reject) => {
      this.raw.makeUnaryRequest(
        path,
        (b: Buffer) => b,
        (b: Buffer) => b,
        request,
        metadata,
        {},
        (err: ServiceError | null, res?: Buffer) => (err ? reject(err) : resolve(res ?? Buffer.alloc(0))),
      );
    });
  }

  close(): void {
    this.raw.close();
  }
}
