export type JsonPrimitive = string | number | boolean | null;
export type JsonValue = JsonPrimitive | JsonValue[] | { [key: string]: JsonValue };

/** Nesting deeper than this is replaced by a placeholder: deeper data would not help a reader, and recursion is bounded. */
export const MAX_JSON_DEPTH = 100;

const UNSERIALISABLE = Symbol('unserialisable');

function convert(value: unknown, depth: number, ancestors: Set<object>): JsonValue | typeof UNSERIALISABLE {
  if (value === null) return null;
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return value;
    case 'number':
      // Like JSON: non-finite numbers become null; -0 is written as 0, so it is 0 after a round trip.
      return Number.isFinite(value) ? (Object.is(value, -0) ? 0 : value) : null;
    case 'bigint':
      return Number.isSafeInteger(Number(value)) ? Number(value) : value.toString();
    case 'undefined':
    case 'function':
    case 'symbol':
      return UNSERIALISABLE;
  }
  const object = value as object;
  if (ancestors.has(object)) return '[Circular]';
  if (depth >= MAX_JSON_DEPTH) return '[Too deep]';
  ancestors.add(object);
  try {
    const toJSON = (object as { toJSON?: unknown }).toJSON;
    if (typeof toJSON === 'function') return convert(toJSON.call(object), depth, ancestors);
    if (Array.isArray(object) || object instanceof Set) {
      return Array.from(object as Iterable<unknown>, (item) => {
        const converted = convert(item, depth + 1, ancestors);
        return converted === UNSERIALISABLE ? null : converted;
      });
    }
    const entries: [string, unknown][] =
      object instanceof Map
        ? Array.from(object, ([key, item]) => [String(key), item])
        : Object.keys(object).map((key) => [key, (object as Record<string, unknown>)[key]]);
    const out: [string, JsonValue][] = [];
    for (const [key, item] of entries) {
      const converted = convert(item, depth + 1, ancestors);
      if (converted !== UNSERIALISABLE) out.push([key, converted]);
    }
    // fromEntries defines own properties, so a `__proto__` key stays data and never touches the prototype.
    return Object.fromEntries(out);
  } catch {
    // A throwing getter or toJSON: say so in place instead of failing the whole rendering.
    return '[Unserializable]';
  } finally {
    ancestors.delete(object);
  }
}

/** Whether `value` is already exactly what JSON.parse could return, so it needs no copy. */
function isPlainJson(value: unknown, depth: number): boolean {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return true;
  if (typeof value === 'number') return Number.isFinite(value) && !Object.is(value, -0);
  if (typeof value !== 'object' || depth >= MAX_JSON_DEPTH) return false;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) if (!isPlainJson(value[i], depth + 1)) return false;
    return true;
  }
  const prototype = Object.getPrototypeOf(value);
  if (prototype !== Object.prototype && prototype !== null) return false;
  if (Object.hasOwn(value, 'toJSON')) return false;
  for (const key in value) {
    const descriptor = Object.getOwnPropertyDescriptor(value, key);
    if (!descriptor || !('value' in descriptor) || !isPlainJson(descriptor.value, depth + 1)) return false;
  }
  return true;
}

/**
 * A JSON-safe copy of any value, following JSON.stringify's rules where it has them (toJSON, dropped undefined and
 * functions, null for non-finite numbers) and never throwing where it throws: cycles, BigInt, throwing getters and
 * very deep nesting become placeholders. Maps become objects and Sets arrays. The top level is never dropped:
 * an unserialisable top level becomes null. A value that is already plain JSON is returned itself, not copied.
 */
export function toJsonValue(value: unknown): JsonValue {
  // Values parsed from JSON (what a sandbox sends) are returned as they are: copying megabytes buys nothing.
  if (isPlainJson(value, 0)) return value as JsonValue;
  const converted = convert(value, 0, new Set());
  return converted === UNSERIALISABLE ? null : converted;
}
