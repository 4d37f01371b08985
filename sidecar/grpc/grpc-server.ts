// The data port: grpc-js serving AdminService, the standard health service
// and server reflection, with native-unary.ts in front of it answering the
// FilterService's calls on its HTTP/2 server.

import { Server, ServerCredentials } from "@grpc/grpc-js";
import type { Http2Server, IncomingHttpHeaders, ServerHttp2Session, ServerHttp2Stream } from "node:http2";
import { ReflectionService } from "@grpc/reflection";
import { HealthImplementation } from "grpc-health-check";
import { NativeUnaryDoor, type NativeUnaryMethod } from "./native-unary.js";
import type { RawService } from "./unary-method.js";
import { reflectionPackage } from "./reflection-files.js";

export const MAX_MESSAGE_BYTES = 32 * 1024 * 1024;

/**
 * How much a client may send on a connection, and on each stream, before
 * the sidecar has read it. HTTP/2's default, 64 KB for the whole
 * connection, held four FilterBatch(1,000) requests: a client with more in
 * flight waited for a window update after each few, and the sidecar got its
 * next batch later. With 1 MB, h2load's FilterBatch(1,000) at 32 streams ran
 * 20% faster (scratch, 2M entries).
 */
export const RECEIVE_WINDOW_BYTES = 1024 * 1024;

/** PEM contents. With `clientCa`, TLS is mutual: a client must present a certificate that CA signed. */
export interface TlsOptions {
  cert: Buffer;
  key: Buffer;
  clientCa?: Buffer;
}

/**
 * The server's options. Channelz is off: it records every call (a Date and
 * a closure of trackers each) for a channelz service the sidecar does not
 * serve, so nothing could ever read it.
 */
export const GRPC_SERVER_OPTIONS = {
  "grpc.max_receive_message_length": MAX_MESSAGE_BYTES,
  "grpc.max_send_message_length": MAX_MESSAGE_BYTES,
  "grpc.enable_channelz": 0,
} as const;

export class GrpcServer {
  private readonly server = new Server(GRPC_SERVER_OPTIONS);
  readonly health = new HealthImplementation({ "": "NOT_SERVING" });
  /** grpc-js's HTTP/2 servers given the wider window and the native door. */
  private readonly takenOver = new WeakSet<Http2Server>();
  readonly native: NativeUnaryDoor;

  /** `native`: unary methods answered ahead of grpc-js, by path (the FilterService's). */
  constructor(services: Record<string, RawService>, native: ReadonlyMap<string, NativeUnaryMethod>) {
    for (const [, s] of Object.entries(services)) this.server.addService(s.definition, s.implementation);
    this.native = new NativeUnaryDoor(native, MAX_MESSAGE_BYTES, MAX_MESSAGE_BYTES);
    this.health.addToServer(this.server);
    new ReflectionService(reflectionPackage()).addToServer(this.server);
  }

  /** Binds `HOST:PORT` or `unix:PATH`, in plain text or TLS; resolves to the bound port (0 for a socket). */
  listen(address: string, tls?: TlsOptions): Promise<number> {
    const credentials =
      tls === undefined
        ? ServerCredentials.createInsecure()
        : ServerCredentials.createSsl(tls.clientCa ?? null, [{ cert_chain: tls.cert, private_key: tls.key }], tls.clientCa !== undefined);
    return new Promise((resolve, reject) => {
      this.server.bindAsync(address, credentials, (err, port) => {
        if (err) {
          reject(err);
          return;
        }
        try {
          this.takeOverServers();
        } catch (e: unknown) {
          reject(e);
          return;
        }
        resolve(port);
      });
    });
  }

  /**
   * Gives each new connection RECEIVE_WINDOW_BYTES, and puts the native
   * door in front of grpc-js's stream handler. grpc-js (1.14) has no server
   * option for either, nor a hook on its HTTP/2 sessions and streams: its
   * own map of its servers is the one handle.
   */
  private takeOverServers(): void {
    const servers = (this.server as unknown as { http2Servers?: Map<Http2Server, unknown> }).http2Servers;
    for (const server of servers?.keys() ?? []) {
      if (this.takenOver.has(server)) continue;
      this.takenOver.add(server);
      this.answerNativelyOn(server);
      server.on("session", (session: ServerHttp2Session) => {
        try {
          session.settings({ initialWindowSize: RECEIVE_WINDOW_BYTES });
          session.setLocalWindowSize(RECEIVE_WINDOW_BYTES);
        } catch {
          // A connection that closed as it opened keeps the default windows: a throw here would end the process.
        }
      });
    }
  }

  /** Routes the native door's paths to it and every other stream to grpc-js. */
  private answerNativelyOn(server: Http2Server): void {
    const listeners = server.listeners("stream");
    // A grpc-js that takes its streams another way would leave the FilterService unserved: better not to start.
    if (listeners.length !== 1) throw new Error(`grpc-js's HTTP/2 server has ${listeners.length} stream listeners where dnc expects one`);
    const grpcJs = listeners[0] as (...args: unknown[]) => void;
    const native = this.native;
    server.removeListener("stream", grpcJs);
    server.on("stream", function (this: Http2Server, stream: ServerHttp2Stream, headers: IncomingHttpHeaders, ...rest: unknown[]) {
      const method = native.methodFor(headers[":path"]);
      if (method !== undefined) native.serve(stream, headers, method);
      else grpcJs.call(this, stream, headers, ...rest);
    });
  }

  setServing(services: string[], serving: boolean): void {
    for (const s of ["", ...services]) this.health.setStatus(s, serving ? "SERVING" : "NOT_SERVING");
  }

  /** Lets in-flight calls finish, up to `graceMs`, then closes what is left. */
  shutdown(graceMs: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.server.forceShutdown();
        resolve();
      }, graceMs);
      this.server.tryShutdown(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }
}
