// `dnc keys create|list|revoke`: API keys on a running sidecar, through
// AdminService (an admin key is needed).

import { timestampDate, type Timestamp } from "@bufbuild/protobuf/wkt";
import { parseFlags } from "./command-flags.js";
import { AdminService } from "../gen/dnc/v1/admin_service_pb.js";
import { RoleSchema } from "../gen/dnc/v1/api_key_pb.js";
import { clientFlags, clientUsage, COMMAND_DEADLINE_MS, connect } from "./client-options.js";
import { enumName, parseEnum } from "./enum-names.js";

export const keysUsage = `  dnc keys create --name NAME --role viewer|operator|admin
            ${clientUsage}
  dnc keys list ${clientUsage}
  dnc keys revoke NAME ${clientUsage}`;

const when = (ts: Timestamp | undefined, unset: string): string =>
  ts === undefined ? unset : timestampDate(ts).toISOString().replace(/\.\d{3}Z$/, "Z");

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((cell, i) => cell.padEnd(widths[i]!)).join("  ").trimEnd()).join("\n");
}

async function create(args: string[]): Promise<void> {
  const { values } = parseFlags({ args, options: { ...clientFlags, name: { type: "string" }, role: { type: "string" } } });
  if (values.name === undefined) throw new Error("keys create: --name is required");
  if (values.role === undefined) throw new Error("keys create: --role is required");
  const role = parseEnum(RoleSchema, "ROLE", values.role, "--role");
  const client = connect(values, COMMAND_DEADLINE_MS);
  try {
    const res = await client.call(AdminService.method.createApiKey, { name: values.name, role });
    console.log(`created API key '${res.key!.name}' with role ${enumName(RoleSchema, "ROLE", res.key!.role)}; the key, shown this once:`);
    console.log(res.secret);
  } finally {
    client.close();
  }
}

async function list(args: string[]): Promise<void> {
  const { values } = parseFlags({ args, options: clientFlags });
  const client = connect(values, COMMAND_DEADLINE_MS);
  try {
    const res = await client.call(AdminService.method.listApiKeys, {});
    const rows = res.keys.map((k) => [
      k.name,
      enumName(RoleSchema, "ROLE", k.role),
      when(k.createdAt, "-"),
      when(k.lastUsedAt, "never"),
      when(k.revokedAt, "-"),
    ]);
    console.log(table([["NAME", "ROLE", "CREATED", "LAST USED", "REVOKED"], ...rows]));
  } finally {
    client.close();
  }
}

async function revoke(args: string[]): Promise<void> {
  const { values, positionals } = parseFlags({ args, allowPositionals: true, options: clientFlags });
  if (positionals.length !== 1) throw new Error("keys revoke: give one key NAME");
  const client = connect(values, COMMAND_DEADLINE_MS);
  try {
    const res = await client.call(AdminService.method.revokeApiKey, { name: positionals[0] });
    console.log(`revoked API key '${res.key!.name}' at ${when(res.key!.revokedAt, "-")}`);
  } finally {
    client.close();
  }
}

const subcommands: Record<string, (args: string[]) => Promise<void>> = { create, list, revoke };

export async function keys(args: string[]): Promise<void> {
  const [sub, ...rest] = args;
  const run = sub === undefined ? undefined : subcommands[sub];
  if (run === undefined) throw new Error("keys: give create, list or revoke");
  await run(rest);
}
