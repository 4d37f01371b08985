// A throwaway PostgreSQL cluster for the benchmarks: initdb under a temp dir,
// 127.0.0.1 only, trust auth, durability off since nothing in it must
// survive, run as the postgres user when the benchmark runs as root; and
// psql to talk to it. The PostgreSQL peer and the import/export benchmark
// both start theirs here.

import { spawn, spawnSync, type SpawnOptions } from "node:child_process";
import { chownSync, existsSync, mkdtempSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Cleanup } from "./cleanup.js";
import { SETUP_COMMAND, commandPath, freePort, runTool, waitUntil } from "./local-tools.js";

const PG_ROOT = "/usr/lib/postgresql";
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

export interface PostgresCluster {
  /** The directory of the PostgreSQL programs (psql, pgbench…). */
  bin: string;
  /** The cluster's temp dir: its socket dir, and a place for scripts. */
  dir: string;
  /** Connection flags for psql and pgbench. */
  connection: string[];
  /** Runs the commands with psql on the `postgres` database; their output, trimmed. */
  psql(...commands: string[]): Promise<string>;
  /** A fast shutdown; the temp dir goes with the cleanup. */
  stop(): Promise<void>;
}

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

/**
 * A running cluster, or why there is none (for a note): PostgreSQL, or one
 * of the `programs` its caller needs beside it, is not installed.
 */
export async function startPostgres(cleanup: Cleanup, programs: string[] = []): Promise<PostgresCluster | { skipped: string }> {
  const bin = binDir();
  const missing = bin === undefined ? "initdb" : programs.find((p) => !existsSync(join(bin, p)));
  if (bin === undefined || missing !== undefined) return { skipped: `${missing} is not installed (${SETUP_COMMAND})` };
  const user = serverUser();
  if (user === "missing") return { skipped: `running as root and there is no postgres user to run the server as (${SETUP_COMMAND})` };
  const dir = mkdtempSync(join(tmpdir(), "dnc-bench-pg-"));
  cleanup.dir(dir);
  const asServer: SpawnOptions = user === undefined ? { cwd: dir } : { cwd: dir, uid: user.uid, gid: user.gid };
  if (user !== undefined) chownSync(dir, user.uid, user.gid);
  const dataDir = join(dir, "data");
  await runTool(cleanup, join(bin, "initdb"), ["-D", dataDir, "-U", "postgres", "--auth=trust", "--no-sync", "-E", "UTF8", "--locale=C"], asServer);

  const port = await freePort();
  const settings = SETTINGS.flatMap((s) => ["-c", s]);
  const server = spawn(join(bin, "postgres"), ["-D", dataDir, "-p", String(port), "-k", dir, ...settings], { ...asServer, stdio: ["ignore", "ignore", "pipe"] });
  cleanup.child(server, "SIGQUIT");
  let log = "";
  server.stderr!.on("data", (d: Buffer) => (log = (log + d.toString()).slice(-4_000)));
  // SIGINT is PostgreSQL's fast shutdown: sessions are ended, nothing is waited for.
  const stop = () => cleanup.stop(server, 10_000, "SIGINT");
  const connection = ["-h", "127.0.0.1", "-p", String(port), "-U", "postgres"];
  try {
    await waitUntil("postgres", 20_000, async () => {
      if (server.exitCode !== null) throw new Error(`postgres exited ${server.exitCode}:\n${log}`);
      await runTool(cleanup, join(bin, "pg_isready"), connection);
      return true;
    });
  } catch (err: unknown) {
    await stop();
    throw new Error(`${err instanceof Error ? err.message : String(err)}\n${log}`);
  }
  return {
    bin,
    dir,
    connection,
    psql: async (...commands) => {
      const args = [...connection, "-d", "postgres", "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", ...commands.flatMap((c) => ["-c", c])];
      return (await runTool(cleanup, join(bin, "psql"), args)).stdout.trim();
    },
    stop,
  };
}
