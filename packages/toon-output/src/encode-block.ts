import { fence } from './fence.js';
import type { JsonValue } from './json-value.js';
import type { ToonEncoder } from './options.js';

/**
 * A fenced block of `value`: TOON when `language` is `toon` and the encoder succeeds, JSON otherwise. Never
 * throws for a JSON-safe value: a failing or misbehaving TOON encoder (an unpaired surrogate in a string makes the
 * reference encoder throw, for one) gives the ```json block instead, which JSON.parse reads back.
 */
export function encodeBlock(value: JsonValue, language: 'toon' | 'json', encoder: ToonEncoder): string {
  if (language === 'toon') {
    try {
      const body = encoder(value);
      if (typeof body === 'string') return fence(body, 'toon');
    } catch {
      // Fall through to JSON, as the original bridge did when its encoder failed.
    }
  }
  return fence(JSON.stringify(value, null, 2), 'json');
}
