import { compactText } from './compact.js';
import { indentedJsonBlock, smallestBlock } from './encode-block.js';
import { fairShare } from './fair-share.js';
import type { JsonValue } from './json-value.js';
import { type RenderOptions, type ResolvedOptions, resolveOptions, SUMMARY_MAX_CHARS } from './options.js';
import type { RunOutcome } from './run-outcome.js';
import type { StructuredResult, TruncatablePart, Truncation } from './structured-result.js';
import { cutLines } from './truncate.js';

export interface RenderResult {
  /** What the model reads: a fenced TOON or JSON block, or compact plain text. Never longer than `maxChars`. */
  text: string;
  /** The same result as JSON (MCP `structuredContent`), cut exactly as far as `text` is. */
  structured: StructuredResult;
}

import { type Collected, capSummary, collect } from './collect.js';

interface Attempt {
  text: string;
  structured: StructuredResult;
  /** Whether any part was cut to its share (beyond the per-line cap). */
  cut: boolean;
}

function frame(
  structured: StructuredResult,
  valueText: string | undefined,
  options: ResolvedOptions,
): string {
  if (options.mode === 'compact') return compactText(structured, valueText);
  const value = structured as unknown as JsonValue;
  if (options.mode === 'json') return indentedJsonBlock(value);
  return smallestBlock(value, options.encoder, options.maxChars);
}

/** Builds the result with each part cut to its share (no shares: every part whole, per-line cap only). */
function build(
  collected: Collected,
  shares: readonly number[] | undefined,
  options: ResolvedOptions,
): Attempt {
  const shown: Partial<Record<TruncatablePart, string[] | string>> = {};
  const truncated: Truncation = {};
  let value: { json: JsonValue } | undefined;
  let valueText: string | undefined;
  let cut = false;
  collected.parts.forEach((part, index) => {
    const share = shares?.[index] ?? Number.POSITIVE_INFINITY;
    // JSON over the cap can never be shown; checking that first also spares encoding megabytes to find out.
    if (part.json && part.json.cost <= options.maxChars && share >= part.json.cost) {
      value = { json: part.json.value };
      valueText = cutLines(part.window, Number.POSITIVE_INFINITY, part.model).lines.join('\n');
      return;
    }
    if (share < part.cost) cut = true;
    const kept = cutLines(part.window, share - part.header, part.model);
    if (kept.lines.length > 0) shown[part.name] = part.shape === 'lines' ? kept.lines : kept.lines.join('\n');
    if (kept.omittedChars > 0 || kept.omittedLines > 0) {
      truncated[part.name] = {
        omittedChars: kept.omittedChars,
        omittedLines: kept.omittedLines,
        ...(kept.shortenedLines > 0 ? { shortenedLines: kept.shortenedLines } : {}),
      };
    }
  });
  if (collected.sandbox) truncated.sandbox = collected.sandbox;

  const structured: StructuredResult = { status: collected.status, summary: collected.summary };
  if (collected.exitCode !== undefined) structured.exitCode = collected.exitCode;
  if (shown.servers) structured.servers = shown.servers as string[];
  if (shown.stdout) structured.stdout = shown.stdout as string[];
  if (shown.stderr) structured.stderr = shown.stderr as string[];
  if (value) structured.value = value.json;
  else if (shown.value !== undefined) {
    structured.repr = shown.value as string;
    valueText = structured.repr;
  }
  if (shown.error !== undefined) structured.error = shown.error as string;
  if (shown.traceback) structured.traceback = shown.traceback as string[];
  if (collected.timeoutSeconds !== undefined) structured.timeoutSeconds = collected.timeoutSeconds;
  if (collected.durationMs !== undefined) structured.durationMs = collected.durationMs;
  if (collected.calls !== undefined) structured.calls = collected.calls;
  if (Object.keys(truncated).length > 0) structured.truncated = truncated;
  if (collected.session) structured.session = collected.session;
  if (collected.attachments) structured.attachments = collected.attachments;
  return { text: frame(structured, valueText, options), structured, cut };
}

