/** The parts of a rendered result (servers, stdout, stderr, value, error, traceback) and what each costs to show. */
import { type JsonValue, toJsonValue } from './json-value.js';
import { type LineWindow, scanLines } from './line-scan.js';
import type { OutputMode, ResolvedOptions } from './options.js';
import type { RunOutcome } from './run-outcome.js';
import type { StructuredResult, TruncatablePart } from './structured-result.js';
import { quotedCost, rawCost } from './text-metrics.js';
import { type LineCostModel, type PreparedLine, windowOf } from './truncate.js';

export interface RenderResult {
  /** What the model reads: a fenced TOON or JSON block, or compact plain text. Never longer than `maxChars`. */
  text: string;
  /** The same result as JSON (MCP `structuredContent`), cut exactly as far as `text` is. */
  structured: StructuredResult;
}

export interface CostModels {
  /** Parts shown as an array of lines. */
  lines: LineCostModel;
  /** Parts shown as one string whose lines are joined by newlines. */
  joined: LineCostModel;
  /** What a part's key and brackets cost. */
  header: number;
}

export function costModels(mode: OutputMode, maxLineChars: number): CostModels {
  if (mode === 'compact') {
    const model = { cost: rawCost, lineOverhead: 1, maxLineChars };
    return { lines: model, joined: model, header: 16 };
  }
  // Quotes, then a delimiter (TOON inline array or minified JSON) or indentation, comma and newline (indented JSON).
  const lineOverhead = mode === 'json' ? 2 + 6 : 2 + 1;
  return {
    lines: { cost: quotedCost, lineOverhead, maxLineChars },
    joined: { cost: quotedCost, lineOverhead: 2, maxLineChars },
    header: 24,
  };
}

/** One part of the result that is cut to fit: its lines and, for the value, its JSON form. */
export interface Part {
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

export function makePart(
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

export function valuePart(
  outcome: RunOutcome,
  options: ResolvedOptions,
  models: CostModels,
): Part | undefined {
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
      // The text is TOON or minified JSON (`"value":` and a comma around it), whichever fits: the shorter counts.
      const minified = compact + 9;
      const toon = tryToon({ value }, options);
      return toon === undefined ? minified : Math.min(toon.length + 2, minified);
    }
    case 'compact':
      // The text shows the repr; the structured payload carries the JSON, which must stay bounded too.
      return Math.max(part.cost, compact);
  }
  const asJson = JSON.stringify(value, null, 2);
  return asJson.length + 2 * (asJson.split('\n').length - 1) + 12;
}
