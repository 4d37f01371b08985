// TLS and mutual TLS on the gRPC port, with certificates openssl makes at
// test time and real grpc-js clients (and the CLI) over real sockets.

import { credentials, status, type ChannelCredentials, type ServiceError } from "@grpc/grpc-js";
import { execFile } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AdminService } from "../sidecar/gen/dnc/v1/admin_service_pb.js";
import { FilterService } from "../sidecar/gen/dnc/v1/filter_service_pb.js";
import { Channel } from "../sidecar/gen/dnc/v1/types_pb.js";
import { GrpcClient } from "../sidecar/grpc/grpc-client.js";
import { Sidecar } from "../sidecar/sidecar.js";
import { makeTestCerts, type CertFiles } from "./support/test-certs.js";
import { tempDir } from "./support/temp-dir.js";
import { DNC_BIN } from "./support/dnc-serve.js";

const ADMIN_TOKEN = "tls-test-admin-token";
const run = promisify(execFile);
const check = { request: { recipient: "+447700900123", channel: Channel.SMS } };

/** The status a Check gets over these credentials (OK when it succeeds). */
async function checkStatus(address: string, creds?: ChannelCredentials): Promise<status> {
  const client = new GrpcClient(address, { credentials: creds });
  try {
    await client.call(FilterService.method.check, check);
    return status.OK;
  } catch (err: unknown) {
    return (err as ServiceError).code;
  } finally {
    client.close();
  }
}

describe("TLS on the gRPC port", () => {
  const dir = tempDir();
  let certs: CertFiles;
  beforeAll(() => {
    certs = makeTestCerts(dir.path);
  });
  afterAll(() => dir.remove());

  const start = (clientCa?: Buffer) =>
    Sidecar.start({
      dataDir: join(dir.path, clientCa === undefined ? "tls" : "mtls"),
      grpcListen: "127.0.0.1:0",
      httpListen: "127.0.0.1:0",
      maxBatch: 100,
      adminToken: ADMIN_TOKEN,
      tls: { cert: certs.pem("server.crt"), key: certs.pem("server.key"), clientCa },
    });

  it("serves a client that trusts the CA, and no plain-text or untrusting client", async () => {
    const sidecar = await start();
    const address = `localhost:${sidecar.grpcPort}`;
    try {
      const client = new GrpcClient(address, { token: ADMIN_TOKEN, credentials: credentials.createSsl(certs.pem("ca.crt")) });
      await client.call(AdminService.method.addEntries, { entries: [{ contact: "+447700900123" }] });
      expect((await client.call(FilterService.method.check, check)).blocked).toBe(true);
      client.close();
      expect(await checkStatus(address)).toBe(status.UNAVAILABLE);
      expect(await checkStatus(address, credentials.createSsl())).toBe(status.UNAVAILABLE);
    } finally {
      await sidecar.stop(500);
    }
  });

  it("with a client CA, serves only clients whose certificate that CA signed; the CLI too", async () => {
    const sidecar = await start(certs.pem("ca.crt"));
    const address = `localhost:${sidecar.grpcPort}`;
    const ca = certs.pem("ca.crt");
    try {
      expect(await checkStatus(address, credentials.createSsl(ca, certs.pem("client.key"), certs.pem("client.crt")))).toBe(status.OK);
      expect(await checkStatus(address, credentials.createSsl(ca))).toBe(status.UNAVAILABLE);
      expect(await checkStatus(address, credentials.createSsl(ca, certs.pem("rogue-client.key"), certs.pem("rogue-client.crt")))).toBe(status.UNAVAILABLE);
      expect(await checkStatus(address)).toBe(status.UNAVAILABLE);

      const { paths } = certs;
      const tls = ["--server", address, "--tls-ca", paths["ca.crt"], "--tls-cert", paths["client.crt"], "--tls-key", paths["client.key"]];
      const { stdout } = await run(process.execPath, [DNC_BIN, "keys", "create", "--name", "over-mtls", "--role", "viewer", "--token", ADMIN_TOKEN, ...tls]);
      expect(stdout).toMatch(/created API key 'over-mtls' with role viewer/);
      const refused = await run(process.execPath, [DNC_BIN, "keys", "list", "--token", ADMIN_TOKEN, "--server", address, "--tls-ca", paths["ca.crt"]]).then(
        () => undefined,
        (err: { code: number; stderr: string }) => err,
      );
      expect(refused?.code).toBe(1);
    } finally {
      await sidecar.stop(500);
    }
  });

  it("the CLI reaches a sidecar by its IP address with no warning, and checks the certificate against that address", async () => {
    const sidecar = await Sidecar.start({
      dataDir: join(dir.path, "tls-ip"),
      grpcListen: "0.0.0.0:0",
      httpListen: "127.0.0.1:0",
      maxBatch: 100,
      adminToken: ADMIN_TOKEN,
      tls: { cert: certs.pem("server.crt"), key: certs.pem("server.key") },
    });
    const checkOver = (host: string) =>
      run(process.execPath, [DNC_BIN, "check", "+447700900123", "--channel", "sms", "--token", ADMIN_TOKEN, "--server", `${host}:${sidecar.grpcPort}`, "--tls-ca", certs.paths["ca.crt"]]).then(
        ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
        (err: { code: number; stdout: string; stderr: string }) => err,
      );
    try {
      // The certificate names 127.0.0.1: Node would warn (DEP0123) that an address may not be sent as the server's name.
      const ok = await checkOver("127.0.0.1");
      expect(ok.code, ok.stderr).toBe(0);
      expect(ok.stdout).toMatch(/"blocked": false/);
      expect(ok.stderr).not.toMatch(/DEP0123|DeprecationWarning/);
      // 127.0.0.2 reaches the same server, but its certificate does not name that address.
      const wrong = await checkOver("127.0.0.2");
      expect(wrong.code).toBe(1);
      expect(wrong.stdout).toBe("");
      expect(wrong.stderr).toMatch(/127\.0\.0\.2 is not in the cert's list/);
    } finally {
      await sidecar.stop(500);
    }
  });

  it("dnc serve names the TLS flag whose file is wrong, and does not start", async () => {
    const { paths } = certs;
    const empty = join(dir.path, "empty-ca.pem");
    writeFileSync(empty, "");
    const serve = (...tls: string[]) =>
      run(process.execPath, [DNC_BIN, "serve", "--data-dir", join(dir.path, "never"), "--grpc-listen", "127.0.0.1:0", "--http-listen", "127.0.0.1:0", ...tls], {
        env: { ...process.env, DNC_ADMIN_TOKEN: ADMIN_TOKEN },
        // A serve that starts after all never exits by itself: it is stopped and counts as "started".
        timeout: 15_000,
      }).then(
        () => "started",
        (err: { stderr: string; killed?: boolean }) => (err.killed === true ? "started" : err.stderr.trim()),
      );
    expect(await serve("--tls-cert", paths["server.crt"], "--tls-key", paths["server.key"], "--tls-client-ca", empty)).toBe(`dnc: --tls-client-ca: ${empty} holds no PEM certificate`);
    expect(await serve("--tls-cert", paths["server.crt"], "--tls-key", paths["client.key"])).toMatch(/^dnc: --tls-cert, --tls-key: the key does not go with the certificate/);
    expect(await serve("--tls-cert", paths["server.key"], "--tls-key", paths["server.key"])).toBe(`dnc: --tls-cert: ${paths["server.key"]} holds no PEM certificate`);
  });
});
