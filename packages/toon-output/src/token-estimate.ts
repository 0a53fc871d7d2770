// The pieces o200k_base's pre-tokenizer cuts text into before byte-pair merging (cl100k_base cuts almost alike):
// a word with one leading non-letter, up to three digits, a run of punctuation (captured), line breaks, other
// whitespace.
const PIECES =
  /[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?:'s|'t|'re|'ve|'m|'ll|'d)?|[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?:'s|'t|'re|'ve|'m|'ll|'d)?|\p{N}{1,3}|( ?[^\s\p{L}\p{N}]+[\r\n/]*)|\s*[\r\n]+|\s+(?!\S)|\s+/gu;

/** Merging rarely joins more punctuation than this into one token (`"},{"` is one, a line of `=` is several). */
const PUNCTUATION_PER_TOKEN = 8;

/**
 * An estimate of the tokens `text` takes for a current model: the pieces o200k_base's pre-tokenizer cuts it into,
 * a long run of punctuation counting one per 8 characters. Merging never crosses a piece; what it splits further is
 * mostly rare words and long numbers, which two encodings of one payload share, so comparing two encodings by this
 * count picks the one with fewer real tokens (checked against o200k_base in `src/tokens.test.ts`). Linear in the
 * text and needs no vocabulary: about 5 ms per 100 000 characters.
 */
export function estimateTokens(text: string): number {
  const pieces = new RegExp(PIECES);
  let count = 0;
  for (let piece = pieces.exec(text); piece !== null; piece = pieces.exec(text)) {
    const punctuation = piece[1];
    count += punctuation === undefined ? 1 : Math.ceil(punctuation.length / PUNCTUATION_PER_TOKEN);
  }
  return count;
}
