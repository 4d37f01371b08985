// The filter port (--filter-listen): FilterService alone, on a port whose
// HTTP/2 connections and gRPC framing are held by a worker thread of their
// own. The worker hands each call's request bytes here, to the main
// thread, which answers them with the very methods the gRPC port uses
// (same list, same key check, same counters), so an answer on either port
// is the same answer at the same moment. On the gRPC port, under
// FilterBatch(1,000) load, dnc's code was two fifths of the one busy thread
// and Node's HTTP/2 and the kernel's socket work most of the rest (bench
// profile 102556Z); here that work runs on the second core.

import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import { messageOf } from "../errors.js";
import { decodeCall, encodeResponse, encodeStatus } from "./front-frames.js";
import type { TlsOptions } from "./grpc-server.js";
import { toGrpcStatus } from "./grpc-status.js";
import type { NativeUnaryMethod } from "./native-unary.js";

/** What the worker is started with. */
export interface FilterFrontJob {
  address: string;
  /** The methods' paths; a call names its method by its position here. */
  paths: string[];
  maxMessageBytes: number;
  tls: TlsOptions | undefined;
}

/** The worker's word on itself, apart from calls. */
export type FrontReport = { kind: "listening"; port: number } | { kind: "failed"; message: string } | { kind: "closed" };

/** The main thread's word to the worker, apart from answers. */
export interface FrontClose {
  kind: "close";
  graceMs: number;
}

/** As entry-key-scan.ts: from the sources (the test runner) the worker is the build's. */
const WORKER_FILE = fileURLToPath(
  import.meta.url.endsWith(".ts")
    ? new URL("../../dist/sidecar/grpc/filter-front-worker.js", import.meta.url)
    : new URL("./filter-front-worker.js", import.meta.url),
);

export class FilterFront {
  /** Set by stop(): the worker's end is then expected, not lost. */
  private closed: Promise<void> | undefined;

  private constructor(
    private readonly worker: Worker,
    /** The bound port (0 on a unix socket). */
    readonly port: number,
    private readonly whenClosed: Promise<void>,
  ) {}

  /**
   * Starts the worker and binds `address` (HOST:PORT or unix:PATH), in plain
   * text or TLS; `onLost` hears of a worker that ended while serving.
   */
  static start(
    address: string,
    methods: ReadonlyMap<string, NativeUnaryMethod>,
    maxMessageBytes: number,
    tls: TlsOptions | undefined,
    onLost: (message: string) => void,
  ): Promise<FilterFront> {
    if (!existsSync(WORKER_FILE)) return Promise.reject(new Error(`the filter port's worker ${WORKER_FILE} is not built (npm run build)`));
    const answerers = [...methods.values()];
    const job: FilterFrontJob = { address, paths: [...methods.keys()], maxMessageBytes, tls };
    const worker = new Worker(WORKER_FILE, { workerData: job });
    let front: FilterFront | undefined;
    let closedNow!: () => void;
    const whenClosed = new Promise<void>((resolve) => (closedNow = resolve));
    return new Promise<FilterFront>((resolve, reject) => {
      worker.on("message", (message: ArrayBuffer | FrontReport) => {
        if (message instanceof ArrayBuffer) {
          const call = decodeCall(message);
          let frame: ArrayBuffer;
          try {
            frame = encodeResponse(call.id, answerers[call.method]!(call.request, call.authorization));
          } catch (err: unknown) {
            frame = encodeStatus(call.id, toGrpcStatus(err));
          }
          worker.postMessage(frame, [frame]);
        } else if (message.kind === "listening") {
          front = new FilterFront(worker, message.port, whenClosed);
          resolve(front);
        } else if (message.kind === "failed") {
          reject(new Error(message.message));
          void worker.terminate();
        } else closedNow();
      });
      // Without a listener an error in the worker would end the process; the worker exits after it.
      worker.on("error", (err: unknown) => {
        if (front === undefined) reject(err);
        else if (front.closed === undefined) onLost(`the filter port's worker failed: ${messageOf(err)}`);
      });
      worker.on("exit", (code) => {
        closedNow();
        if (front === undefined) reject(new Error(`the filter port's worker exited (${code}) before it listened`));
        else if (front.closed === undefined) onLost(`the filter port's worker exited (${code}): the port is closed`);
      });
    });
  }

  /** Stops taking connections; calls under way are answered for up to `graceMs`, then the rest are cut. */
  stop(graceMs: number): Promise<void> {
    if (this.closed !== undefined) return this.closed;
    const close: FrontClose = { kind: "close", graceMs };
    this.worker.postMessage(close);
    // A worker that does not say it closed is ended a second after the grace period all the same.
    const cut = new Promise<void>((resolve) => setTimeout(resolve, graceMs + 1_000).unref());
    this.closed = Promise.race([this.whenClosed, cut])
      .then(() => this.worker.terminate())
      .then(() => undefined);
    return this.closed;
  }
}
