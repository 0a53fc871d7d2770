import { fence } from './fence.js';
import { toJsonValue } from './json-value.js';
import { scanLines } from './line-scan.js';
import { type RenderOptions, resolveOptions } from './options.js';
import { rawCost } from './text-metrics.js';
import { cutLines, lineMarker } from './truncate.js';

export interface RenderValueOptions extends RenderOptions {
  /** Wrap `toon` and `json` output in a code fence (default true); compact output is never fenced. */
  fence?: boolean;
}

/**
 * Renders any value for a reader: `toon` (default) gives TOON, where uniform arrays of objects become tables;
 * `json` gives pretty JSON; `compact` gives a string as it is and anything else as unfenced TOON. Values that are
 * not JSON (cycles, BigInt, Maps, throwing getters) are made JSON-safe first; a TOON failure falls back to JSON.
 * Never throws for any value. Over `maxChars`, lines are cut from the middle with the same exact-count markers as
 * `render` (the text is then for reading, no longer for decoding).
 */
export function renderValue(value: unknown, options: RenderValueOptions = {}): string {
  const resolved = resolveOptions(options);
  const json = toJsonValue(value);
  let toon: string | undefined;
  if (resolved.mode !== 'json' && !(resolved.mode === 'compact' && typeof json === 'string')) {
    try {
      const encoded = resolved.encoder(json);
      if (typeof encoded === 'string') toon = encoded;
    } catch {
      toon = undefined;
    }
  }

  let body: string;
  let language: 'toon' | 'json' | undefined;
  if (resolved.mode === 'compact') {
    body = typeof json === 'string' ? json : (toon ?? JSON.stringify(json));
  } else if (toon !== undefined && resolved.mode === 'toon') {
    body = toon;
    language = 'toon';
  } else {
    body = JSON.stringify(json, null, 2);
    language = 'json';
  }
  const wrap = (text: string): string => (language && options.fence !== false ? fence(text, language) : text);

  const whole = wrap(body);
  if (whole.length <= resolved.maxChars) return whole;

  const model = { cost: rawCost, lineOverhead: 1, maxLineChars: resolved.maxLineChars };
  const lines = scanLines(body, { dropBlank: false, window: resolved.maxChars + 1, model });
  let budget = resolved.maxChars - (whole.length - body.length);
  for (let attempt = 0; attempt < 8 && budget > 0; attempt++) {
    const text = wrap(cutLines(lines, budget, model).lines.join('\n'));
    if (text.length <= resolved.maxChars) return text;
    budget -= text.length - resolved.maxChars + 16;
  }
  const prepared = [...lines.head, ...lines.tail];
  const chars = prepared.reduce((sum, line) => sum + line.chars, 0) + lines.middleChars;
  return wrap(lineMarker(chars, prepared.length + lines.middleLines));
}
