import { compactText } from './compact.js';
import { encodeBlock } from './encode-block.js';
import { fairShare } from './fair-share.js';
import { type JsonValue, toJsonValue } from './json-value.js';
import { type LineWindow, scanLines } from './line-scan.js';
import {
  type OutputMode,
  type RenderOptions,
  type ResolvedOptions,
  resolveOptions,
  SUMMARY_MAX_CHARS,
} from './options.js';
import {
  type AttachmentOutcome,
  RUN_STATUSES,
  type RunOutcome,
  type RunStatus,
  type SessionOutcome,
  type UpstreamTruncation,
} from './run-outcome.js';
import type { StructuredResult, TruncatablePart, Truncation } from './structured-result.js';
import { headline, validSeconds } from './summary.js';
import { codePointLength, perCodePoint, quotedCost, rawCost } from './text-metrics.js';
import { cutLines, type LineCostModel, type PreparedLine, shortenLine, windowOf } from './truncate.js';

export interface RenderResult {
  /** What the model reads: a fenced TOON or JSON block, or compact plain text. Never longer than `maxChars`. */
  text: string;
  /** The same result as JSON (MCP `structuredContent`), cut exactly as far as `text` is. */
  structured: StructuredResult;
}

interface CostModels {
  /** Parts shown as an array of lines. */
  lines: LineCostModel;
  /** Parts shown as one string whose lines are joined by newlines. */
  joined: LineCostModel;
  /** What a part's key and brackets cost. */
  header: number;
}

function costModels(mode: OutputMode, maxLineChars: number): CostModels {
  if (mode === 'compact') {
    const model = { cost: rawCost, lineOverhead: 1, maxLineChars };
    return { lines: model, joined: model, header: 16 };
  }
  // Quotes, then a delimiter (TOON inline array) or indentation, comma and newline (pretty JSON).
  const lineOverhead = mode === 'json' ? 2 + 6 : 2 + 1;
  return {
    lines: { cost: quotedCost, lineOverhead, maxLineChars },
    joined: { cost: quotedCost, lineOverhead: 2, maxLineChars },
    header: 24,
  };
}

/** One part of the result that is cut to fit: its lines and, for the value, its JSON form. */
interface Part {
  name: TruncatablePart;
  shape: 'lines' | 'joined';
  model: LineCostModel;
  window: LineWindow;
  /** What the part's key and brackets cost. */
  header: number;
  /** What showing every line costs, header included (a lower bound when the window has unprepared lines). */
  cost: number;
  /** Lines in the part. */
  lines: number;
  /** Code points in all lines as given. */
  chars: number;
  /** Length of every line as shown (a lower bound of the text the part needs). */
  shownLength: number;
  /** The value's JSON form and what showing it costs; preferred to the lines whenever it fits. */
  json?: { value: JsonValue; cost: number };
}

type PartText = { text: unknown; dropBlank: boolean } | { list: string[] };

function makePart(
  name: TruncatablePart,
  shape: Part['shape'],
  source: PartText,
  models: CostModels,
  options: ResolvedOptions,
): Part | undefined {
  const model = shape === 'lines' ? models.lines : models.joined;
  let window: LineWindow;
  if ('list' in source) window = windowOf(source.list, model);
  else if (typeof source.text === 'string' && source.text !== '') {
    // No budget exceeds the cap, so lines beyond it from either end are only counted.
    window = scanLines(source.text, { dropBlank: source.dropBlank, window: options.maxChars + 1, model });
  } else return undefined;
  const prepared = [...window.head, ...window.tail];
  if (prepared.length + window.middleLines === 0) return undefined;
  const sum = (measure: (line: PreparedLine) => number) =>
    prepared.reduce((total, line) => total + measure(line), 0);
  return {
    name,
    shape,
    model,
    window,
    header: models.header,
    cost:
      models.header + sum((line) => line.cost) + window.middleChars + window.middleLines * model.lineOverhead,
    lines: prepared.length + window.middleLines,
    chars: sum((line) => line.chars) + window.middleChars,
    shownLength: sum((line) => line.shown.length) + window.middleChars,
  };
}

function tryToon(value: JsonValue, options: ResolvedOptions): string | undefined {
  try {
    const text = options.encoder(value);
    return typeof text === 'string' ? text : undefined;
  } catch {
    return undefined;
  }
}

/** Above this many times the cap, a value's exact JSON cost is not worth computing: it cannot fit. */
const HOPELESS_FACTOR = 20;

