import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { buildVectors } from '../scripts/vector-cases.js';
import {
  encodeFrame,
  FRAME_TYPES,
  FrameDecoder,
  type FrameDirection,
  HostMethods,
  type MethodSchema,
  RuntimeMethods,
} from '../src/index.js';

// The golden vectors are read by the Python runtime's tests too: these tests keep the files, the generator and
// the decoder in agreement.
function read(name: string): string {
  return readFileSync(new URL(`../vectors/${name}`, import.meta.url), 'utf8');
}

function rows<T>(name: string): T[] {
  return read(name)
    .split('\n')
    .filter((line) => line.length > 0)
    .map((line) => JSON.parse(line) as T);
}

interface ValidVector {
  name: string;
  direction: FrameDirection;
  line: string;
  frame: { type: string; method?: string };
}
interface InvalidVector {
  name: string;
  direction: FrameDirection;
  line: string;
  error: string;
}
interface MethodVector {
  name: string;
  method: string;
  kind: 'params' | 'result';
  input: unknown;
  valid: boolean;
  output?: unknown;
}

const valid = rows<ValidVector>('valid.jsonl');
const invalid = rows<InvalidVector>('invalid.jsonl');
const methods = rows<MethodVector>('methods.jsonl');
const schemas: Record<string, MethodSchema> = { ...RuntimeMethods, ...HostMethods };

function decodeOne(direction: FrameDirection, line: string) {
  const events = new FrameDecoder({ direction }).push(`${line}\n`);
  expect(events).toHaveLength(1);
  return events[0]!;
}

describe('golden vectors', () => {
  test('the files are what scripts/generate-vectors.ts writes (run `pnpm vectors` in the package if not)', () => {
    const built = buildVectors();
    expect(read('valid.jsonl')).toBe(built['valid.jsonl']);
    expect(read('invalid.jsonl')).toBe(built['invalid.jsonl']);
    expect(read('methods.jsonl')).toBe(built['methods.jsonl']);
  });

  test.each(valid.map((vector) => [vector.name, vector] as const))('valid: %s', (_name, vector) => {
    const event = decodeOne(vector.direction, vector.line);
    expect(event.ok ? event.frame : event.error.message).toEqual(vector.frame);
    // The decoded form is itself a valid line that decodes to the same frame.
    expect(decodeOne(vector.direction, encodeFrame(vector.frame as never).slice(0, -1))).toEqual(event);
  });

  test.each(invalid.map((vector) => [vector.name, vector] as const))('invalid: %s', (_name, vector) => {
    const event = decodeOne(vector.direction, vector.line);
    expect(event.ok ? 'a frame' : event.error.code).toBe(vector.error);
  });

  test.each(methods.map((vector) => [vector.name, vector] as const))('method: %s', (_name, vector) => {
    const parsed = schemas[vector.method]![vector.kind].safeParse(vector.input);
    expect(parsed.success).toBe(vector.valid);
    if (vector.valid) expect(parsed.data).toEqual(vector.output);
  });

  test('cover every frame type of each direction, every method, and every line error', () => {
    for (const direction of ['host_to_runtime', 'runtime_to_host'] as const) {
      const types = new Set(valid.filter((v) => v.direction === direction).map((v) => v.frame.type));
      expect([...types].sort()).toEqual([...FRAME_TYPES[direction]].sort());
    }
    const requested = new Set(valid.filter((v) => v.frame.type === 'request').map((v) => v.frame.method));
    const allMethods = Object.keys(schemas).sort();
    expect([...requested].sort()).toEqual(allMethods);
    for (const kind of ['params', 'result'] as const) {
      const covered = new Set(methods.filter((v) => v.kind === kind && v.valid).map((v) => v.method));
      expect([...covered].sort()).toEqual(allMethods);
    }
    expect([...new Set(invalid.map((v) => v.error))].sort()).toEqual([
      'INVALID_FRAME',
      'INVALID_JSON',
      'NOT_AN_OBJECT',
      'UNKNOWN_FRAME_TYPE',
    ]);
  });
});
