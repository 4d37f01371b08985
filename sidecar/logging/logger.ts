// The sidecar's structured log: pino, one JSON object a line on stdout. The
// level comes from DNC_LOG_LEVEL (default info; `silent` turns it off, as
// tests do), or a caller passes its own logger, e.g. to read the lines.

import { pino, type DestinationStream, type Logger } from "pino";

export type { Logger };

export function createLogger(level = process.env.DNC_LOG_LEVEL ?? "info", destination?: DestinationStream): Logger {
  const options = { level, timestamp: pino.stdTimeFunctions.isoTime };
  return destination === undefined ? pino(options) : pino(options, destination);
}