function valuePart(outcome: RunOutcome, options: ResolvedOptions, models: CostModels): Part | undefined {
  const given = outcome.value;
  if (given === null || typeof given !== 'object') return undefined;
  const repr = typeof given.repr === 'string' ? given.repr : undefined;
  const json = given.json === undefined ? undefined : toJsonValue(given.json);
  // Like the Python REPL, a None result is not shown.
  if (repr === 'None' && (json === undefined || json === null)) return undefined;
  const text =
    repr ||
    (json === undefined
      ? undefined
      : (tryToon(json, options) ?? JSON.stringify(json, null, 2) ?? String(json)));
  const part = makePart('value', 'joined', { text, dropBlank: false }, models, options);
  if (part && json !== undefined) part.json = { value: json, cost: jsonCost(json, part, options) };
  return part;
}

/** What the value costs in the text when shown as JSON data. */
function jsonCost(value: JsonValue, part: Part, options: ResolvedOptions): number {
  const compact = JSON.stringify(value).length;
  if (compact > HOPELESS_FACTOR * options.maxChars) return compact;
  switch (options.mode) {
    case 'toon': {
      const toon = tryToon({ value }, options);
      if (toon !== undefined) return toon.length + 2;
      break;
    }
    case 'compact':
      // The text shows the repr; the structured payload carries the JSON, which must stay bounded too.
      return Math.max(part.cost, compact);
  }
  const asJson = JSON.stringify(value, null, 2);
  return asJson.length + 2 * (asJson.split('\n').length - 1) + 12;
}

interface Collected {
  status: RunStatus;
  /** The summary as derived, before any cap: caps always cut from it, so marker counts stay exact. */
  fullSummary: string;
  summary: string;
  exitCode?: number;
  timeoutSeconds?: number;
  durationMs?: number;
  calls?: number;
  parts: Part[];
  sandbox?: UpstreamTruncation;
  session?: SessionOutcome;
  attachments?: AttachmentOutcome[];
}

/** Attachments listed in a result at most (the rest are counted in the last entry's name). */
const MAX_LISTED_ATTACHMENTS = 50;

function attachmentsOf(given: unknown): AttachmentOutcome[] | undefined {
  if (!Array.isArray(given)) return undefined;
  const valid = given.filter(
    (a): a is AttachmentOutcome =>
      a !== null &&
      typeof a === 'object' &&
      typeof a.name === 'string' &&
      typeof a.mimeType === 'string' &&
      Number.isInteger(a.size) &&
      a.size >= 0,
  );
  const listed = valid
    .slice(0, MAX_LISTED_ATTACHMENTS)
    .map((a) => ({ name: capSummary(a.name, 255), mimeType: capSummary(a.mimeType, 255), size: a.size }));
  if (valid.length > MAX_LISTED_ATTACHMENTS) {
    listed.push({
      name: `… and ${valid.length - MAX_LISTED_ATTACHMENTS} more`,
      mimeType: 'text/plain',
      size: 0,
    });
  }
  return listed.length ? listed : undefined;
}

/** Longest `reason` or `lost` note of a session kept in a result (the sandbox's notes are one sentence). */
const SESSION_NOTE_CHARS = 300;

function sessionOf(given: unknown): SessionOutcome | undefined {
  if (given === null || typeof given !== 'object') return undefined;
  const { name, run, state, reason, lost } = given as Record<string, unknown>;
  if (typeof name !== 'string' || !Number.isInteger(run) || (run as number) < 1) return undefined;
  if (state !== 'new' && state !== 'kept') return undefined;
  const note = (text: unknown): string | undefined =>
    typeof text === 'string' && text !== '' ? capSummary(text, SESSION_NOTE_CHARS) : undefined;
  const session: SessionOutcome = { name: capSummary(name, 100), run: run as number, state };
  const why = note(reason);
  if (why) session.reason = why;
  const gone = note(lost);
  if (gone) session.lost = gone;
  return session;
}

// JSON has no -0: it reads back as 0, so it is written as 0.
const withoutNegativeZero = (value: number): number => (value === 0 ? 0 : value);

const countOrUndefined = (value: unknown): number | undefined =>
  Number.isInteger(value) && (value as number) >= 0 ? withoutNegativeZero(value as number) : undefined;

