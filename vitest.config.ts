// Test runner settings: unit tests sit beside the code, end-to-end suites in test/.
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["sidecar/**/*.test.ts", "test/**/*.test.ts", "bench/**/*.test.ts"],
    testTimeout: 120_000,
    hookTimeout: 60_000,
    pool: "forks",
    // The sidecar logs one JSON line per admin call; tests that want them pass a logger.
    env: { DNC_LOG_LEVEL: "silent" },
  },
});
