import { encode } from '@toon-format/toon';
import { ToonOutputError } from './errors.js';
import type { JsonValue } from './json-value.js';

export type OutputMode = 'toon' | 'compact' | 'json';

export const OUTPUT_MODES: readonly OutputMode[] = ['toon', 'compact', 'json'];

/** The default output cap, in UTF-16 code units of the final text (fence included). */
export const DEFAULT_MAX_CHARS = 100_000;
/** Smallest accepted cap: room for the status, a short summary and the truncation record. */
export const MIN_MAX_CHARS = 1_000;
/** Lines longer than this many characters (code points) keep only their head and tail. */
export const DEFAULT_MAX_LINE_CHARS = 10_000;
export const MIN_MAX_LINE_CHARS = 100;
/** The summary line keeps at most this many characters (code points). */
export const SUMMARY_MAX_CHARS = 500;

/** Encodes a JSON value as TOON text. May throw; the caller then falls back to JSON. */
export type ToonEncoder = (value: JsonValue) => string;

export const defaultToonEncoder: ToonEncoder = (value) => encode(value);

export interface RenderOptions {
  /**
   * `toon`: a ```toon block, or a ```json block of minified JSON when that takes fewer tokens; `compact`: plain text;
   * `json`: a ```json block, indented. @default 'toon'
   */
  mode?: OutputMode;
  /** Cap on `text.length`, fence included; at least {@link MIN_MAX_CHARS}. @default DEFAULT_MAX_CHARS (100 000) */
  maxChars?: number;
  /** Per-line cap in characters; at least {@link MIN_MAX_LINE_CHARS}. @default DEFAULT_MAX_LINE_CHARS (10 000) */
  maxLineChars?: number;
  /** TOON encoder to use instead of `@toon-format/toon`'s `encode`; if it throws, the text falls back to JSON. */
  encoder?: ToonEncoder;
}

export interface ResolvedOptions {
  mode: OutputMode;
  maxChars: number;
  maxLineChars: number;
  encoder: ToonEncoder;
}

export function isOutputMode(value: unknown): value is OutputMode {
  return typeof value === 'string' && (OUTPUT_MODES as readonly string[]).includes(value);
}

function integerAtLeast(name: string, value: number | undefined, fallback: number, minimum: number): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < minimum) {
    throw new ToonOutputError(
      'INVALID_OPTIONS',
      `${name} must be an integer of at least ${minimum}, got ${String(value)}: pass a larger ${name} or leave it out for the default`,
    );
  }
  return value;
}

export function resolveOptions(options: RenderOptions): ResolvedOptions {
  const mode = options.mode ?? 'toon';
  if (!isOutputMode(mode)) {
    throw new ToonOutputError(
      'INVALID_OPTIONS',
      `Unknown output mode ${JSON.stringify(mode)}: use one of ${OUTPUT_MODES.join(', ')}`,
    );
  }
  if (options.encoder !== undefined && typeof options.encoder !== 'function') {
    throw new ToonOutputError('INVALID_OPTIONS', 'encoder must be a function (value) => string, or left out');
  }
  return {
    mode,
    maxChars: integerAtLeast('maxChars', options.maxChars, DEFAULT_MAX_CHARS, MIN_MAX_CHARS),
    maxLineChars: integerAtLeast(
      'maxLineChars',
      options.maxLineChars,
      DEFAULT_MAX_LINE_CHARS,
      MIN_MAX_LINE_CHARS,
    ),
    encoder: options.encoder ?? defaultToonEncoder,
  };
}
