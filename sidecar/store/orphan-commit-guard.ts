// lmdb-js begins each event turn's batch of writes with an instruction of
// its own, written at the end of the turn unless the batch grew large
// first. When LMDB's write thread starts a new transaction at that
// instruction, lmdb-js makes it a commit promise that it hands to no one
// (write.js resets its commit promise there, with a TODO saying it should
// not). A batch whose writes all came before it (a few history events: an
// AddEntries whose entries were all rejected) leaves that promise the only
// one of its transaction nobody holds: when the commit fails (a full disk)
// it rejects unhandled, and Node ends the process, though every write's
// own promise, which DeferredWrites handles, already told the writer.
// This guard lets those rejections go, each said on stderr, once the
// process holds a store; anything else unhandled is thrown on, which ends
// the process as Node's default mode does (under --unhandled-rejections=
// warn or none it ends it too; under strict the guard never runs). It
// goes by the error's shape, so a put of dnc's own whose promise no one
// held would be let go as well, said on stderr too: its writer, which
// waits for the commit or for the flush after it, is told all the same.

import { messageOf } from "../errors.js";
import { commitErrorOf } from "./deferred-writes.js";

let installed = false;

export function guardOrphanCommitFailures(): void {
  if (installed) return;
  installed = true;
  process.on("unhandledRejection", (reason: unknown) => {
    // lmdb-js's rejection of a failed commit's writes: its message, and the promise of the cause beside it.
    const commitError = reason instanceof Error && reason.message.startsWith("Commit failed") ? commitErrorOf(reason) : undefined;
    if (commitError === undefined) throw reason;
    commitError.then(
      () => undefined,
      (cause: unknown) => console.error(`dnc: a failed LMDB commit's promise that lmdb-js keeps for itself was let go (${messageOf(cause)}); its writer was told`),
    );
  });
}
