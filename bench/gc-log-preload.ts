// Loaded with --import (gc-log.ts's gcLogging) into a server process of the
// benchmark, where it runs in every thread the process starts (a worker is
// handed its parent's execArgv): each thread logs its collector's pauses to
// the file that GC_LOG_ENV names, so that a figure on the sidecar's filter
// port, answered on a worker thread, can lay that thread's pauses beside its
// tail too.

import { isMainThread } from "node:worker_threads";
import { GC_LOG_ENV, MAIN_THREAD, logGcPauses } from "./gc-log.js";

const path = process.env[GC_LOG_ENV];
if (path !== undefined) logGcPauses(path, isMainThread ? MAIN_THREAD : "worker");
