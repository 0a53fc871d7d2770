import type { z } from 'zod';
import {
  type AnyFrame,
  CancelFrame,
  DoneFrame,
  ErrorResponseFrame,
  ExecuteFrame,
  FRAME_TYPES,
  type FrameDirection,
  HelloFrame,
  type HostToRuntimeFrame,
  OutputFrame,
  RequestFrame,
  ResultResponseFrame,
  type RuntimeToHostFrame,
} from './frames.js';

/** Which frames a decoder accepts: those of one direction, or every type (`any`). */
export type DecoderDirection = FrameDirection | 'any';

/** The frame union of a direction. */
export type FrameOf<D extends DecoderDirection> = D extends 'host_to_runtime'
  ? HostToRuntimeFrame
  : D extends 'runtime_to_host'
    ? RuntimeToHostFrame
    : AnyFrame;

// Dispatching on `type` to one schema is faster than trying the union, and its issues name the real problem.
const SCHEMAS: Record<AnyFrame['type'], z.ZodType> = {
  hello: HelloFrame,
  execute: ExecuteFrame,
  stdout: OutputFrame,
  stderr: OutputFrame,
  request: RequestFrame,
  response: ResultResponseFrame,
  cancel: CancelFrame,
  done: DoneFrame,
};

export function acceptedTypes(direction: DecoderDirection): ReadonlySet<string> {
  return new Set(direction === 'any' ? Object.keys(SCHEMAS) : FRAME_TYPES[direction]);
}

/** The first few issues of a failed parse, as one short line. */
export function describeIssues(issues: readonly z.core.$ZodIssue[]): string {
  return issues
    .slice(0, 3)
    .map((issue) => (issue.path.length > 0 ? `${issue.path.join('.')}: ${issue.message}` : issue.message))
    .join('; ');
}

export type FrameCheck<F> =
  | { ok: true; frame: F }
  | { ok: false; code: 'NOT_AN_OBJECT' | 'UNKNOWN_FRAME_TYPE' | 'INVALID_FRAME'; message: string };

/**
 * Checks a parsed JSON value against the frame types of a direction. With `validate`, the frame is the schema's
 * output (unknown fields dropped, defaults applied); without, it is the value itself.
 */
export function checkFrame<D extends DecoderDirection>(
  value: unknown,
  direction: D,
  accepted: ReadonlySet<string>,
  validate: boolean,
): FrameCheck<FrameOf<D>> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    const kind = value === null ? 'null' : Array.isArray(value) ? 'an array' : `a ${typeof value}`;
    return { ok: false, code: 'NOT_AN_OBJECT', message: `is ${kind}, not a frame object` };
  }
  const type = (value as { type?: unknown }).type;
  if (typeof type !== 'string') {
    return { ok: false, code: 'INVALID_FRAME', message: 'has no string "type" field' };
  }
  if (!accepted.has(type)) {
    const shown = type.length > 40 ? `${type.slice(0, 40)}…` : type;
    const where = direction === 'any' ? 'any direction' : direction;
    return {
      ok: false,
      code: 'UNKNOWN_FRAME_TYPE',
      message: `has frame type ${JSON.stringify(shown)}, which is not accepted in ${where}`,
    };
  }
  if (!validate) return { ok: true, frame: value as FrameOf<D> };
  const schema =
    type === 'response' && 'error' in value && !('result' in value)
      ? ErrorResponseFrame
      : SCHEMAS[type as AnyFrame['type']];
  const parsed = schema.safeParse(value);
  if (parsed.success) return { ok: true, frame: parsed.data as FrameOf<D> };
  return {
    ok: false,
    code: 'INVALID_FRAME',
    message: `is not a valid "${type}" frame: ${describeIssues(parsed.error.issues)}`,
  };
}
