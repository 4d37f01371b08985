// The flags every client command shares: which sidecar, which API key, and
// the TLS to reach it with; and the client they make.

import { credentials, type ChannelOptions } from "@grpc/grpc-js";
import { readFileSync } from "node:fs";
import { isIP } from "node:net";
import { checkServerIdentity, type PeerCertificate } from "node:tls";
import { GrpcClient } from "../grpc/grpc-client.js";
import { DEFAULTS } from "../sidecar.js";

export const clientFlags = {
  server: { type: "string", default: DEFAULTS.grpcListen },
  token: { type: "string" },
  "tls-ca": { type: "string" },
  "tls-cert": { type: "string" },
  "tls-key": { type: "string" },
} as const;

export const clientUsage = "[--server ADDR] [--token KEY] [--tls-ca FILE [--tls-cert FILE --tls-key FILE]]";

export interface ClientFlagValues {
  server: string;
  token?: string;
  "tls-ca"?: string;
  "tls-cert"?: string;
  "tls-key"?: string;
}

/** The key to send: --token, else DNC_TOKEN, else DNC_ADMIN_TOKEN (the set-up key). */
function token(flag: string | undefined): string | undefined {
  return flag || process.env.DNC_TOKEN || process.env.DNC_ADMIN_TOKEN || undefined;
}

/**
 * How long a short command's call (add, check, keys) may take before it
 * gives up, saying so. Imports and exports run as long as their files take.
 */
export const COMMAND_DEADLINE_MS = 30_000;

/** The host of a --server address ("127.0.0.1:7443", "[::1]:7443", "dns:host:7443"), or undefined for a unix socket. */
function hostOf(server: string): string | undefined {
  if (server.startsWith("unix:")) return undefined;
  const address = server.replace(/^(?:dns|ipv4|ipv6):(?:\/\/[^/]*\/)?/, "");
  const bracketed = /^\[([^\]]+)\]/.exec(address);
  if (bracketed !== null) return bracketed[1];
  const colon = address.lastIndexOf(":");
  return colon > 0 && address.indexOf(":") === colon ? address.slice(0, colon) : address;
}

/**
 * TLS sends the server's name (SNI), and an IP address may not be one (RFC
 * 6066): Node warns (DEP0123) on every command and means to ignore it. To a
 * server given by its address, the name sent is one that cannot exist, and
 * its certificate is still checked against the address.
 */
const NO_SERVER_NAME = "dnc-sidecar.invalid";

export function connect(values: ClientFlagValues, unaryDeadlineMs?: number): GrpcClient {
  const { "tls-ca": ca, "tls-cert": cert, "tls-key": key } = values;
  if ((cert === undefined) !== (key === undefined)) throw new Error("--tls-cert and --tls-key go together");
  // Any TLS flag means TLS; without --tls-ca the system's roots verify the server.
  const useTls = ca !== undefined || cert !== undefined;
  const host = hostOf(values.server);
  const byAddress = useTls && host !== undefined && isIP(host) !== 0;
  const tls = useTls
    ? credentials.createSsl(
        ca === undefined ? null : readFileSync(ca),
        key === undefined ? null : readFileSync(key),
        cert === undefined ? null : readFileSync(cert),
        byAddress ? { checkServerIdentity: (_name: string, peer: PeerCertificate) => checkServerIdentity(host, peer) } : {},
      )
    : undefined;
  const channelOptions: ChannelOptions = byAddress ? { "grpc.ssl_target_name_override": NO_SERVER_NAME } : {};
  return new GrpcClient(values.server, { token: token(values.token), credentials: tls, unaryDeadlineMs, channelOptions });
}
