// The benchmark's output: one printed line per figure, with the target it is
// held against, and the same figures collected for the JSON results file.

import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export interface Target {
  /** "min": the figure must reach the value; "max": it must not exceed it. */
  kind: "min" | "max";
  value: number;
  /** What the target is stated for, when it differs from the run (e.g. "at 10M entries"). */
  scope?: string;
}

export interface Figure {
  name: string;
  value: number;
  unit: string;
  detail?: string;
  target?: Target & { met: boolean };
}

export const fmt = (n: number, digits = 0): string =>
  n.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });

export class Report {
  readonly figures: Figure[] = [];
  readonly notes: string[] = [];

  figure(name: string, value: number, unit: string, detail?: string, target?: Target, judged = value): void {
    const met = target === undefined ? undefined : target.kind === "min" ? judged >= target.value : judged <= target.value;
    const figure: Figure = { name, value, unit, detail, target: target && met !== undefined ? { ...target, met } : undefined };
    this.figures.push(figure);
    const digits = Math.abs(value) < 100 && !Number.isInteger(value) ? 1 : 0;
    let line = `${name.padEnd(30)} ${fmt(value, digits).padStart(13)} ${unit}`;
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

  /** Writes `<dir>/<ISO 8601 basic timestamp>-core.json` and returns its path. */
  write(dir: string, startedAt: Date, run: Record<string, unknown>): string {
    mkdirSync(dir, { recursive: true });
    const stamp = startedAt.toISOString().replace(/[-:]|\.\d+/g, "");
    const path = join(dir, `${stamp}-core.json`);
    writeFileSync(path, `${JSON.stringify({ startedAt: startedAt.toISOString(), run, figures: this.figures, notes: this.notes }, null, 2)}\n`);
    return path;
  }
}
