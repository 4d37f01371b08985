// A wait for the next turn of the event loop, after its I/O poll: long work
// done a piece at a time (an import) awaits it between pieces, so that the
// filter calls that arrived meanwhile are answered first. Awaiting a promise
// that is already settled does not do this: it continues in the same turn.

import { setImmediate } from "node:timers/promises";

export function nextTurn(): Promise<void> {
  return setImmediate();
}
