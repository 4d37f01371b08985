#!/usr/bin/env -S node --initial-old-space-size=256 --max-semi-space-size=32 --expose-gc
// Runs the compiled CLI (`npm run build` makes dist/). The flags are the
// sidecar's heap sizing (sidecar/cli/serve-node-flags.ts says why).
import "../dist/sidecar/cli/main.js";
