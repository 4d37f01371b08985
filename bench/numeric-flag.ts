// Reads a numeric command-line flag of a bench script: underscores allowed
// as separators (10_000_000), positive only, the flag named when it is wrong.

export function positiveFlag(name: string, text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  const n = Number(text.replace(/_/g, ""));
  if (!Number.isFinite(n) || n <= 0) throw new Error(`--${name}: expected a positive number, got '${text}'`);
  return n;
}

/** As positiveFlag, for counts: a fraction is refused. */
export function countFlag(name: string, text: string | undefined, fallback: number): number {
  const n = positiveFlag(name, text, fallback);
  if (!Number.isInteger(n)) throw new Error(`--${name}: expected a whole number, got '${text}'`);
  return n;
}
