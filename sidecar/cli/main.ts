#!/usr/bin/env node
// The `dnc` command: `serve` runs the sidecar; `add`, `check`, `keys`,
// `import` and `export` talk to a running one over gRPC; `bench` runs the
// benchmark harness.

import { toJson } from "@bufbuild/protobuf";
import { status } from "@grpc/grpc-js";
import { HelpAsked, parseFlags } from "./command-flags.js";
import { AdminService } from "../gen/dnc/v1/admin_service_pb.js";
import { CheckResponseSchema, FilterService } from "../gen/dnc/v1/filter_service_pb.js";
import { ChannelSchema, ContactKindSchema, ReasonSchema, SourceSchema } from "../gen/dnc/v1/types_pb.js";
import { resolveCountry } from "../normalise/contact-normaliser.js";
import { DEFAULT_IMPORT_SETTINGS } from "../import/import-settings.js";
import { DEFAULTS, maxBatchProblem, Sidecar } from "../sidecar.js";
import { clientFlags, clientUsage, COMMAND_DEADLINE_MS, connect } from "./client-options.js";
import { enumName, parseEnum } from "./enum-names.js";
import { exportCommand, exportUsage } from "./export-command.js";
import { importCommand, importUsage } from "./import-command.js";
import { keys, keysUsage } from "./keys-command.js";
import { readTlsFiles } from "./tls-files.js";

const usage = `dnc — Do-Not-Contact filter sidecar

  dnc serve [--data-dir DIR] [--grpc-listen HOST:PORT|unix:PATH] [--http-listen HOST:PORT]
            [--filter-listen HOST:PORT|unix:PATH] [--max-batch N] [--default-country CC] [--filter-token] [--import-max-bytes N[K|M|G]]
            [--tls-cert FILE --tls-key FILE [--tls-client-ca FILE]]
  dnc add CONTACT... [--channel C ...] [--sender S ...] [--account A ...] [--kind phone|email|customer-id]
            [--source S] [--reason R] [--campaign REF] [--note TEXT] [--country CC]
            ${clientUsage}
  dnc check RECIPIENT --channel C [--sender S] [--account A] [--customer-id ID] [--country CC]
            ${clientUsage}
${keysUsage}
${importUsage}
${exportUsage}
  dnc bench [--quick | --smoke | --entries N] [--only dnc,redis,postgres] [--seconds S] [--profile]
            [--out DIR]   (as npm run bench; bash bench/setup.sh installs the peers)

Defaults: --data-dir ${DEFAULTS.dataDir}, --grpc-listen ${DEFAULTS.grpcListen}, --http-listen ${DEFAULTS.httpListen},
--server ${DEFAULTS.grpcListen}, --max-batch ${DEFAULTS.maxBatch}, --import-max-bytes ${DEFAULT_IMPORT_SETTINGS.maxFileBytes / 1024 ** 2}M.

--filter-listen adds a port serving FilterService alone, its connections held by a thread of their own:
the faster door for a gateway's FilterBatch and Check calls (the gRPC port serves them too).

AdminService calls need an API key, and with --filter-token FilterService calls too. Clients send
--token, else $DNC_TOKEN, else $DNC_ADMIN_TOKEN. \`dnc serve\` accepts $DNC_ADMIN_TOKEN (16+ characters)
as an admin key; without it, a store with no keys gets an admin key 'admin', printed once.
`;

/** Short tokens could be guessed; generated keys are far longer. */
const MIN_ADMIN_TOKEN_LENGTH = 16;

function adminToken(): string | undefined {
  const token = process.env.DNC_ADMIN_TOKEN || undefined;
  if (token !== undefined && token.length < MIN_ADMIN_TOKEN_LENGTH) {
    throw new Error(`DNC_ADMIN_TOKEN: use at least ${MIN_ADMIN_TOKEN_LENGTH} characters`);
  }
  // A key travels as "Bearer <key>": one with a space or a line break in it could never be sent.
  if (token !== undefined && /\s/.test(token)) throw new Error("DNC_ADMIN_TOKEN: must not hold spaces or line breaks");
  return token;
}

/** A listen address with the port it was bound to: port 0 asks the system for one, and the operator needs to know which. */
function bound(address: string, port: number): string {
  return address.startsWith("unix:") ? address : address.replace(/:\d+$/, `:${port}`);
}

