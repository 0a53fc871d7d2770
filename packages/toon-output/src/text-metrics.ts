// Measuring text. Two units matter here:
// - characters reported to the model are Unicode code points (what Python's len() counts), so truncation markers
//   read the way a Python programmer expects;
// - the output cap is measured in UTF-16 code units (JavaScript's string length), which is never less than the
//   code point count, so a text under the cap is under it in either unit.

const isHighSurrogate = (unit: number): boolean => unit >= 0xd800 && unit <= 0xdbff;
const isLowSurrogate = (unit: number): boolean => unit >= 0xdc00 && unit <= 0xdfff;

/** Number of Unicode code points; a lone surrogate counts as one. */
export function codePointLength(text: string): number {
  let count = 0;
  for (let i = 0; i < text.length; i++) {
    if (isHighSurrogate(text.charCodeAt(i)) && i + 1 < text.length && isLowSurrogate(text.charCodeAt(i + 1)))
      i++;
    count++;
  }
  return count;
}

/** Width in UTF-16 units of the code point starting at `index` (2 for a surrogate pair, else 1). */
export function codePointWidth(text: string, index: number): number {
  return isHighSurrogate(text.charCodeAt(index)) &&
    index + 1 < text.length &&
    isLowSurrogate(text.charCodeAt(index + 1))
    ? 2
    : 1;
}

/** Width in UTF-16 units of the code point ending just before `end`. */
export function codePointWidthBefore(text: string, end: number): number {
  return end >= 2 && isLowSurrogate(text.charCodeAt(end - 1)) && isHighSurrogate(text.charCodeAt(end - 2))
    ? 2
    : 1;
}

/** A function giving the output size of the code point at [index, index + width). */
export type CharCost = (text: string, index: number, width: number) => number;

/** Every code point costs one: used for limits stated in characters. */
export const perCodePoint: CharCost = () => 1;

/** Raw output: a code point costs its UTF-16 width. */
export const rawCost: CharCost = (_text, _index, width) => width;

/**
 * Upper bound of the size of a code point inside a quoted TOON or JSON string: quote, backslash and the common
 * whitespace escapes take two units, other control characters and lone surrogates take six (`\u0000`).
 */
export const quotedCost: CharCost = (text, index, width) => {
  if (width === 2) return 2;
  const unit = text.charCodeAt(index);
  if (unit === 0x22 || unit === 0x5c || unit === 0x0a || unit === 0x0d || unit === 0x09) return 2;
  if (unit < 0x20 || (unit >= 0xd800 && unit <= 0xdfff)) return 6;
  return 1;
};

/** Total cost of a whole string under `cost`. */
export function textCost(text: string, cost: CharCost): number {
  if (cost === rawCost) return text.length;
  let total = 0;
  for (let i = 0; i < text.length; ) {
    const width = codePointWidth(text, i);
    total += cost(text, i, width);
    i += width;
  }
  return total;
}

/** `12345` -> `12,345`; independent of the host's locale data. */
export function formatCount(value: number): string {
  const digits = String(Math.trunc(Math.abs(value)));
  const grouped = digits.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return value < 0 ? `-${grouped}` : grouped;
}
