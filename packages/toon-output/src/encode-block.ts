import { fence } from './fence.js';
import type { JsonValue } from './json-value.js';
import type { ToonEncoder } from './options.js';
import { estimateTokens } from './token-estimate.js';

/** The `json` mode's block: JSON indented by two spaces, as the original bridge wrote it. */
export function indentedJsonBlock(value: JsonValue): string {
  return fence(JSON.stringify(value, null, 2), 'json');
}

function toonBlock(value: JsonValue, encoder: ToonEncoder): string | undefined {
  try {
    const body = encoder(value);
    return typeof body === 'string' ? fence(body, 'toon') : undefined;
  } catch {
    // An unpaired surrogate in a string makes the reference encoder throw, for one: the JSON block stands in.
    return undefined;
  }
}

/**
 * The `toon` mode's block of `value`: a ```toon block, or a ```json block of minified JSON when that takes fewer
 * tokens (TOON wins on tables and long lists, JSON on small results, where TOON's line breaks and indentation cost
 * more than JSON's quotes). Both decode to `value`. A form over `maxChars` is never chosen while the other is within
 * it; when neither is, the shorter comes back, for the caller to cut. Never throws for a JSON-safe value: a failing
 * or misbehaving encoder leaves the JSON block.
 */
export function smallestBlock(value: JsonValue, encoder: ToonEncoder, maxChars: number): string {
  const json = fence(JSON.stringify(value), 'json');
  const toon = toonBlock(value, encoder);
  if (toon === undefined) return json;
  if (toon.length > maxChars || json.length > maxChars) return toon.length <= json.length ? toon : json;
  // Ties go to TOON, the documented default.
  return estimateTokens(json) < estimateTokens(toon) ? json : toon;
}
