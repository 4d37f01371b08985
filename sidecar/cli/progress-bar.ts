// Progress of a long client command (an export, an import): on a terminal a
// bar redrawn in place with the rows done, the rate and the time left; into
// a file or a pipe a plain line every few seconds, so logs stay readable.

const REDRAW_MS = 100;
const LINE_MS = 5_000;
const BAR_WIDTH = 24;

const count = (n: number): string => Math.round(n).toLocaleString("en-US");

function duration(seconds: number): string {
  if (!Number.isFinite(seconds)) return "?";
  if (seconds <= 0) return "0:00";
  const s = Math.ceil(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const rest = String(s % 60).padStart(2, "0");
  return h > 0 ? `${h}:${String(m).padStart(2, "0")}:${rest}` : `${m}:${rest}`;
}

export class ProgressBar {
  private readonly started = performance.now();
  private shownAt: number;
  private drawn = false;

  /**
   * `unit` names what is counted, e.g. "rows". With `quietStart`, a file or
   * a pipe gets its first line only after a while, so a short job prints none.
   */
  constructor(
    private readonly out: NodeJS.WriteStream,
    private readonly label: string,
    private readonly unit: string,
    quietStart = false,
  ) {
    this.shownAt = quietStart && !out.isTTY ? this.started : -Infinity;
  }

  /** `total` 0 means unknown. */
  update(done: number, total: number): void {
    const seconds = (performance.now() - this.started) / 1000;
    const rate = seconds > 0 ? done / seconds : 0;
    const etaSeconds = total === 0 ? NaN : done >= total ? 0 : rate > 0 ? (total - done) / rate : NaN;
    this.show(done, total, total > 0 ? done / total : undefined, rate, etaSeconds);
  }

  /**
   * Shows progress that someone else measured (a server-side job): `done`
   * of `total` units (0: unknown) at `rate` per second, `fraction` of the way
   * (undefined: unknown), `etaSeconds` left (NaN: unknown); `extra` follows in brackets.
   */
  show(done: number, total: number, fraction: number | undefined, rate: number, etaSeconds: number, extra = ""): void {
    const now = performance.now();
    if (now - this.shownAt < (this.out.isTTY ? REDRAW_MS : LINE_MS)) return;
    this.shownAt = now;
    const of = total > 0 ? `${count(done)}/${count(total)}` : count(done);
    const stats = `${of} ${this.unit}, ${count(rate)} ${this.unit}/s, ETA ${duration(etaSeconds)}${extra === "" ? "" : `  (${extra})`}`;
    if (!this.out.isTTY) {
      this.out.write(`${this.label}: ${stats}${fraction === undefined ? "" : ` (${Math.floor(100 * fraction)}%)`}\n`);
      return;
    }
    const f = Math.min(1, fraction ?? 0);
    const filled = Math.round(f * BAR_WIDTH);
    const bar = `[${"#".repeat(filled)}${".".repeat(BAR_WIDTH - filled)}] ${String(Math.floor(f * 100)).padStart(3)}%`;
    this.out.write(`\r${this.label} ${bar} ${stats}\x1b[K`);
    this.drawn = true;
  }

  /** Clears the bar (a terminal) so the caller's summary line starts clean. */
  done(): void {
    if (this.drawn) this.out.write("\r\x1b[K");
  }

  /** Seconds since the start. */
  get seconds(): number {
    return (performance.now() - this.started) / 1000;
  }
}
