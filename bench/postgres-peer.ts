// PostgreSQL, the peer for teams that keep the list in their database: a
// throwaway cluster (postgres-cluster.ts), an indexed table of the data
// set's contacts loaded by COPY, and
// `SELECT contact FROM dnc WHERE contact = ANY($1)` with the same batches,
// driven by pgbench with the batch bound as $1; and the table's size.

import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { POSTGRES_SERIES, POSTGRES_SIZE_FIGURE, batchGroup, postgresBatchFigure, type BenchContext } from "./bench-context.js";
import { runTool } from "./local-tools.js";
import { startPostgres } from "./postgres-cluster.js";
import { fmt } from "./report.js";

const LOAD_CHUNK = 10_000;
/**
 * pgbench connections: PostgreSQL runs a process per connection, so on two
 * cores a few of them keep both busy (with pgbench's two threads), and many
 * more would mostly measure the scheduler. Not swept; --inflight does not
 * change it.
 */
const CLIENTS = 4;
const mb = (bytes: number): string => `${fmt(bytes / 1024 ** 2)} MB`;

/** The batch as a text[] literal; the contacts hold no character that needs quoting in one. */
function arrayLiteral(batch: string[]): string {
  if (batch.some((c) => /[\s",{}\\]/.test(c))) throw new Error("postgres: a contact needs quoting in an array literal");
  return `{${batch.join(",")}}`;
}

export async function benchPostgres(ctx: BenchContext): Promise<void> {
  const { report, data, cleanup } = ctx;
  const pg = await startPostgres(cleanup, ["pgbench"]);
  if ("skipped" in pg) {
    report.note(`PostgreSQL: skipped, ${pg.skipped}`);
    return;
  }
  const { bin, dir, connection, psql } = pg;
  try {
    // The primary key is built after the COPY, as a bulk load would do it: the same table, loaded faster.
    const started = performance.now();
    await psql("CREATE TABLE dnc (contact text)");
    await runTool(cleanup, join(bin, "psql"), [...connection, "-d", "postgres", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-c", "COPY dnc (contact) FROM STDIN"], {
      input: (function* () {
        for (const chunk of data.contacts(LOAD_CHUNK)) yield `${chunk.join("\n")}\n`;
      })(),
    });
    await psql("ALTER TABLE dnc ADD PRIMARY KEY (contact)", "VACUUM (ANALYZE) dnc");
    const loadSeconds = (performance.now() - started) / 1000;
    const rows = Number(await psql("SELECT count(*) FROM dnc"));
    if (rows !== data.size) throw new Error(`postgres: the table holds ${rows} rows, the data set ${data.size}`);
    report.figure("PostgreSQL load rate", data.size / loadSeconds, "rows/s", `${fmt(loadSeconds, 1)} s: COPY, then the primary key, then VACUUM ANALYZE`);
    const [total, table, indexes] = (await psql("SELECT pg_total_relation_size('dnc'), pg_relation_size('dnc'), pg_indexes_size('dnc')")).split("|").map(Number);
    report.figure(POSTGRES_SIZE_FIGURE, total! / data.size, "bytes/entry", `pg_total_relation_size ${mb(total!)}: heap ${mb(table!)}, primary key ${mb(indexes!)}`);

    const script = join(dir, "any.sql");
    writeFileSync(script, "SELECT contact FROM dnc WHERE contact = ANY(:batch::text[]);\n");
    const pgbench = async (seconds: number, literal: string): Promise<{ tps: number; latencyMs: number }> => {
      const args = [...connection, "-n", "-M", "prepared", "-c", String(CLIENTS), "-j", "2", "-T", String(seconds), "-f", script, "-D", `batch=${literal}`, "postgres"];
      const { stdout } = await runTool(cleanup, join(bin, "pgbench"), args);
      const tps = /tps = ([\d.]+)/.exec(stdout);
      const latency = /latency average = ([\d.]+) ms/.exec(stdout);
      if (tps === null || latency === null) throw new Error(`pgbench: no tps in its output:\n${stdout}`);
      return { tps: Number(tps[1]), latencyMs: Number(latency[1]) };
    };
    // pgbench counts whole seconds.
    const seconds = Math.max(1, Math.round(ctx.seconds));
    const warmUp = Math.max(1, Math.round(ctx.warmUpSeconds));
    for (const set of ctx.sets) {
      // One batch replayed, as h2load replays one body for dnc.
      const literal = arrayLiteral(set.batches[0]!);
      const found = Number(await psql(`SELECT count(*) FROM dnc WHERE contact = ANY('${literal}'::text[])`));
      if (found !== set.blockedPerRequest) throw new Error(`postgres: ${found} of the batch are rows, ${set.blockedPerRequest} intended`);
      await pgbench(warmUp, literal);
      const result = await pgbench(seconds, literal);
      report.figure(
        postgresBatchFigure(set),
        result.tps * set.recipientsPerRequest,
        "checks/s",
        `${fmt(result.tps)} queries/s, pgbench -M prepared, ${CLIENTS} connections, -j 2, one batch as $1; latency average ${result.latencyMs} ms`,
        undefined,
        { plot: { group: batchGroup(set), series: POSTGRES_SERIES } },
      );
    }
  } finally {
    await pg.stop();
  }
}
