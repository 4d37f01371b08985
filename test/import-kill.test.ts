// A `dnc serve` process killed with SIGKILL while an import runs: after a
// restart the job shows INTERRUPTED with its counts, and the list holds
// exactly the rows of the batches it had committed, no more, no less.

import { once } from "node:events";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { AdminService } from "../sidecar/gen/dnc/v1/admin_service_pb.js";
import { HistoryAction } from "../sidecar/gen/dnc/v1/history_pb.js";
import { ImportState } from "../sidecar/gen/dnc/v1/import_pb.js";
import { GrpcClient } from "../sidecar/grpc/grpc-client.js";
import { DEFAULT_IMPORT_SETTINGS } from "../sidecar/import/import-settings.js";
import { Sidecar } from "../sidecar/sidecar.js";
import { upload } from "./support/import-client.js";
import { startServe } from "./support/dnc-serve.js";
import { tempDir } from "./support/temp-dir.js";

const TOKEN = "import-kill-test-admin-token";
const ROWS = 400_000;
const BATCH = DEFAULT_IMPORT_SETTINGS.batchRows;

describe("an import killed mid-way", () => {
  const dir = tempDir();
  afterAll(() => dir.remove());

  it("leaves whole batches, and the job INTERRUPTED with its counts after the restart", async () => {
    const dataDir = join(dir.path, "data");
    const file = join(dir.path, "big.csv");
    const lines = ["phone,channel"];
    for (let i = 0; i < ROWS; i++) lines.push(`+4477${String(i).padStart(8, "0")},sms`);
    writeFileSync(file, `${lines.join("\n")}\n`);

    const socket = `unix:${dir.path}/grpc.sock`;
    const child = await startServe(dataDir, socket, { DNC_ADMIN_TOKEN: TOKEN });
    const client = new GrpcClient(socket, { token: TOKEN });
    let jobId: string;
    let seen = 0n;
    try {
      const { job } = await client.call(AdminService.method.startImport, { uploadId: await upload(client, file) });
      jobId = job!.jobId;
      for await (const res of client.stream(AdminService.method.watchImport, { jobId })) {
        seen = res.job!.committedRows;
        if (seen >= BigInt(3 * BATCH)) break;
      }
      expect(seen).toBeLessThan(BigInt(ROWS));
      child.kill("SIGKILL");
      await once(child, "exit");
    } finally {
      client.close();
      if (child.exitCode === null) child.kill("SIGKILL");
    }

    const sidecar = await Sidecar.start({ dataDir, grpcListen: "127.0.0.1:0", httpListen: "127.0.0.1:0", maxBatch: 1000, adminToken: TOKEN });
    const after = new GrpcClient(`127.0.0.1:${sidecar.grpcPort}`, { token: TOKEN });
    try {
      const { job } = await after.call(AdminService.method.getImportReport, { jobId: jobId! });
      const entries = sidecar.list.store.entryCount();
      expect(job!.state).toBe(ImportState.INTERRUPTED);
      expect(job!.committedRows).toBeGreaterThanOrEqual(seen);
      expect(Number(job!.committedRows) % BATCH).toBe(0);
      expect(job!.counts).toMatchObject({ rowsRead: job!.committedRows - 1n, added: job!.committedRows - 1n, repeated: 0n, rejected: 0n });
      expect(entries).toBe(Number(job!.counts!.added));
      expect(job!.error).toBe(`the sidecar stopped while the job ran; rows 1 to ${job!.committedRows} were imported`);
      const history = await after.call(AdminService.method.getHistory, { actions: [HistoryAction.IMPORT_FINISHED] });
      expect(history.events.map((e) => [e.importJob?.jobId, e.importJob?.state])).toEqual([[jobId!, ImportState.INTERRUPTED]]);
    } finally {
      after.close();
      await sidecar.stop(1000);
    }
  });
});
