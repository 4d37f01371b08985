#!/usr/bin/env node
// Runs the compiled CLI (`npm run build` makes dist/).
import "../dist/sidecar/cli/main.js";
