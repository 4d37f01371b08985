// The flags every client command shares: which sidecar, which API key, and
// the TLS to reach it with; and the client they make.

import { credentials } from "@grpc/grpc-js";
import { readFileSync } from "node:fs";
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

export function connect(values: ClientFlagValues, unaryDeadlineMs?: number): GrpcClient {
  const { "tls-ca": ca, "tls-cert": cert, "tls-key": key } = values;
  if ((cert === undefined) !== (key === undefined)) throw new Error("--tls-cert and --tls-key go together");
  // Any TLS flag means TLS; without --tls-ca the system's roots verify the server.
  const tls =
    ca === undefined && cert === undefined
      ? undefined
      : credentials.createSsl(
          ca === undefined ? null : readFileSync(ca),
          key === undefined ? null : readFileSync(key),
          cert === undefined ? null : readFileSync(cert),
        );
  return new GrpcClient(values.server, { token: token(values.token), credentials: tls, unaryDeadlineMs });
}
