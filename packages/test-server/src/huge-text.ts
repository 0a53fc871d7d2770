const LETTERS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
export const HUGE_LINE_BYTES = 64;

/**
 * A deterministic ASCII text of exactly `bytes` bytes, so a receiver can regenerate it and compare. Made of
 * 64-byte lines: the 10-digit line number, a space, the 52 letters rotated by the line number, a newline; the
 * last line is cut to fit.
 */
export function hugeText(bytes: number): string {
  const lines: string[] = [];
  const count = Math.ceil(bytes / HUGE_LINE_BYTES);
  for (let index = 0; index < count; index += 1) {
    const shift = index % LETTERS.length;
    lines.push(`${String(index).padStart(10, '0')} ${LETTERS.slice(shift)}${LETTERS.slice(0, shift)}\n`);
  }
  return lines.join('').slice(0, bytes);
}
