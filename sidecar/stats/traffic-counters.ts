// Live counts of the filter's traffic. The hot path bumps typed arrays per
// channel once per batch; blocked recipients are also counted by sender,
// account and campaign. Metrics read these; the traffic log persists them.

export const CHANNEL_SLOTS = 8;

export class TrafficCounters {
  /** Indexed by channel number (0 unused); totals since the process started. */
  readonly checked = new Float64Array(CHANNEL_SLOTS);
  readonly blocked = new Float64Array(CHANNEL_SLOTS);
  readonly invalid = new Float64Array(CHANNEL_SLOTS);
  /** FilterBatch and Check calls answered. */
  filterBatchCalls = 0;
  checkCalls = 0;
  /** Blocked recipients by "sender/<name>", "account/<name>", "campaign/<ref>" since the last drain. */
  private blockedBy = new Map<string, number>();

  blockedFor(sender: string, account: string, campaign: string, n: number): void {
    if (sender !== "") this.bump(`sender/${sender}`, n);
    if (account !== "") this.bump(`account/${account}`, n);
    if (campaign !== "") this.bump(`campaign/${campaign}`, n);
  }

  /** Takes the blocked-by counts gathered since the last call. */
  drainBlockedBy(): Map<string, number> {
    const out = this.blockedBy;
    this.blockedBy = new Map();
    return out;
  }

  private bump(key: string, n: number): void {
    this.blockedBy.set(key, (this.blockedBy.get(key) ?? 0) + n);
  }
}
