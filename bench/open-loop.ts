// Latency at a fixed request rate, open loop: sends are scheduled at the
// rate whatever the answers do, and each latency runs from the send's
// scheduled time, so that a stall shows in the percentiles instead of
// quietly lowering the load (no coordinated omission).

import { build, type Histogram } from "hdr-histogram-js";
import { performance } from "node:perf_hooks";
import { fmt } from "./report.js";

/** Percentiles the figures and the chart report; the last is the maximum. */
export const PERCENTILES = [50, 90, 99, 99.9, 99.99, 100] as const;

export interface OpenLoopResult {
  /** Microseconds from scheduled send to answer. */
  histogram: Histogram;
  scheduledRate: number;
  /** Answers per second over the run, which falls below the schedule when the client or the server cannot keep up. */
  achievedRate: number;
  /** Calls that failed or were not sent (too many outstanding); each is in the histogram as a minute. */
  errors: number;
  firstError?: unknown;
}

/** Microseconds; an answer later than a minute is recorded as a minute, and so is a failed call: it never came. */
const HIGHEST_US = 60_000_000;
/**
 * Calls waiting for an answer beyond which a send is not made but counted as
 * failed: a server that has fallen that far behind would only be buried.
 */
const MAX_OUTSTANDING = 4_096;

/**
 * Calls `send(i)` for i = 0, 1, … at `rate` per second for `seconds`. The
 * event loop spins on setImmediate between sends: a timer's millisecond
 * granularity would bunch sends and count the bunching as latency.
 */
export function openLoop(send: (i: number) => Promise<unknown>, rate: number, seconds: number): Promise<OpenLoopResult> {
  const histogram = build({ lowestDiscernibleValue: 1, highestTrackableValue: HIGHEST_US, numberOfSignificantValueDigits: 3 });
  const total = Math.max(1, Math.round(rate * seconds));
  const interval = 1000 / rate;
  const start = performance.now() + 1;
  let sent = 0;
  let answered = 0;
  let errors = 0;
  let firstError: unknown;
  return new Promise((resolve) => {
    const answer = (scheduled: number, failed: boolean, err?: unknown) => {
      const us = Math.round((performance.now() - scheduled) * 1000);
      histogram.recordValue(failed ? HIGHEST_US : Math.min(HIGHEST_US, Math.max(1, us)));
      if (failed) {
        errors++;
        firstError ??= err;
      }
      if (++answered === total) {
        const elapsed = (performance.now() - start) / 1000;
        resolve({ histogram, scheduledRate: rate, achievedRate: total / elapsed, errors, firstError });
      }
    };
    const tick = () => {
      const now = performance.now();
      while (sent < total && start + sent * interval <= now) {
        const scheduled = start + sent * interval;
        if (sent - answered >= MAX_OUTSTANDING) {
          sent++;
          answer(scheduled, true, new Error(`not sent: ${MAX_OUTSTANDING} calls outstanding`));
          continue;
        }
        send(sent++).then(
          () => answer(scheduled, false),
          (err: unknown) => answer(scheduled, true, err),
        );
      }
      if (sent < total) setImmediate(tick);
    };
    setImmediate(tick);
  });
}

/** [percentile, milliseconds] for each of PERCENTILES. */
export function percentilesMs(histogram: Histogram): [number, number][] {
  // A percentile reads as the top of its bucket, which can pass the exact maximum.
  const max = histogram.maxValue;
  return PERCENTILES.map((p) => [p, Math.min(max, histogram.getValueAtPercentile(p)) / 1000]);
}

/** Below this share of the scheduled rate, a run's description says that the client could not keep up. */
const KEPT_UP = 0.97;

/** A run in words for a figure's detail: the percentiles beside p99, how many calls at what rate, and what went wrong. */
export function describeOpenLoop(result: OpenLoopResult): string {
  const ms = (v: number): string => fmt(v, 3);
  const [p50, , , p999, , max] = percentilesMs(result.histogram).map(([, v]) => v);
  const pace =
    result.achievedRate < KEPT_UP * result.scheduledRate
      ? `; the client fell behind: ${fmt(result.achievedRate)} of ${fmt(result.scheduledRate)} req/s answered, the rest count as queueing`
      : "";
  const errors = result.errors === 0 ? "" : `; ${fmt(result.errors)} calls failed, each counted as a minute (first: ${String(result.firstError)})`;
  return `p50 ${ms(p50!)}, p99.9 ${ms(p999!)}, max ${ms(max!)} ms; ${fmt(result.histogram.totalCount)} calls at ${fmt(result.scheduledRate)}/s, open loop, raw HTTP/2 client${pace}${errors}`;
}

/** The p99 of `percentilesMs`'s list. */
export function p99Ms(percentiles: [number, number][]): number {
  return percentiles.find(([p]) => p === 99)![1];
}
