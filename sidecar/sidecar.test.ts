// Sidecar.start's own checks of its options, before anything is opened.

import { existsSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { InvalidArgumentError } from "./errors.js";
import { MAX_BATCH_LIMIT, Sidecar } from "./sidecar.js";
import { tempDir } from "../test/support/temp-dir.js";

describe("Sidecar.start", () => {
  const dir = tempDir();
  afterAll(() => dir.remove());
  const options = (maxBatch: number) => ({ dataDir: join(dir.path, "data"), grpcListen: "127.0.0.1:0", httpListen: "127.0.0.1:0", maxBatch });

  it("refuses a batch bound that is no count, naming it, before it opens the store", async () => {
    for (const bad of [0, -1, 1.5, Number.NaN, MAX_BATCH_LIMIT + 1]) {
      const err = await Sidecar.start(options(bad)).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err, String(bad)).toBeInstanceOf(InvalidArgumentError);
      expect((err as Error).message).toBe(`maxBatch: expected a whole number from 1 to ${MAX_BATCH_LIMIT}, got ${String(bad)}`);
    }
    // Refused before the store opened: no data directory was made, and none is held.
    expect(existsSync(options(1).dataDir)).toBe(false);
    const sidecar = await Sidecar.start(options(MAX_BATCH_LIMIT));
    await sidecar.stop(0);
  });
});