/** Last resort when the parts cannot share the cap: status, a shorter summary, and what was omitted. */
function minimal(collected: Collected, options: ResolvedOptions): Attempt {
  const truncated: Truncation = {};
  for (const part of collected.parts) {
    truncated[part.name] = { omittedChars: part.chars, omittedLines: part.lines };
  }
  if (collected.sandbox) truncated.sandbox = collected.sandbox;
  let attempt: Attempt | undefined;
  for (const summaryChars of [SUMMARY_MAX_CHARS, 200, 80, 20]) {
    const structured: StructuredResult = {
      status: collected.status,
      summary: capSummary(collected.fullSummary, summaryChars),
      truncated,
      // Whether the state was lost matters more than most output: it stays while it fits.
      ...(collected.session && summaryChars >= 200 ? { session: collected.session } : {}),
    };
    attempt = { text: frame(structured, undefined, options), structured, cut: true };
    if (attempt.text.length <= options.maxChars) return attempt;
  }
  // Unreachable with maxChars >= MIN_MAX_CHARS; kept so the cap holds whatever the record's size.
  const structured: StructuredResult = {
    status: collected.status,
    summary: capSummary(collected.fullSummary, 20),
  };
  return { text: frame(structured, undefined, options), structured, cut: true };
}

const MAX_ATTEMPTS = 8;

/**
 * Renders a run outcome for a model: `text` by mode and `structured`, the JSON payload. In the default `toon` mode
 * the text is a ```toon block of `structured`, or a ```json block of it minified when that takes fewer tokens;
 * `compact` gives plain text, `json` an indented ```json block. Never throws for any outcome (only for invalid
 * options, with a {@link ToonOutputError}). The text never exceeds `maxChars`: parts are cut fairly (a small stream
 * is never cut to favour a big one), each keeping its head and tail around a marker with exact counts, and
 * `structured.truncated` records what was cut.
 * @throws {ToonOutputError} `INVALID_OPTIONS` for an option it cannot honour (never for an outcome).
 */
export function render(outcome: RunOutcome, options: RenderOptions = {}): RenderResult {
  const resolved = resolveOptions(options);
  const collected = collect(outcome ?? { status: 'error' }, resolved);
  const { maxChars } = resolved;

  // Encoded text is never shorter than the characters it shows, so skip the whole attempt when that alone is over.
  const shownLength = collected.parts.reduce(
    (sum, part) => sum + (part.json && part.json.cost <= maxChars ? 0 : part.shownLength),
    0,
  );
  if (shownLength <= maxChars && collected.parts.every((part) => part.window.middleLines === 0)) {
    const whole = build(collected, undefined, resolved);
    if (whole.text.length <= maxChars) return { text: whole.text, structured: whole.structured };
  }

  const demands = collected.parts.map((part) =>
    Math.min(part.cost, part.json?.cost ?? Number.POSITIVE_INFINITY),
  );
  const empty = build(
    collected,
    demands.map(() => 0),
    resolved,
  );
  let available = maxChars - empty.text.length;
  let best: { attempt: Attempt; available: number } | undefined;
  for (let attempt = 0; attempt < MAX_ATTEMPTS && available > 0; attempt++) {
    const result = build(collected, fairShare(demands, available), resolved);
    const slack = maxChars - result.text.length;
    if (slack >= 0) {
      // A larger budget keeps at least as much; the text's length says less, as it may be TOON one time, JSON the next.
      if (!best || available > best.available) best = { attempt: result, available };
      if (!result.cut || slack <= maxChars / 100) break;
      // The cost model overestimates (TOON leaves most strings unquoted): grow the budget into the slack.
      available += Math.floor(slack * 0.9);
    } else {
      available += slack - 16 * (attempt + 1);
    }
  }
  const chosen = best?.attempt ?? minimal(collected, resolved);
  return { text: chosen.text, structured: chosen.structured };
}
