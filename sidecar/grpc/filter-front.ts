// The filter port (--filter-listen): FilterService alone, on a port whose
// HTTP/2 connections and gRPC framing are held by a worker thread of their
// own. The worker hands each call's request bytes to the main thread, which
// answers them with the very methods the gRPC port uses (same list, same key
// check, same counters), so an answer on either port is the same answer at
// the same moment. On the gRPC port, under FilterBatch(1,000) load, dnc's
// code was two fifths of the one busy thread and Node's HTTP/2 and the
// kernel's socket work most of the rest (bench profile 102556Z); here that
// work runs on the second core. A worker that ends while the port serves is
// started again on the same address: the gateway's connections break once,
// and its reconnects find the port again instead of a port closed until the
// sidecar restarts.

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

/** What the filter port tells the operator of its worker: lost (an error) and back (information). */
export interface FrontEvents {
  lost(message: string): void;
  restored(message: string): void;
}

/** As entry-key-scan.ts: from the sources (the test runner) the worker is the build's. */
const WORKER_FILE = fileURLToPath(
  import.meta.url.endsWith(".ts")
    ? new URL("../../dist/sidecar/grpc/filter-front-worker.js", import.meta.url)
    : new URL("./filter-front-worker.js", import.meta.url),
);

/** The wait before starting a lost worker again, doubled after each start that fails, up to the most. */
const FIRST_RESTART_MS = 100;
const MOST_RESTART_MS = 10_000;

/** One worker: listening resolves with its bound port, or rejects; exited resolves once it is gone. */
interface Launched {
  worker: Worker;
  listening: Promise<number>;
  exited: Promise<string>;
}

function launch(job: FilterFrontJob, answerers: NativeUnaryMethod[]): Launched {
  const worker = new Worker(WORKER_FILE, { workerData: job });
  let listened!: (port: number) => void;
  let failed!: (err: Error) => void;
  const listening = new Promise<number>((resolve, reject) => ((listened = resolve), (failed = reject)));
  let why = "";
  let gone!: (why: string) => void;
  const exited = new Promise<string>((resolve) => (gone = resolve));
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
    } else if (message.kind === "listening") listened(message.port);
    else if (message.kind === "failed") {
      failed(new Error(message.message));
      void worker.terminate();
    } else gone("closed");
  });
  // Without a listener an error in the worker would end the process; the worker exits after it.
  worker.on("error", (err: unknown) => (why = `failed: ${messageOf(err)}`));
  worker.on("exit", (code) => {
    const said = why === "" ? `exited (${code})` : why;
    failed(new Error(`the filter port's worker ${said} before it listened`));
    gone(said);
  });
  return { worker, listening, exited };
}

/**
 * The address a lost worker is started again on: a port chosen by the
 * system (":0") is the one it chose. A unix socket's file goes with the
 * lost worker's server (libuv unlinks it as the worker's handles close);
 * one that is there all the same is not ours to remove, and the start
 * fails and is tried again.
 */
function boundAddress(address: string, port: number): string {
  return address.startsWith("unix:") ? address : `${address.slice(0, address.lastIndexOf(":"))}:${port}`;
}

export class FilterFront {
  private current: Launched;
  /** Set by stop(): the worker's end is then expected, not lost. */
  private closed: Promise<void> | undefined;
  private restartTimer: NodeJS.Timeout | undefined;
  private restartMs = FIRST_RESTART_MS;

  private constructor(
    first: Launched,
    /** The bound port (0 on a unix socket). */
    readonly port: number,
    /** What a lost worker is started again with: the first's, on the address it bound. */
    private readonly again: FilterFrontJob,
    private readonly answerers: NativeUnaryMethod[],
    private readonly events: FrontEvents,
  ) {
    this.current = first;
    this.watch(first);
  }

  /**
   * Starts the worker and binds `address` (HOST:PORT or unix:PATH), in plain
   * text or TLS; `events` hears of a worker lost while serving, and of the
   * port served again.
   */
  static async start(
    address: string,
    methods: ReadonlyMap<string, NativeUnaryMethod>,
    maxMessageBytes: number,
    tls: TlsOptions | undefined,
    events: FrontEvents,
  ): Promise<FilterFront> {
    if (!existsSync(WORKER_FILE)) throw new Error(`the filter port's worker ${WORKER_FILE} is not built (npm run build)`);
    const answerers = [...methods.values()];
    const job: FilterFrontJob = { address, paths: [...methods.keys()], maxMessageBytes, tls };
    const first = launch(job, answerers);
    const port = await first.listening;
    return new FilterFront(first, port, { ...job, address: boundAddress(address, port) }, answerers, events);
  }

  /** Stops taking connections; calls under way are answered for up to `graceMs`, then the rest are cut. */
  stop(graceMs: number): Promise<void> {
    if (this.closed !== undefined) return this.closed;
    clearTimeout(this.restartTimer);
    const { worker, exited } = this.current;
    const close: FrontClose = { kind: "close", graceMs };
    worker.postMessage(close);
    // A worker that does not say it closed is ended a second after the grace period all the same.
    const cut = new Promise<void>((resolve) => setTimeout(resolve, graceMs + 1_000).unref());
    this.closed = Promise.race([exited, cut])
      .then(() => worker.terminate())
      .then(() => undefined);
    return this.closed;
  }

  private watch(launched: Launched): void {
    const serving = Date.now();
    void launched.exited.then((why) => {
      if (this.closed !== undefined || launched !== this.current) return;
      // A worker that served a while before it was lost is started again at once; one that keeps failing, less and less often.
      if (Date.now() - serving > MOST_RESTART_MS) this.restartMs = FIRST_RESTART_MS;
      const delay = this.restartLater();
      this.events.lost(`the filter port's worker ${why}: the port is closed until it starts again, in ${delay} ms`);
    });
  }

  /** Schedules the next start, before anything is said of it; returns its delay. */
  private restartLater(): number {
    const delay = this.restartMs;
    this.restartTimer = setTimeout(() => void this.restart(), delay);
    this.restartTimer.unref();
    this.restartMs = Math.min(MOST_RESTART_MS, delay * 2);
    return delay;
  }

  private async restart(): Promise<void> {
    if (this.closed !== undefined) return;
    try {
      // A worker that cannot even be made (no memory for a thread) is a failed start too, tried again later.
      const next = launch(this.again, this.answerers);
      this.current = next;
      await next.listening;
    } catch (err: unknown) {
      if (this.closed !== undefined) return;
      const delay = this.restartLater();
      this.events.lost(`the filter port's worker could not start again: ${messageOf(err)}; next try in ${delay} ms`);
      return;
    }
    if (this.closed !== undefined) return;
    this.events.restored(`the filter port serves again on ${this.again.address}: its worker started again`);
    this.watch(this.current);
  }
}
