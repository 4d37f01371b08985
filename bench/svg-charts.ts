// The report's charts as standalone SVG, drawn by hand so that the harness
// needs no plotting package: grouped horizontal bars for throughput per
// system, and latency percentiles on a log scale.

import type { Figure, LatencyRun } from "./report.js";

const PALETTE = ["#1f6feb", "#6ea8fe", "#0b7a3e", "#5cc489", "#d1242f", "#9a6700", "#8250df", "#57606a"];
const FONT = `font-family="Helvetica, Arial, sans-serif"`;

const esc = (text: string): string => text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

/** 1.2M, 350k, 12: short labels for axis ticks and bar ends. */
function short(value: number): string {
  const abs = Math.abs(value);
  const trim = (n: number) => (n >= 100 ? n.toFixed(0) : n >= 10 ? n.toFixed(1).replace(/\.0$/, "") : n.toFixed(2).replace(/\.?0+$/, ""));
  if (abs >= 1e9) return `${trim(value / 1e9)}G`;
  if (abs >= 1e6) return `${trim(value / 1e6)}M`;
  if (abs >= 1e3) return `${trim(value / 1e3)}k`;
  return trim(value);
}

/** A round step that splits [0, max] into about `count` parts. */
function niceStep(max: number, count: number): number {
  const raw = max / count;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].find((m) => m * magnitude >= raw)!;
  return step * magnitude;
}

function colourOf(series: string[], name: string): string {
  return PALETTE[series.indexOf(name) % PALETTE.length]!;
}