/** A byte count, with an optional K, M or G (powers of 1024). */
function byteSize(text: string, flag: string): number {
  const m = /^(\d+)([KMG]?)$/i.exec(text.trim());
  if (m === null || Number(m[1]) === 0) throw new Error(`${flag}: expected a positive number of bytes, optionally with K, M or G`);
  return Number(m[1]) * 1024 ** " KMG".indexOf((m[2] || " ").toUpperCase());
}

function filterPortNote(address: string | undefined, sidecar: Sidecar): string {
  return address === undefined || sidecar.filterFront === undefined ? "" : `, FilterService alone on ${bound(address, sidecar.filterFront.port)}`;
}

async function serve(args: string[]): Promise<void> {
  const { values } = parseFlags({
    args,
    options: {
      "data-dir": { type: "string", default: DEFAULTS.dataDir },
      "grpc-listen": { type: "string", default: DEFAULTS.grpcListen },
      "http-listen": { type: "string", default: DEFAULTS.httpListen },
      "filter-listen": { type: "string" },
      "max-batch": { type: "string", default: String(DEFAULTS.maxBatch) },
      "default-country": { type: "string", default: "" },
      "filter-token": { type: "boolean", default: false },
      "import-max-bytes": { type: "string", default: String(DEFAULT_IMPORT_SETTINGS.maxFileBytes) },
      "tls-cert": { type: "string" },
      "tls-key": { type: "string" },
      "tls-client-ca": { type: "string" },
    },
  });
  const { "tls-cert": cert, "tls-key": key, "tls-client-ca": clientCa } = values;
  if ((cert === undefined) !== (key === undefined)) throw new Error("--tls-cert and --tls-key go together");
  if (clientCa !== undefined && cert === undefined) throw new Error("--tls-client-ca needs --tls-cert and --tls-key");
  const maxBatch = Number(values["max-batch"]);
  const badBatch = maxBatchProblem(maxBatch);
  if (badBatch !== undefined) throw new Error(`--max-batch: ${badBatch}`);
  const started = Date.now();
  const sidecar = await Sidecar.start({
    dataDir: values["data-dir"],
    grpcListen: values["grpc-listen"],
    httpListen: values["http-listen"],
    maxBatch,
    defaultCountry: resolveCountry(values["default-country"], undefined, "--default-country"),
    adminToken: adminToken(),
    filterToken: values["filter-token"],
    filterListen: values["filter-listen"],
    imports: { maxFileBytes: byteSize(values["import-max-bytes"], "--import-max-bytes") },
    tls: cert === undefined || key === undefined ? undefined : readTlsFiles(cert, key, clientCa),
  });
  if (sidecar.createdAdminKey !== undefined) {
    console.log(`dnc: created admin API key 'admin': ${sidecar.createdAdminKey}  (shown once; store it now)`);
  }
  const entries = sidecar.list.store.entryCount();
  console.log(
    `dnc serving ${entries} entries: gRPC on ${bound(values["grpc-listen"], sidecar.grpcPort)}, HTTP on ${bound(values["http-listen"], sidecar.httpPort)}${filterPortNote(values["filter-listen"], sidecar)} (ready in ${Date.now() - started} ms)`,
  );
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`dnc: ${signal}, finishing in-flight calls`);
    sidecar.stop().then(
      () => process.exit(0),
      (err: unknown) => {
        console.error(err);
        process.exit(1);
      },
    );
  };
  process.on("SIGTERM", () => stop("SIGTERM"));
  process.on("SIGINT", () => stop("SIGINT"));
}

