export type FenceLanguage = 'toon' | 'json';

/**
 * Wraps `body` in a Markdown code fence. The fence is longer than any backtick run that starts a body line (after up
 * to three spaces), so no content line can close the block early; usually that is the plain three backticks.
 */
export function fence(body: string, language: FenceLanguage): string {
  let longest = 0;
  for (const match of body.matchAll(/^ {0,3}(`+)/gm)) longest = Math.max(longest, match[1]!.length);
  const ticks = '`'.repeat(Math.max(3, longest + 1));
  return `${ticks}${language}\n${body}\n${ticks}`;
}

/** Framing characters `fence` adds around a body when no longer fence is needed. */
export function fenceOverhead(language: FenceLanguage): number {
  return 8 + language.length;
}

/** The language and body of a text that is exactly one fenced block as `fence` writes it, else undefined. */
export function unfence(text: string): { language: string; body: string } | undefined {
  const match = /^(`{3,})([a-z]+)\n([\s\S]*)\n\1$/.exec(text);
  if (!match) return undefined;
  return { language: match[2]!, body: match[3]! };
}
