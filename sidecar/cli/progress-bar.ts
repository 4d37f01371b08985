// Progress of a long client command (an export, an import): on a terminal a
// bar redrawn in place with the rows done, the rate and the time left; into
// a file or a pipe a plain line every few seconds, so logs stay readable.

const REDRAW_MS = 100;
const LINE_MS = 5_000;
const BAR_WIDTH = 24;

const count = (n: number): string => Math.round(n).toLocaleString("en-US");

function duration(seconds: number): string {
  if (!Number.isFinite(seconds)) return "?";
  const s = Math.ceil(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const rest = String(s % 60).padStart(2, "0");
  return h > 0 ? `${h}:${String(m).padStart(2, "0")}:${rest}` : `${m}:${rest}`;
}

export class ProgressBar {
  private readonly started = performance.now();
  private shownAt = -Infinity;
  private drawn = false;

  /** `unit` names what is counted, e.g. "rows". */
  constructor(
    private readonly out: NodeJS.WriteStream,
    private readonly label: string,
    private readonly unit: string,
  ) {}

  /** `total` 0 means unknown. */
  update(done: number, total: number): void {
    const now = performance.now();
    if (now - this.shownAt < (this.out.isTTY ? REDRAW_MS : LINE_MS)) return;
    this.shownAt = now;
    const seconds = (now - this.started) / 1000;
    const rate = seconds > 0 ? done / seconds : 0;
    const eta = total === 0 ? "?" : done >= total ? "0:00" : rate > 0 ? duration((total - done) / rate) : "?";
    const of = total > 0 ? `${count(done)}/${count(total)}` : count(done);
    const stats = `${of} ${this.unit}, ${count(rate)} ${this.unit}/s, ETA ${eta}`;
    if (!this.out.isTTY) {
      this.out.write(`${this.label}: ${stats}${total > 0 ? ` (${Math.floor((100 * done) / total)}%)` : ""}\n`);
      return;
    }
    const fraction = total > 0 ? Math.min(1, done / total) : 0;
    const filled = Math.round(fraction * BAR_WIDTH);
    const bar = `[${"#".repeat(filled)}${".".repeat(BAR_WIDTH - filled)}] ${String(Math.floor(fraction * 100)).padStart(3)}%`;
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