/** Bars grouped by `plot.group`, one per `plot.series`, on a shared linear axis from 0. */
export function barChart(figures: Figure[], title: string): string {
  const width = 960;
  const labelWidth = 230;
  const x0 = labelWidth + 10;
  const x1 = width - 90;
  const barHeight = 16;
  const rowGap = 4;
  const groupHeader = 26;
  const top = 60;
  const groups: string[] = [];
  const series: string[] = [];
  for (const f of figures) {
    if (!groups.includes(f.plot!.group)) groups.push(f.plot!.group);
    if (!series.includes(f.plot!.series)) series.push(f.plot!.series);
  }
  const max = Math.max(...figures.map((f) => f.value));
  const step = niceStep(max, 6);
  const axisMax = Math.ceil(max / step) * step;
  const x = (v: number) => x0 + ((x1 - x0) * v) / axisMax;
  const body: string[] = [];
  let y = top;
  for (const group of groups) {
    body.push(`<text x="10" y="${y + 17}" font-size="14" font-weight="bold" ${FONT}>${esc(group)}</text>`);
    y += groupHeader;
    for (const f of figures.filter((g) => g.plot!.group === group)) {
      const w = Math.max(1, x(f.value) - x0);
      body.push(
        `<text x="${labelWidth}" y="${y + barHeight - 4}" font-size="12" text-anchor="end" ${FONT}>${esc(f.plot!.series)}</text>`,
        `<rect x="${x0}" y="${y}" width="${w.toFixed(1)}" height="${barHeight}" fill="${colourOf(series, f.plot!.series)}"><title>${esc(f.name)}: ${Math.round(f.value)} ${esc(f.unit)}</title></rect>`,
        `<text x="${(x0 + w + 4).toFixed(1)}" y="${y + barHeight - 4}" font-size="12" ${FONT}>${short(f.value)}</text>`,
      );
      y += barHeight + rowGap;
    }
    y += 8;
  }
  const height = y + 30;
  const grid: string[] = [];
  for (let v = 0; v <= axisMax + step / 2; v += step) {
    grid.push(
      `<line x1="${x(v).toFixed(1)}" y1="${top - 6}" x2="${x(v).toFixed(1)}" y2="${y}" stroke="#d0d7de" stroke-width="1"/>`,
      `<text x="${x(v).toFixed(1)}" y="${y + 16}" font-size="11" text-anchor="middle" fill="#57606a" ${FONT}>${short(v)}</text>`,
    );
  }
  const unit = figures[0]?.unit ?? "";
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="10" y="24" font-size="16" font-weight="bold" ${FONT}>${esc(title)}</text>`,
    `<text x="10" y="44" font-size="12" fill="#57606a" ${FONT}>${esc(unit)}, higher is better; same data set, same batches, same machine</text>`,
    ...grid,
    ...body,
    `</svg>`,
    "",
  ].join("\n");
}

/** One line per run over its percentiles (categorical x), milliseconds on a log y axis; dashed lines at the runs' targets. */
export function latencyChart(runs: LatencyRun[], title: string): string {
  const width = 960;
  const height = 480;
  const left = 70;
  const right = width - 300;
  const top = 60;
  const bottom = height - 50;
  const labels = runs[0]!.percentiles.map(([p], i, all) => (i === all.length - 1 ? "max" : `p${p}`));
  const values = runs.flatMap((r) => r.percentiles.map(([, ms]) => ms)).filter((ms) => ms > 0);
  const targets = [...new Set(runs.flatMap((r) => (r.targetMs === undefined ? [] : [r.targetMs])))];
  const lo = 10 ** Math.floor(Math.log10(Math.min(...values, ...targets)));
  const hi = 10 ** Math.ceil(Math.log10(Math.max(...values, ...targets) * 1.01));
  const x = (i: number) => left + ((right - left) * i) / Math.max(1, labels.length - 1);
  const y = (ms: number) => bottom - ((bottom - top) * (Math.log10(Math.max(ms, lo)) - Math.log10(lo))) / (Math.log10(hi) - Math.log10(lo));
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="10" y="24" font-size="16" font-weight="bold" ${FONT}>${esc(title)}</text>`,
    `<text x="10" y="44" font-size="12" fill="#57606a" ${FONT}>milliseconds (log scale), lower is better; open loop, measured from each request's scheduled send time</text>`,
  ];
  for (let decade = lo; decade <= hi * 1.001; decade *= 10) {
    for (const m of [1, 2, 5]) {
      const v = decade * m;
      if (v > hi * 1.001) break;
      out.push(`<line x1="${left}" y1="${y(v).toFixed(1)}" x2="${right}" y2="${y(v).toFixed(1)}" stroke="${m === 1 ? "#d0d7de" : "#eef1f4"}"/>`);
      out.push(`<text x="${left - 6}" y="${(y(v) + 4).toFixed(1)}" font-size="11" text-anchor="end" fill="#57606a" ${FONT}>${v >= 1 ? v : v.toPrecision(1)}</text>`);
    }
  }
  labels.forEach((label, i) => {
    out.push(`<line x1="${x(i).toFixed(1)}" y1="${top}" x2="${x(i).toFixed(1)}" y2="${bottom}" stroke="#eef1f4"/>`);
    out.push(`<text x="${x(i).toFixed(1)}" y="${bottom + 18}" font-size="12" text-anchor="middle" ${FONT}>${label}</text>`);
  });
  for (const ms of targets) {
    out.push(`<line x1="${left}" y1="${y(ms).toFixed(1)}" x2="${right}" y2="${y(ms).toFixed(1)}" stroke="#d1242f" stroke-dasharray="6 4"/>`);
    out.push(`<text x="${right - 4}" y="${(y(ms) - 4).toFixed(1)}" font-size="11" text-anchor="end" fill="#d1242f" ${FONT}>target ${ms} ms</text>`);
  }
  runs.forEach((run, n) => {
    const colour = PALETTE[n % PALETTE.length]!;
    const points = run.percentiles.map(([, ms], i) => `${x(i).toFixed(1)},${y(ms).toFixed(1)}`);
    out.push(`<polyline points="${points.join(" ")}" fill="none" stroke="${colour}" stroke-width="2"/>`);
    run.percentiles.forEach(([p, ms], i) => {
      out.push(`<circle cx="${x(i).toFixed(1)}" cy="${y(ms).toFixed(1)}" r="3" fill="${colour}"><title>${esc(run.name)}: ${labels[i]} (${p}) ${ms.toFixed(3)} ms</title></circle>`);
    });
    const ly = top + 10 + n * 22;
    out.push(`<rect x="${right + 20}" y="${ly - 9}" width="14" height="4" fill="${colour}"/>`);
    out.push(`<text x="${right + 40}" y="${ly - 3}" font-size="12" ${FONT}>${esc(run.name)}</text>`);
  });
  out.push(`</svg>`, "");
  return out.join("\n");
}
