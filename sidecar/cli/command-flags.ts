// node:util's parseArgs for a command's flags, refusing a flag that takes
// one value when it is given twice (parseArgs keeps the last one without a
// word, so `dnc check X --channel sms --channel voice` answered for voice
// alone), and taking --help or -h as a flag, so that it is not mistaken for
// one in a flag's value.

import { parseArgs, type ParseArgsConfig } from "node:util";

/** Thrown when a command is asked for its usage. */
export class HelpAsked extends Error {}

const HELP = { help: { type: "boolean", short: "h" } } as const;

export function parseFlags<T extends ParseArgsConfig>(config: T): ReturnType<typeof parseArgs<T>> {
  const parsed = parseArgs({ ...config, options: { ...config.options, ...HELP }, tokens: true });
  const { help, ...values } = parsed.values as Record<string, unknown>;
  if (help === true) throw new HelpAsked();
  const seen = new Map<string, string[]>();
  for (const token of parsed.tokens ?? []) {
    if (token.kind !== "option" || config.options?.[token.name]?.multiple === true) continue;
    const given = seen.get(token.name) ?? [];
    given.push(token.value ?? "");
    seen.set(token.name, given);
    if (given.length === 2) {
      const shown = config.options?.[token.name]?.type === "boolean" ? "" : ` (${given.map((v) => `'${v}'`).join(", ")})`;
      throw new Error(`--${token.name} is given twice${shown}; it takes one value`);
    }
  }
  return { values, positionals: parsed.positionals } as unknown as ReturnType<typeof parseArgs<T>>;
}
