// Counting a text's characters as a person would (code points, a surrogate
// pair as one), without building an array of them.

/**
 * Whether `text` holds more than `max` characters (code points). A string's
 * length counts UTF-16 units, never fewer than its code points, so most
 * texts are answered without counting: an import checks several per row, and
 * the filter every customer id it is sent.
 */
export function longerThan(text: string, max: number): boolean {
  if (text.length <= max) return false;
  let chars = 0;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    // The low half of a surrogate pair is not a character of its own.
    if (unit < 0xdc00 || unit > 0xdfff || i === 0 || !isHighSurrogate(text.charCodeAt(i - 1))) chars++;
    if (chars > max) return true;
  }
  return false;
}

function isHighSurrogate(unit: number): boolean {
  return unit >= 0xd800 && unit <= 0xdbff;
}
