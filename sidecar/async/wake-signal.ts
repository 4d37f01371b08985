// What readers of something that changes wait on (the change feed, a running
// import): each wait ends at the next wake, or when its AbortSignal aborts,
// and leaves nothing behind once it has ended.

export class WakeSignal {
  private readonly waiters = new Set<() => void>();

  /** Resolves at the next `wake`, or when `signal` aborts; at once when `now` (nothing left to wait for). */
  wait(signal: AbortSignal, now = false): Promise<void> {
    return new Promise((resolve) => {
      if (now || signal.aborted) return resolve();
      const done = () => {
        this.waiters.delete(done);
        signal.removeEventListener("abort", done);
        resolve();
      };
      this.waiters.add(done);
      signal.addEventListener("abort", done, { once: true });
    });
  }

  wake(): void {
    for (const done of [...this.waiters]) done();
  }
}
