// GetStats: what the list holds by channel, source, reason, sender and
// account; opt-outs per campaign per day; and the filter's "not sent"
// counts over a range of time.

import { create, type DescEnum } from "@bufbuild/protobuf";
import { InvalidArgumentError } from "../errors.js";
import { GetStatsResponseSchema, ValueCountSchema, type GetStatsRequest, type GetStatsResponse, type ValueCount } from "../gen/dnc/v1/admin_service_pb.js";
import { ChannelSchema, ReasonSchema, SourceSchema } from "../gen/dnc/v1/types_pb.js";
import type { DncList } from "../engine/dnc-list.js";
import { campaignDays, type EntryDimension } from "../stats/entry-stats.js";
import type { TrafficLog } from "../stats/traffic-log.js";
import { OTHER_NAME } from "../stats/traffic-counters.js";
import type { AdminImpl } from "./admin-impl.js";
import { requestTimeMs } from "./request-time.js";

const enumName = (schema: DescEnum, value: string): string => schema.values.find((v) => v.number === Number(value))?.name ?? value;

/** Values a blocked-by list gives before the rest are summed. */
const MAX_STATS_VALUES = 1000;

export class StatsHandlers {
  constructor(
    private readonly list: DncList,
    private readonly traffic: TrafficLog,
  ) {}

  methods(): Pick<AdminImpl, "getStats"> {
    return { getStats: (req) => this.getStats(req) };
  }

  async getStats(req: GetStatsRequest): Promise<GetStatsResponse> {
    this.list.assertOpen();
    const from = req.from === undefined ? 0 : requestTimeMs(req.from, "from");
    const to = req.to === undefined ? Date.now() + 1 : requestTimeMs(req.to, "to");
    if (to <= from) throw new InvalidArgumentError("to", "must be after from");
    await this.traffic.flush();
    const traffic = this.traffic.totals(from, to);
    const blockedBy = (prefix: string, schema?: DescEnum): ValueCount[] =>
      topValues([...traffic.blockedBy].filter(([k]) => k.startsWith(prefix)).map(([k, n]) => ({ value: k.slice(prefix.length), n }))).map(({ value, n }) =>
        create(ValueCountSchema, { value: schema ? enumName(schema, value) : value, count: BigInt(n) }),
      );
    const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);
    return create(GetStatsResponseSchema, {
      totalEntries: BigInt(this.list.stats.total),
      entriesByChannel: this.entries("channel", ChannelSchema),
      entriesBySource: this.entries("source", SourceSchema),
      entriesByReason: this.entries("reason", ReasonSchema),
      entriesBySender: this.entries("sender"),
      entriesByAccount: this.entries("account"),
      optOutsPerCampaignDay: campaignDays(this.list.store, day(from), day(to - 1)).map((c) => ({ ...c, count: BigInt(c.count) })),
      recipientsChecked: BigInt(traffic.checked),
      recipientsBlocked: BigInt(traffic.blocked),
      recipientsInvalid: BigInt(traffic.invalid),
      blockedByChannel: blockedBy("channel/", ChannelSchema),
      blockedBySender: blockedBy("sender/"),
      blockedByAccount: blockedBy("account/"),
      blockedByCampaign: blockedBy("campaign/"),
    });
  }

  private entries(dimension: EntryDimension, schema?: DescEnum): ValueCount[] {
    return this.list.stats
      .byDimension(dimension)
      .map((v) => create(ValueCountSchema, { value: schema ? enumName(schema, v.value) : v.value, count: BigInt(v.count) }));
  }
}

/**
 * The most counted values, most first; past MAX_STATS_VALUES (a range of
 * many hours holds up to MAX_NAMES_PER_HOUR names each) the rest are summed
 * under OTHER_NAME, so the answer stays a size a console can show.
 */
export function topValues(values: { value: string; n: number }[]): { value: string; n: number }[] {
  const sorted = values.sort((a, b) => b.n - a.n);
  if (sorted.length <= MAX_STATS_VALUES) return sorted;
  const top = sorted.filter((v) => v.value !== OTHER_NAME).slice(0, MAX_STATS_VALUES - 1);
  const rest = sorted.reduce((sum, v) => sum + v.n, 0) - top.reduce((sum, v) => sum + v.n, 0);
  return [...top, { value: OTHER_NAME, n: rest }];
}
