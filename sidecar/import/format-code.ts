// The sections of a spreadsheet number format code: positive;negative;zero;text.
// A ';' inside quotes or after a backslash is the section's own text.

/** The code up to its first ';' that is not quoted or escaped: the section for positive numbers. */
export function firstSection(code: string): string {
  let quoted = false;
  for (let i = 0; i < code.length; i++) {
    const c = code[i];
    if (c === '"') quoted = !quoted;
    else if (c === "\\" && !quoted) i++;
    else if (c === ";" && !quoted) return code.slice(0, i);
  }
  return code;
}
