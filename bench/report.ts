// The benchmark's output: one printed line per figure and per comparison with
// a peer, each beside the target it is held against, and the same collected
// for the results: <timestamp>.json, a Markdown report and its SVG charts.

import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { markdownReport } from "./markdown-report.js";
import { barChart, latencyChart } from "./svg-charts.js";

export interface Target {
  /** "min": the figure must reach the value; "max": it must not exceed it. */
  kind: "min" | "max";
  value: number;
  /** What the target is stated for, when it differs from the run (e.g. "at 10M entries"). */
  scope?: string;
}

/** Where a throughput figure goes in the bar chart: one group per batch, one bar per system. */
export interface Plot {
  group: string;
  series: string;
}

export interface Figure {
  name: string;
  value: number;
  unit: string;
  detail?: string;
  target?: Target & { met: boolean };
  plot?: Plot;
}

/** dnc's figure beside the peers' figures for the same work; ratio = dnc / peer. */
export interface Comparison {
  metric: string;
  unit: string;
  dnc: { figure: string; value: number };
  peers: { system: string; figure: string; value: number; ratio: number }[];
  /** The ratio to `system` must be ≥ (min) or ≤ (max) `ratio`. */
  target?: { system: string; kind: "min" | "max"; ratio: number; met: boolean };
}

/** A latency distribution for the percentile chart: [percentile, milliseconds], the last being the maximum. */
export interface LatencyRun {
  name: string;
  percentiles: [number, number][];
  /** The p99 bound the run is held against, drawn as a line. */
  targetMs?: number;
}

/** A block of Markdown lines under its own heading, e.g. a CPU profile's top frames. */
export interface Appendix {
  title: string;
  lines: string[];
}

export interface ResultFiles {
  json: string;
  markdown: string;
}

export const fmt = (n: number, digits = 0): string =>
  n.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });

/** A value with the digits its size deserves: 1.25, 12.5, 125. */
export const fmtValue = (value: number): string =>
  fmt(value, Math.abs(value) < 10 && !Number.isInteger(value) ? 2 : Math.abs(value) < 100 && !Number.isInteger(value) ? 1 : 0);

const met = (kind: "min" | "max", value: number, bound: number): boolean => (kind === "min" ? value >= bound : value <= bound);

export class Report {
  readonly figures: Figure[] = [];
  readonly notes: string[] = [];
  readonly comparisons: Comparison[] = [];
  readonly latencies: LatencyRun[] = [];
  readonly appendices: Appendix[] = [];

  /** `judging` false (a smoke run) records every figure but holds none against its target. */
  constructor(private readonly judging = true) {}

  /** `judged` is what the target is held against when it is not the value itself (e.g. a value scaled to 10M entries). */
  figure(name: string, value: number, unit: string, detail?: string, target?: Target, more: { judged?: number; plot?: Plot } = {}): void {
    const judged = more.judged ?? value;
    const figure: Figure = { name, value, unit, detail, plot: more.plot };
    if (target !== undefined && this.judging) figure.target = { ...target, met: met(target.kind, judged, target.value) };
    this.figures.push(figure);
    let line = `${name.padEnd(44)} ${fmtValue(value).padStart(13)} ${unit}`;
    if (figure.target !== undefined) {
      const t = figure.target;
      const scope = t.scope === undefined ? "" : ` ${t.scope}`;
      line += `   [target ${t.kind === "min" ? "≥" : "≤"} ${fmt(t.value)} ${unit}${scope}: ${t.met ? "PASS" : "SHORT"}]`;
    }
    if (detail !== undefined) line += `   ${detail}`;
    console.log(line);
  }

  /** A line that is not a figure: a skipped step and why. */
  note(text: string): void {
    this.notes.push(text);
    console.log(text);
  }

  find(name: string): Figure | undefined {
    return this.figures.find((f) => f.name === name);
  }

  /**
   * Sets dnc's figure `dncFigure` beside each peer figure that was measured
   * (a skipped peer is left out) and prints the ratios; nothing when dnc's
   * figure or every peer's is missing.
   */
  compare(metric: string, dncFigure: string, peers: [system: string, figure: string][], target?: { system: string; kind: "min" | "max"; ratio: number }): void {
    const dnc = this.find(dncFigure);
    if (dnc === undefined) return;
    const measured = peers.flatMap(([system, name]) => {
      const f = this.find(name);
      return f === undefined ? [] : [{ system, figure: name, value: f.value, ratio: dnc.value / f.value }];
    });
    if (measured.length === 0) return;
    const comparison: Comparison = { metric, unit: dnc.unit, dnc: { figure: dnc.name, value: dnc.value }, peers: measured };
    const judged = target === undefined ? undefined : measured.find((p) => p.system === target.system);
    if (target !== undefined && judged !== undefined && this.judging) comparison.target = { ...target, met: met(target.kind, judged.ratio, target.ratio) };
    this.comparisons.push(comparison);
    for (const p of measured) {
      let line = `dnc vs ${p.system}, ${metric}: ${fmtValue(dnc.value)} vs ${fmtValue(p.value)} ${dnc.unit} = ${fmt(p.ratio, 2)}×`;
      const t = comparison.target;
      if (t !== undefined && t.system === p.system) line += `   [target ${t.kind === "min" ? "≥" : "≤"} ${t.ratio}× ${p.system}: ${t.met ? "PASS" : "SHORT"}]`;
      console.log(line);
    }
  }

  latency(run: LatencyRun): void {
    this.latencies.push(run);
  }

  appendix(appendix: Appendix): void {
    this.appendices.push(appendix);
  }

  /** Writes `<dir>/<ISO 8601 basic timestamp>.json`, `.md` and the charts the Markdown links to. */
  write(dir: string, startedAt: Date, run: Record<string, unknown> & { command: string }): ResultFiles {
    mkdirSync(dir, { recursive: true });
    const stamp = startedAt.toISOString().replace(/[-:]|\.\d+/g, "");
    const charts: { file: string; title: string }[] = [];
    const throughput = this.figures.filter((f) => f.plot !== undefined);
    if (throughput.length > 0) {
      const file = `${stamp}-throughput.svg`;
      writeFileSync(join(dir, file), barChart(throughput, "FilterBatch throughput: dnc and its peers on the same batches"));
      charts.push({ file, title: "Throughput per system, checks/s" });
    }
    if (this.latencies.length > 0) {
      const file = `${stamp}-latency.svg`;
      writeFileSync(join(dir, file), latencyChart(this.latencies, "dnc latency percentiles at fixed request rates"));
      charts.push({ file, title: "Latency percentiles" });
    }
    const json = join(dir, `${stamp}.json`);
    const results = {
      startedAt: startedAt.toISOString(),
      run,
      figures: this.figures,
      comparisons: this.comparisons,
      latencies: this.latencies,
      notes: this.notes,
      appendices: this.appendices,
      charts: charts.map((c) => c.file),
    };
    writeFileSync(json, `${JSON.stringify(results, null, 2)}\n`);
    const markdown = join(dir, `${stamp}.md`);
    writeFileSync(markdown, markdownReport({ startedAt, run, report: this, charts }));
    return { json, markdown };
  }
}
