// AnalyzeImport's validate_all: the whole file through the same mapping and
// entry rules as the import, counted as added, repeated or rejected against
// the list as it stands, without writing anything. A key that comes twice
// in the file counts as a repeat the second time, as it would on import.

import { create } from "@bufbuild/protobuf";
import type { CountryCode } from "libphonenumber-js";
import type { DncList } from "../engine/dnc-list.js";
import { ImportCountsSchema, RejectedRowSchema, type ImportCounts, type RejectedRow } from "../gen/dnc/v1/import_pb.js";
import { nextTurn } from "../async/next-turn.js";
import { EntryKeySet } from "./entry-key-set.js";
import { collectImportGarbage } from "./import-heap.js";
import type { ImportPlan } from "./import-plan.js";
import { prepareBatch, rawRow } from "./prepared-batch.js";
import type { RowMapper } from "./row-mapper.js";

const REJECTED_SAMPLE = 100;

export async function dryRun(
  plan: ImportPlan,
  mapper: RowMapper,
  list: DncList,
  country: CountryCode | undefined,
  batchRows: number,
  signal: AbortSignal,
): Promise<{ counts: ImportCounts; sample: RejectedRow[] }> {
  const counts = create(ImportCountsSchema, { bytesTotal: BigInt(plan.source.bytesTotal) });
  const sample: RejectedRow[] = [];
  const seen = new EntryKeySet();
  for await (const batch of plan.rows(batchRows)) {
    await nextTurn();
    collectImportGarbage();
    if (signal.aborted) break;
    list.assertOpen();
    const p = prepareBatch(batch, plan.dataStart, mapper, country);
    p.checked.forEach((c, i) => {
      const row = p.entryRows[i]!;
      if (!c.ok) {
        if (!p.refused.has(row)) p.refused.set(row, c.reason);
        return;
      }
      const s = c.value;
      const ids = list.idsOf(s);
      const stored = ids !== undefined && list.entryRaw(ids.contactId, ids.channel, ids.senderId, ids.accountId) !== undefined;
      if (stored || !seen.add(s.key, s.channel, s.sender, s.account)) counts.repeated++;
      else counts.added++;
    });
    counts.rowsRead += BigInt(p.rowsRead);
    counts.rejected += BigInt(p.refused.size);
    counts.bytesRead = BigInt(batch.bytesRead);
    for (const [row, reason] of [...p.refused].sort((a, b) => a[0] - b[0])) {
      if (sample.length === REJECTED_SAMPLE) break;
      sample.push(create(RejectedRowSchema, { rowNumber: BigInt(row), raw: rawRow(batch, row, plan.rawDelimiter), reason }));
    }
  }
  return { counts, sample };
}
