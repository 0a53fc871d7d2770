/**
 * Kubernetes resource quantities (`512Mi`, `1G`, `1500m`, `2`, `1e3`) as numbers, for the values podman takes.
 * Pure. The grammar is the API's: a signed decimal number, then a binary suffix (Ki … Ei), a decimal one (n, u, m,
 * k, M, G, T, P, E) or a decimal exponent (`e3`, `E-2`).
 */

const BINARY: Record<string, number> = {
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};
const DECIMAL: Record<string, number> = {
  n: 1e-9,
  u: 1e-6,
  m: 1e-3,
  '': 1,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
};

const QUANTITY = /^([+-]?(?:\d+\.?\d*|\.\d+))(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE]|[eE][+-]?\d+)?$/;

/** The value of a quantity, or undefined when it is not one. */
export function parseQuantity(text: string): number | undefined {
  const match = QUANTITY.exec(text.trim());
  if (!match) return undefined;
  const number = Number(match[1]);
  const suffix = match[2] ?? '';
  if (/^[eE]/.test(suffix)) return number * 10 ** Number(suffix.slice(1));
  const unit = BINARY[suffix] ?? DECIMAL[suffix];
  return unit === undefined ? undefined : number * unit;
}

/** A memory quantity as whole bytes (rounded up, as the API rounds fractional bytes), for `--memory`. */
export function memoryBytes(text: string): number | undefined {
  const value = parseQuantity(text);
  return value === undefined || value <= 0 ? undefined : Math.ceil(value);
}

/** A CPU quantity as the CPUs podman's `--cpus` takes (`1500m` → `1.5`), at the API's precision of 1m. */
export function cpus(text: string): string | undefined {
  const value = parseQuantity(text);
  if (value === undefined) return undefined;
  const millis = Math.ceil(Math.round(value * 1e6) / 1e3);
  return millis <= 0 ? undefined : String(millis / 1000);
}
