/** Sizes and durations as messages say them. Pure. */

const BYTE_UNITS = ['bytes', 'KiB', 'MiB', 'GiB', 'TiB'] as const;

/** `512 MiB`, `1.5 GiB`, `4097 bytes`: the largest binary unit that leaves at least 1, one decimal at most. */
export function formatBytes(value: number): string {
  let n = value;
  let unit = 0;
  while (Math.abs(n) >= 1024 && unit < BYTE_UNITS.length - 1) {
    n /= 1024;
    unit += 1;
  }
  if (unit === 0) return `${n} bytes`;
  return `${Number.isInteger(n) ? n : n.toFixed(1)} ${BYTE_UNITS[unit]}`;
}

/** `250 ms`, `30 s`, `1.5 s`, `2 min`, `90 s`: whole minutes in minutes, else seconds with one decimal at most. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms % 60_000 === 0) return `${ms / 60_000} min`;
  const seconds = Math.round(ms / 100) / 10;
  return `${seconds} s`;
}