function sandboxTruncation(given: RunOutcome['truncated']): UpstreamTruncation | undefined {
  if (given === null || typeof given !== 'object') return undefined;
  const out: UpstreamTruncation = {};
  for (const stream of ['stdout', 'stderr'] as const) {
    if (given[stream] === true) out[stream] = true;
    else if (given[stream] === false) out[stream] = false;
    const bytes = countOrUndefined(given[`${stream}Bytes`]);
    if (bytes !== undefined) out[`${stream}Bytes`] = bytes;
  }
  const reported = out.stdout || out.stderr || out.stdoutBytes || out.stderrBytes;
  return reported ? out : undefined;
}

function collect(outcome: RunOutcome, options: ResolvedOptions): Collected {
  const models = costModels(options.mode, options.maxLineChars);
  const status: RunStatus = RUN_STATUSES.includes(outcome.status) ? outcome.status : 'error';
  const servers = Array.isArray(outcome.servers)
    ? outcome.servers.filter((name) => name !== undefined && name !== null && name !== '').map(String)
    : [];
  const stdout = makePart('stdout', 'lines', { text: outcome.stdout, dropBlank: true }, models, options);
  const stderr = makePart('stderr', 'lines', { text: outcome.stderr, dropBlank: true }, models, options);
  const value = valuePart(outcome, options, models);
  const head = headline(outcome, status, stdout !== undefined || stderr !== undefined || value !== undefined);
  const error = makePart('error', 'joined', { text: head.error, dropBlank: false }, models, options);
  const traceback =
    outcome.error !== null && typeof outcome.error === 'object'
      ? makePart('traceback', 'lines', { text: outcome.error.traceback, dropBlank: true }, models, options)
      : undefined;
  const parts = [
    makePart('servers', 'lines', { list: servers }, models, options),
    stdout,
    stderr,
    value,
    error,
    traceback,
  ].filter((part) => part !== undefined);

  const duration = validSeconds(outcome.durationMs);
  const collected: Collected = {
    status,
    fullSummary: head.summary,
    summary: capSummary(head.summary, SUMMARY_MAX_CHARS),
    parts,
  };
  if (Number.isInteger(outcome.exitCode))
    collected.exitCode = withoutNegativeZero(outcome.exitCode as number);
  const timeout = validSeconds(outcome.timeoutSeconds);
  if (status === 'timeout' && timeout !== undefined) collected.timeoutSeconds = withoutNegativeZero(timeout);
  if (duration !== undefined) collected.durationMs = withoutNegativeZero(Math.round(duration));
  const calls = countOrUndefined(outcome.calls);
  if (calls !== undefined) collected.calls = calls;
  const sandbox = sandboxTruncation(outcome.truncated);
  if (sandbox) collected.sandbox = sandbox;
  const session = sessionOf(outcome.session);
  if (session) collected.session = session;
  const attachments = attachmentsOf(outcome.attachments);
  if (attachments) collected.attachments = attachments;
  return collected;
}

function capSummary(summary: string, maxChars: number): string {
  const chars = codePointLength(summary);
  if (chars <= maxChars) return summary;
  return (
    shortenLine(summary, chars, {
      maxKeptChars: maxChars,
      maxKeptCost: Number.POSITIVE_INFINITY,
      cost: perCodePoint,
    })?.text ?? summary
  );
}

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
  return encodeBlock(structured as unknown as JsonValue, options.mode, options.encoder);
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
 * Renders a run outcome for a model: `text` by mode (a ```toon block by default, compact plain text, or a ```json
 * block) and `structured`, the JSON payload. Never throws for any outcome (only for invalid options, with a
 * {@link ToonOutputError}). The text never exceeds `maxChars`: parts are cut fairly (a small stream is never cut to
 * favour a big one), each keeping its head and tail around a marker with exact counts, and `structured.truncated`
 * records what was cut.
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
  let best: Attempt | undefined;
  for (let attempt = 0; attempt < MAX_ATTEMPTS && available > 0; attempt++) {
    const result = build(collected, fairShare(demands, available), resolved);
    const slack = maxChars - result.text.length;
    if (slack >= 0) {
      if (!best || result.text.length > best.text.length) best = result;
      if (!result.cut || slack <= maxChars / 100) break;
      // The cost model overestimates (TOON leaves most strings unquoted): grow the budget into the slack.
      available += Math.floor(slack * 0.9);
    } else {
      available += slack - 16 * (attempt + 1);
    }
  }
  const chosen = best ?? minimal(collected, resolved);
  return { text: chosen.text, structured: chosen.structured };
}
