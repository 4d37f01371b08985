// A stream that must keep coming: fails with DEADLINE_EXCEEDED when the next
// item is longer than a limit in arriving, the first one included, and lets
// the source go. A client that opens an upload and stalls would otherwise
// hold its descriptor, its partial file and its place for as long as it likes.

import { DeadlineExceededError } from "../errors.js";

export async function* withIdleLimit<T>(items: AsyncIterable<T>, idleMs: number, what: string): AsyncGenerator<T> {
  const it = items[Symbol.asyncIterator]();
  try {
    for (;;) {
      let timer: NodeJS.Timeout | undefined;
      const idle = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new DeadlineExceededError(`no data for ${idleMs / 1000} s: ${what} was dropped`)), idleMs);
      });
      // An item that loses the race may still fail later, when the dropped source is torn down: not unhandled.
      const item = it.next();
      item.catch(() => undefined);
      let next: IteratorResult<T>;
      try {
        next = await Promise.race([item, idle]);
      } finally {
        clearTimeout(timer);
      }
      if (next.done === true) return;
      yield next.value;
    }
  } finally {
    void it.return?.()?.catch(() => undefined);
  }
}