async function add(args: string[]): Promise<void> {
  const { values, positionals } = parseFlags({
    args,
    allowPositionals: true,
    options: {
      channel: { type: "string", multiple: true, default: [] },
      sender: { type: "string", multiple: true, default: [] },
      account: { type: "string", multiple: true, default: [] },
      kind: { type: "string", default: "" },
      source: { type: "string", default: "manual" },
      reason: { type: "string", default: "" },
      campaign: { type: "string", default: "" },
      note: { type: "string", default: "" },
      country: { type: "string", default: "" },
      ...clientFlags,
    },
  });
  if (positionals.length === 0) throw new Error("add: give at least one CONTACT");
  const kind = values.kind === "" ? 0 : parseEnum(ContactKindSchema, "CONTACT_KIND", values.kind, "--kind");
  const source = parseEnum(SourceSchema, "SOURCE", values.source, "--source");
  const reason = values.reason === "" ? 0 : parseEnum(ReasonSchema, "REASON", values.reason, "--reason");
  // Several channels, senders or accounts are several entries (SPEC §2): one per contact and combination.
  const channels = values.channel.length === 0 ? [0] : values.channel.map((c) => parseEnum(ChannelSchema, "CHANNEL", c, "--channel"));
  const senders = values.sender.length === 0 ? [""] : values.sender;
  const accounts = values.account.length === 0 ? [""] : values.account;
  const entries = positionals.flatMap((contact) =>
    channels.flatMap((channel) =>
      senders.flatMap((sender) =>
        accounts.map((account) => ({ contact, kind, channel, sender, account, source, reason, campaignRef: values.campaign, note: values.note })),
      ),
    ),
  );
  const several = entries.length > positionals.length;
  const named = (e: (typeof entries)[number]) =>
    several ? `${e.contact} (${[enumName(ChannelSchema, "CHANNEL", e.channel), e.sender, e.account].filter((p) => p !== "").join(", ")})` : e.contact;
  const client = connect(values, COMMAND_DEADLINE_MS);
  try {
    const res = await client.call(AdminService.method.addEntries, { defaultCountry: values.country, entries });
    console.log(`added ${res.added}, repeated ${res.repeated}, rejected ${res.rejected.length}`);
    for (const r of res.rejected) console.log(`  rejected ${named(entries[r.index]!)}: ${r.reason}`);
    if (res.rejected.length > 0) process.exitCode = 1;
  } finally {
    client.close();
  }
}

async function check(args: string[]): Promise<void> {
  const { values, positionals } = parseFlags({
    args,
    allowPositionals: true,
    options: {
      channel: { type: "string" },
      sender: { type: "string", default: "" },
      account: { type: "string", default: "" },
      "customer-id": { type: "string", default: "" },
      country: { type: "string", default: "" },
      ...clientFlags,
    },
  });
  if (positionals.length !== 1) throw new Error("check: give one RECIPIENT");
  if (values.channel === undefined) throw new Error("check: --channel is required");
  const client = connect(values, COMMAND_DEADLINE_MS);
  try {
    const res = await client.call(FilterService.method.check, {
      defaultCountry: values.country,
      request: {
        recipient: positionals[0],
        channel: parseEnum(ChannelSchema, "CHANNEL", values.channel, "--channel"),
        sender: values.sender,
        account: values.account,
        customerId: values["customer-id"],
      },
    });
    console.log(JSON.stringify(toJson(CheckResponseSchema, res, { alwaysEmitImplicit: true }), null, 2));
    // 2: blocked; 3: the recipient could not be checked, which is no "allowed" either.
    if (res.blocked) process.exitCode = 2;
    else if (res.code !== "") process.exitCode = 3;
  } finally {
    client.close();
  }
}

async function bench(args: string[]): Promise<void> {
  // Loaded only when asked for: the harness is dev tooling beside the sidecar in dist/.
  const { runBench } = await import("../../bench/run-bench.js");
  await runBench(args, `dnc bench ${args.join(" ")}`.trim());
}

const commands: Record<string, (args: string[]) => Promise<void>> = { serve, add, check, keys, import: importCommand, export: exportCommand, bench };

async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  const run = command === undefined ? undefined : commands[command];
  const asked = command === undefined || command === "help" || command === "--help" || command === "-h";
  // The other commands take --help as a flag (parseFlags), where it cannot be a flag's value; the bench parses its own.
  const helpFirst = rest[0] === "--help" || rest[0] === "-h" || (command === "bench" && (rest.includes("--help") || rest.includes("-h")));
  if (run === undefined || helpFirst) {
    if (run === undefined && !asked) console.error(`dnc: unknown command '${command}'`);
    process.stdout.write(usage);
    process.exitCode = run === undefined && !asked ? 64 : 0;
    return;
  }
  try {
    await run(rest);
  } catch (err: unknown) {
    if (!(err instanceof HelpAsked)) throw err;
    process.stdout.write(usage);
  }
}

main(process.argv.slice(2)).catch((err: unknown) => {
  const e = err as { code?: unknown; details?: string; message?: string };
  const hint = e.code === status.UNAUTHENTICATED ? " (give --token KEY, or set DNC_TOKEN)" : "";
  console.error(`dnc: ${e.details ?? e.message ?? String(err)}${hint}`);
  process.exit(1);
});
