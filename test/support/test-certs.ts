// Certificates made at test time with the openssl command: a CA, a server
// certificate for localhost / 127.0.0.1, a client certificate from that CA,
// and a client certificate from an unrelated CA.

import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export interface CertFiles {
  /** Paths of the PEM files. */
  paths: Record<CertName, string>;
  pem(name: CertName): Buffer;
}

export type CertName = "ca.crt" | "server.crt" | "server.key" | "client.crt" | "client.key" | "rogue-client.crt" | "rogue-client.key";

function openssl(dir: string, ...args: string[]): void {
  execFileSync("openssl", args, { cwd: dir, stdio: ["ignore", "ignore", "pipe"] });
}

const KEY = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];

function makeCa(dir: string, name: string): void {
  openssl(dir, "req", "-x509", ...KEY, "-keyout", `${name}.key`, "-out", `${name}.crt`, "-days", "1", "-subj", `/CN=${name}`,
    "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign");
}

function issue(dir: string, ca: string, name: string, extensions: string): void {
  writeFileSync(join(dir, `${name}.ext`), extensions);
  openssl(dir, "req", ...KEY, "-keyout", `${name}.key`, "-out", `${name}.csr`, "-subj", `/CN=${name}`);
  openssl(dir, "x509", "-req", "-in", `${name}.csr`, "-CA", `${ca}.crt`, "-CAkey", `${ca}.key`, "-CAcreateserial",
    "-out", `${name}.crt`, "-days", "1", "-extfile", `${name}.ext`);
}

export function makeTestCerts(dir: string): CertFiles {
  makeCa(dir, "ca");
  makeCa(dir, "rogue-ca");
  issue(dir, "ca", "server", "subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n");
  issue(dir, "ca", "client", "extendedKeyUsage=clientAuth\n");
  issue(dir, "rogue-ca", "rogue-client", "extendedKeyUsage=clientAuth\n");
  const names: CertName[] = ["ca.crt", "server.crt", "server.key", "client.crt", "client.key", "rogue-client.crt", "rogue-client.key"];
  const paths = Object.fromEntries(names.map((n) => [n, join(dir, n)])) as Record<CertName, string>;
  return { paths, pem: (name) => readFileSync(paths[name]) };
}
