import type { JsonValue } from './json-value.js';
import type { AttachmentOutcome, OutcomeStatus, SessionOutcome, UpstreamTruncation } from './run-outcome.js';

/** How much of one part of the result was cut by the renderer. Counts are exact; characters are code points. */
export interface PartTruncation {
  /** Characters omitted in total: whole lines plus the middles of shortened lines. */
  omittedChars: number;
  /** Lines omitted entirely (replaced by one marker line). */
  omittedLines: number;
  /** Lines kept with their middle replaced by an inline marker. */
  shortenedLines?: number;
}

/** The parts of a result that can be cut to fit the output cap. */
export type TruncatablePart = 'stdout' | 'stderr' | 'value' | 'error' | 'traceback' | 'servers';

export const TRUNCATABLE_PARTS: readonly TruncatablePart[] = [
  'stdout',
  'stderr',
  'value',
  'error',
  'traceback',
  'servers',
];

export type Truncation = { [Part in TruncatablePart]?: PartTruncation } & {
  /** Truncation the sandbox reported before rendering. */
  sandbox?: UpstreamTruncation;
};

/**
 * The JSON payload of a run result (MCP `structuredContent`). `status` and `summary` are always present; every
 * other key is present only when it has content, so the payload stays small. The keys `status`, `summary`,
 * `exitCode`, `servers`, `stdout`, `stderr`, `error` and `timeoutSeconds` mean what they meant in the original
 * bridge; the others are additions.
 */
export interface StructuredResult {
  status: OutcomeStatus;
  /** One line for the model: `Success`, `Success (no output)`, `Timeout: execution exceeded 30s`, … */
  summary: string;
  exitCode?: number;
  servers?: string[];
  /** stdout split into lines, blank lines dropped. */
  stdout?: string[];
  /** stderr split into lines, blank lines dropped. */
  stderr?: string[];
  /** The value of the last expression as JSON, when it had a JSON form and fitted. */
  value?: JsonValue;
  /** The value of the last expression as text (its repr), when it had no JSON form or did not fit as JSON. */
  repr?: string;
  /** `Type: message` of the exception, or the error message. */
  error?: string;
  /** The exception's traceback, split into lines, blank lines dropped. */
  traceback?: string[];
  /** The time limit, on timeouts. */
  timeoutSeconds?: number;
  durationMs?: number;
  /** Tool calls made during the run. */
  calls?: number;
  /** Present when anything was cut, here or in the sandbox. */
  truncated?: Truncation;
  /** The run's session: its name, the run's number in it, and whether the state was kept, renewed or lost. */
  session?: SessionOutcome;
  /** Files handed back with the result: name, MIME type and size (their bytes are separate content). */
  attachments?: AttachmentOutcome[];
}

const count = { type: 'integer', minimum: 0 } as const;
const lines = { type: 'array', items: { type: 'string' } } as const;

/**
 * JSON Schema of `StructuredResult`, for an MCP tool's `outputSchema`. Uses only keywords that draft-07 and
 * draft 2020-12 read the same way, and declares no `$schema`, so either dialect validates with it. It travels in
 * every `tools/list` and so costs context tokens on every request: `truncated` is only said to be an object (its
 * shape is the `Truncation` type, documented in the README), which halves the schema's size.
 */
export const structuredResultSchema = {
  type: 'object',
  properties: {
    status: { type: 'string', enum: ['success', 'error', 'timeout', 'cancelled', 'validation_error'] },
    summary: { type: 'string' },
    exitCode: { type: 'integer' },
    servers: lines,
    stdout: lines,
    stderr: lines,
    value: {},
    repr: { type: 'string' },
    error: { type: 'string' },
    traceback: lines,
    timeoutSeconds: { type: 'number', minimum: 0 },
    durationMs: { type: 'number', minimum: 0 },
    calls: count,
    truncated: { type: 'object' },
    session: {
      type: 'object',
      properties: {
        name: { type: 'string' },
        run: { type: 'integer', minimum: 1 },
        state: { type: 'string', enum: ['new', 'kept'] },
        reason: { type: 'string' },
        lost: { type: 'string' },
      },
      required: ['name', 'run', 'state'],
      additionalProperties: false,
    },
    attachments: {
      type: 'array',
      items: {
        type: 'object',
        properties: { name: { type: 'string' }, mimeType: { type: 'string' }, size: count },
        required: ['name', 'mimeType', 'size'],
        additionalProperties: false,
      },
    },
  },
  required: ['status', 'summary'],
  additionalProperties: false,
} as const;
