// Recipients the filter checked, blocked and found invalid, per channel. The
// hot path only bumps the TrafficCounters arrays; the Prometheus counters
// copy them at scrape time, so the filter never touches prom-client.

import { Counter, type Registry } from "prom-client";
import { ChannelSchema } from "../gen/dnc/v1/types_pb.js";
import { CHANNEL_SLOTS, type TrafficCounters } from "../stats/traffic-counters.js";

/** Slot number and label value (`sms`, `email`…) of each channel; `unspecified` too, so no recipient goes uncounted. */
const CHANNELS = ChannelSchema.values.filter((v) => v.number < CHANNEL_SLOTS).map((v) => [v.number, v.localName.toLowerCase()] as const);

export function registerTrafficMetrics(registry: Registry, traffic: TrafficCounters): void {
  const series = [
    ["checked", traffic.checked, "Recipients the filter checked, by channel."],
    ["blocked", traffic.blocked, "Recipients the filter blocked (not to be sent), by channel."],
    ["invalid", traffic.invalid, "Recipients the filter could not normalise, by channel."],
  ] as const;
  for (const [what, counts, help] of series) {
    new Counter({
      name: `dnc_recipients_${what}_total`,
      help,
      labelNames: ["channel"],
      registers: [registry],
      collect() {
        this.reset();
        for (const [slot, channel] of CHANNELS) this.inc({ channel }, counts[slot]!);
      },
    });
  }
}
