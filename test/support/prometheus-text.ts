// A strict reader of the Prometheus text exposition format (0.0.4), for
// checking /metrics: every line must be a HELP, a TYPE or a sample of the
// family last typed, label values properly quoted and escaped, and each
// histogram's buckets cumulative and closed by +Inf = _count. Anything else
// throws, naming the line.

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface Family {
  name: string;
  type: "counter" | "gauge" | "histogram" | "summary" | "untyped";
  help: string;
  samples: Sample[];
}

const NAME = "[a-zA-Z_:][a-zA-Z0-9_:]*";
const LABEL = "[a-zA-Z_][a-zA-Z0-9_]*";
const HELP = new RegExp(`^# HELP (${NAME}) (.*)$`);
const TYPE = new RegExp(`^# TYPE (${NAME}) (counter|gauge|histogram|summary|untyped)$`);
const SAMPLE = new RegExp(`^(${NAME})(?:\\{(.*)\\})? (\\S+)(?: (-?\\d+))?$`);
const LABEL_PAIR = new RegExp(`^(${LABEL})="((?:[^"\\\\\\n]|\\\\[\\\\"n])*)"(,|$)`);

function parseValue(text: string, line: number): number {
  if (text === "+Inf") return Infinity;
  if (text === "-Inf") return -Infinity;
  // Prometheus reads values with Go's ParseFloat, which takes NaN in any case;
  // prom-client writes an empty gauge (event-loop lag before its first sample) as "Nan".
  if (/^nan$/i.test(text)) return NaN;
  if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(text)) throw new Error(`line ${line}: bad value '${text}'`);
  return Number(text);
}

function parseLabels(text: string, line: number): Record<string, string> {
  const labels: Record<string, string> = {};
  let rest = text;
  while (rest !== "") {
    const m = LABEL_PAIR.exec(rest);
    if (m === null) throw new Error(`line ${line}: bad labels '${text}'`);
    if (m[1]! in labels) throw new Error(`line ${line}: label ${m[1]} twice`);
    labels[m[1]!] = m[2]!.replace(/\\(.)/g, (_, c: string) => (c === "n" ? "\n" : c));
    rest = rest.slice(m[0].length);
  }
  return labels;
}

/** The family a sample name belongs to: histograms and summaries add suffixes. */
function belongs(sample: string, family: Family): boolean {
  if (sample === family.name) return family.type !== "histogram";
  const suffixes = family.type === "histogram" ? ["_bucket", "_sum", "_count"] : family.type === "summary" ? ["_sum", "_count"] : [];
  return suffixes.some((s) => sample === family.name + s);
}

function checkHistogram(f: Family): void {
  const series = new Map<string, Sample[]>();
  for (const s of f.samples) {
    const { le: _le, ...rest } = s.labels;
    const key = JSON.stringify(rest);
    series.set(key, [...(series.get(key) ?? []), s]);
  }
  for (const [key, samples] of series) {
    const buckets = samples.filter((s) => s.name.endsWith("_bucket"));
    const count = samples.find((s) => s.name === `${f.name}_count`);
    if (buckets.length === 0 || count === undefined || !samples.some((s) => s.name === `${f.name}_sum`)) {
      throw new Error(`${f.name}${key}: a histogram needs buckets, _sum and _count`);
    }
    let last = -Infinity;
    let previous = 0;
    for (const b of buckets) {
      if (b.labels.le === undefined) throw new Error(`${f.name}${key}: bucket without le`);
      const le = parseValue(b.labels.le, 0);
      if (le <= last || b.value < previous) throw new Error(`${f.name}${key}: buckets not cumulative at le=${b.labels.le}`);
      last = le;
      previous = b.value;
    }
    if (last !== Infinity || previous !== count.value) throw new Error(`${f.name}${key}: +Inf bucket must close the series and equal _count`);
  }
}

export function parsePrometheusText(text: string): Map<string, Family> {
  const families = new Map<string, Family>();
  let current: Family | undefined;
  if (!text.endsWith("\n")) throw new Error("the exposition must end with a newline");
  text
    .slice(0, -1)
    .split("\n")
    .forEach((raw, i) => {
      const line = i + 1;
      if (raw === "") return;
      const help = HELP.exec(raw);
      const type = TYPE.exec(raw);
      if (help !== null || type !== null) {
        const name = (help ?? type)![1]!;
        if (current?.name !== name) {
          if (families.has(name)) throw new Error(`line ${line}: family ${name} is split`);
          current = { name, type: "untyped", help: "", samples: [] };
          families.set(name, current);
        }
        if (help !== null) current.help = help[2]!;
        else if (current.samples.length > 0) throw new Error(`line ${line}: TYPE after samples of ${name}`);
        else current.type = type![2] as Family["type"];
        return;
      }
      if (raw.startsWith("#")) return;
      const m = SAMPLE.exec(raw);
      if (m === null) throw new Error(`line ${line}: not a sample: '${raw}'`);
      if (current === undefined || !belongs(m[1]!, current)) throw new Error(`line ${line}: ${m[1]} outside its family`);
      current.samples.push({ name: m[1]!, labels: parseLabels(m[2] ?? "", line), value: parseValue(m[3]!, line) });
    });
  for (const f of families.values()) if (f.type === "histogram") checkHistogram(f);
  return families;
}

/** The value of the one sample with exactly these labels (a subset match is not enough), or undefined. */
export function sampleValue(families: Map<string, Family>, name: string, labels: Record<string, string> = {}): number | undefined {
  const want = JSON.stringify(Object.entries(labels).sort());
  for (const f of families.values()) {
    for (const s of f.samples) if (s.name === name && JSON.stringify(Object.entries(s.labels).sort()) === want) return s.value;
  }
  return undefined;
}
