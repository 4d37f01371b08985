// PostgreSQL, the peer for teams that keep the list in their database: a
// cluster the harness creates under a temp dir (initdb, 127.0.0.1 only,
// trust auth, durability off since nothing in it must survive), an indexed
// table of the data set's contacts loaded by COPY, and
// `SELECT contact FROM dnc WHERE contact = ANY($1)` with the same batches,
// driven by pgbench with the batch bound as $1; and the table's size.

import { spawn, spawnSync, type SpawnOptions } from "node:child_process";
import { chownSync, existsSync, mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { POSTGRES_SERIES, POSTGRES_SIZE_FIGURE, batchGroup, postgresBatchFigure, type BenchContext } from "./bench-context.js";
import { SETUP_COMMAND, commandPath, freePort, runTool, waitUntil } from "./local-tools.js";
import { fmt } from "./report.js";

const PG_ROOT = "/usr/lib/postgresql";
const LOAD_CHUNK = 10_000;
/**
 * pgbench connections: PostgreSQL runs a process per connection, and on two
 * cores it peaked at a few of them (a sweep of 2…32 at 1M entries); more
 * only measures the scheduler.
 */
const CLIENTS = 4;
const SETTINGS = [
  "listen_addresses=127.0.0.1",
  // Durability buys nothing for a throwaway cluster and only slows the load.
  "fsync=off",
  "synchronous_commit=off",
  "full_page_writes=off",
  // What a tuned server would have; the table and its index fit.
  "shared_buffers=1GB",
  "max_connections=64",
];

const mb = (bytes: number): string => `${fmt(bytes / 1024 ** 2)} MB`;

/** The newest Debian install (/usr/lib/postgresql/<version>/bin), else initdb's directory on PATH. */
function binDir(): string | undefined {
  if (existsSync(PG_ROOT)) {
    const versions = readdirSync(PG_ROOT)
      .filter((v) => existsSync(join(PG_ROOT, v, "bin", "initdb")))
      .sort((a, b) => Number(b) - Number(a));
    if (versions.length > 0) return join(PG_ROOT, versions[0]!, "bin");
  }
  const initdb = commandPath("initdb");
  return initdb === undefined ? undefined : initdb.slice(0, initdb.lastIndexOf("/"));
}

/** initdb and postgres refuse to run as root: as root, they run as the postgres user. */
function serverUser(): { uid: number; gid: number } | undefined | "missing" {
  if (process.getuid?.() !== 0) return undefined;
  const id = (flag: string) => spawnSync("id", [flag, "postgres"], { encoding: "utf8" });
  const uid = id("-u");
  const gid = id("-g");
  if (uid.status !== 0 || gid.status !== 0) return "missing";
  return { uid: Number(uid.stdout), gid: Number(gid.stdout) };
}

/** The batch as a text[] literal; the contacts hold no character that needs quoting in one. */
function arrayLiteral(batch: string[]): string {
  if (batch.some((c) => /[\s",{}\\]/.test(c))) throw new Error("postgres: a contact needs quoting in an array literal");
  return `{${batch.join(",")}}`;
}

export async function benchPostgres(ctx: BenchContext): Promise<void> {
  const { report, data, cleanup } = ctx;
  const bin = binDir();
  const user = serverUser();
  if (bin === undefined || !existsSync(join(bin, "pgbench"))) {
    report.note(`PostgreSQL: skipped, ${bin === undefined ? "initdb" : "pgbench"} is not installed (${SETUP_COMMAND})`);
    return;
  }
  if (user === "missing") {
    report.note(`PostgreSQL: skipped, running as root and there is no postgres user to run the server as (${SETUP_COMMAND})`);
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), "dnc-bench-pg-"));
  cleanup.dir(dir);
  const asServer: SpawnOptions = user === undefined ? { cwd: dir } : { cwd: dir, uid: user.uid, gid: user.gid };
  if (user !== undefined) chownSync(dir, user.uid, user.gid);
  const dataDir = join(dir, "data");
  await runTool(cleanup, join(bin, "initdb"), ["-D", dataDir, "-U", "postgres", "--auth=trust", "--no-sync", "-E", "UTF8", "--locale=C"], asServer);

  const port = await freePort();
  const settings = SETTINGS.flatMap((s) => ["-c", s]);
  const server = spawn(join(bin, "postgres"), ["-D", dataDir, "-p", String(port), "-k", dir, ...settings], { ...asServer, stdio: ["ignore", "ignore", "pipe"] });
  cleanup.child(server);
  let log = "";
  server.stderr!.on("data", (d: Buffer) => (log = (log + d.toString()).slice(-4_000)));
  const connection = ["-h", "127.0.0.1", "-p", String(port), "-U", "postgres"];
  const psql = async (...commands: string[]): Promise<string> => {
    const args = [...connection, "-d", "postgres", "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", ...commands.flatMap((c) => ["-c", c])];
    return (await runTool(cleanup, join(bin, "psql"), args)).stdout.trim();
  };
  try {
    await waitUntil("postgres", 20_000, async () => {
      if (server.exitCode !== null) throw new Error(`postgres exited ${server.exitCode}:\n${log}`);
      await runTool(cleanup, join(bin, "pg_isready"), connection);
      return true;
    }).catch((err: unknown) => {
      throw new Error(`${err instanceof Error ? err.message : String(err)}\n${log}`);
    });

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
    // SIGINT is PostgreSQL's fast shutdown: sessions are ended, nothing is waited for.
    await cleanup.stop(server, 10_000, "SIGINT");
  }
}
