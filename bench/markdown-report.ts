// The Markdown report of a run: targets first, with every shortfall said in
// plain words, then dnc beside its peers, the charts, and every figure with
// its detail, so that a reader needs neither the JSON nor the console.

import { fmt, fmtValue, type Figure, type Report } from "./report.js";

export interface MarkdownInput {
  startedAt: Date;
  run: Record<string, unknown> & { command: string };
  report: Report;
  charts: { file: string; title: string }[];
}

/** The run size the issue's targets are stated for. */
const FULL_ENTRIES = 10_000_000;

const cell = (text: string): string => text.replace(/\|/g, "\\|").replace(/\n/g, " ");
const bound = (kind: "min" | "max"): string => (kind === "min" ? "≥" : "≤");

/** What the floors (servers answering at once, measured at the same load just after) gave for `f`, and whether they meet its target themselves. */
function floorsOf(report: Report, f: Figure): string {
  // "<figure>, <server> floor": a figure of its own with a suffix ("write-to-visible p99, grpc-js") has its own floors.
  const floors = report.figures.filter((g) => g.name.startsWith(`${f.name}, `) && g.name.endsWith(" floor") && !g.name.slice(f.name.length + 2).includes(", "));
  if (floors.length === 0 || f.target === undefined) return "";
  const bound = f.target.value;
  const within = (v: number) => (f.target!.kind === "max" ? v <= bound : v >= bound);
  const listed = floors.map((g) => `${g.name.slice(f.name.length + 2)} ${fmtValue(g.value)} ${g.unit}`).join(", ");
  const verdict = floors.every((g) => !within(g.value))
    ? "no floor meets the target either: on this machine it lies below what a server that does nothing gives"
    : "a floor meets it: the rest is dnc's";
  return ` At the same load, the floors: ${listed}; ${verdict}.`;
}

export function markdownReport({ startedAt, run, report, charts }: MarkdownInput): string {
  const out: string[] = [];
  out.push(`# dnc benchmark, ${startedAt.toISOString().replace("T", " ").replace(/\.\d+Z$/, " UTC")}`, "");
  out.push(`Command: \`${run.command}\``, "");
  const facts = Object.entries(run)
    .filter(([key]) => key !== "command")
    .map(([key, value]) => `${key} ${typeof value === "number" ? fmt(value, Number.isInteger(value) ? 0 : 2) : String(value)}`);
  out.push(`Run: ${facts.join(", ")}.`, "");

  out.push("## Targets", "");
  const rows: string[] = [];
  const shortfalls: string[] = [];
  for (const f of report.figures) {
    if (f.target === undefined) continue;
    const t = f.target;
    const required = `${bound(t.kind)} ${fmt(t.value)} ${f.unit}${t.scope === undefined ? "" : ` ${t.scope}`}`;
    rows.push(`| ${cell(f.name)} | ${fmtValue(f.value)} ${f.unit} | ${cell(required)} | ${t.met ? "PASS" : "**SHORT**"} |`);
    if (!t.met) shortfalls.push(`**${f.name}**: ${fmtValue(f.value)} ${f.unit}; the target is ${required}.${floorsOf(report, f)}`);
  }
  for (const c of report.comparisons) {
    const t = c.target;
    if (t === undefined) continue;
    const peer = c.peers.find((p) => p.system === t.system)!;
    const required = `${bound(t.kind)} ${t.ratio} × ${t.system}`;
    rows.push(`| ${cell(c.metric)}, dnc ÷ ${t.system} | ${fmt(peer.ratio, 2)}× | ${required} | ${t.met ? "PASS" : "**SHORT**"} |`);
    if (!t.met) {
      shortfalls.push(
        `**${c.metric}**: dnc ${fmtValue(c.dnc.value)} ${c.unit} against ${t.system} ${fmtValue(peer.value)} ${c.unit}, ` +
          `${fmt(peer.ratio, 2)}×; the target is ${required}.`,
      );
    }
  }
  const judged = rows.length > 0;
  if (judged) out.push("| target | measured | required | result |", "| --- | --- | --- | --- |", ...rows, "");
  out.push("### Where dnc falls short", "");
  if (!judged) out.push("Nothing was held against a target in this run.");
  else if (shortfalls.length === 0) out.push("dnc meets every target judged in this run.");
  else for (const s of shortfalls) out.push(`- ${s}`);
  if (judged && run.entries !== FULL_ENTRIES) {
    out.push("", `The targets are stated for ${fmt(FULL_ENTRIES)} entries; this run has ${fmt(Number(run.entries))}, so it indicates, it does not decide.`);
  }
  out.push("");

  if (report.comparisons.length > 0) {
    const systems = [...new Set(report.comparisons.flatMap((c) => c.peers.map((p) => p.system)))];
    out.push("## dnc and its peers", "", "Same data set, same batches, same machine, one after the other in one run.", "");
    out.push(`| measure | dnc | ${systems.map((s) => `${s} | dnc ÷ ${s}`).join(" | ")} |`);
    out.push(`| --- | --- | ${systems.map(() => "--- | ---").join(" | ")} |`);
    for (const c of report.comparisons) {
      const peers = systems.map((s) => {
        const p = c.peers.find((q) => q.system === s);
        return p === undefined ? "— | —" : `${fmtValue(p.value)} | ${fmt(p.ratio, 2)}×`;
      });
      out.push(`| ${cell(c.metric)} (${c.unit}) | ${fmtValue(c.dnc.value)} | ${peers.join(" | ")} |`);
    }
    out.push("");
  }

  if (report.latencies.length > 0) {
    const labels = report.latencies[0]!.percentiles.map(([p], i, all) => (i === all.length - 1 ? "max" : `p${p}`));
    out.push("## Latency", "", "Milliseconds, open loop: each call timed from its scheduled send.", "");
    out.push(`| run | ${labels.join(" | ")} |`, `| --- | ${labels.map(() => "---").join(" | ")} |`);
    for (const l of report.latencies) out.push(`| ${cell(l.name)} | ${l.percentiles.map(([, ms]) => fmt(ms, 3)).join(" | ")} |`);
    out.push("");
  }

  for (const chart of charts) out.push(`![${chart.title}](${chart.file})`, "");

  out.push("## All figures", "", "| figure | value | unit | target | detail |", "| --- | --- | --- | --- | --- |");
  for (const f of report.figures) {
    const target = f.target === undefined ? "" : `${bound(f.target.kind)} ${fmt(f.target.value)} ${f.target.met ? "PASS" : "**SHORT**"}`;
    out.push(`| ${cell(f.name)} | ${fmtValue(f.value)} | ${f.unit} | ${target} | ${cell(f.detail ?? "")} |`);
  }
  out.push("");

  for (const a of report.appendices) out.push(`## ${a.title}`, "", ...a.lines, "");

  if (report.notes.length > 0) {
    out.push("## Notes", "");
    for (const n of report.notes) out.push(`- ${n}`);
    out.push("");
  }
  return out.join("\n");
}
