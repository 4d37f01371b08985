// The PEM files of `dnc serve --tls-cert/--tls-key/--tls-client-ca`, read and
// held to what they must hold before the sidecar starts, so that a wrong
// file is named by its flag: a client CA file without a certificate started
// a server that refused every client, and a key that is not the
// certificate's failed in OpenSSL's words alone.

import { readFileSync } from "node:fs";
import { createSecureContext } from "node:tls";
import { messageOf } from "../errors.js";
import type { TlsOptions } from "../grpc/grpc-server.js";

const CERTIFICATE = /-----BEGIN CERTIFICATE-----/;
const PRIVATE_KEY = /-----BEGIN (?:RSA |EC |ENCRYPTED )?PRIVATE KEY-----/;

function pem(path: string, flag: string, holds: RegExp, what: string): Buffer {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (err: unknown) {
    throw new Error(`${flag}: cannot read ${path}: ${messageOf(err)}`);
  }
  if (!holds.test(bytes.toString("latin1"))) throw new Error(`${flag}: ${path} holds no PEM ${what}`);
  return bytes;
}

export function readTlsFiles(certPath: string, keyPath: string, clientCaPath: string | undefined): TlsOptions {
  const cert = pem(certPath, "--tls-cert", CERTIFICATE, "certificate");
  const key = pem(keyPath, "--tls-key", PRIVATE_KEY, "private key");
  try {
    createSecureContext({ cert, key });
  } catch (err: unknown) {
    throw new Error(`--tls-cert, --tls-key: the key does not go with the certificate, or one does not load (${messageOf(err)})`);
  }
  if (clientCaPath === undefined) return { cert, key };
  const clientCa = pem(clientCaPath, "--tls-client-ca", CERTIFICATE, "certificate");
  try {
    createSecureContext({ ca: clientCa });
  } catch (err: unknown) {
    throw new Error(`--tls-client-ca: ${clientCaPath} does not load (${messageOf(err)})`);
  }
  return { cert, key, clientCa };
}
