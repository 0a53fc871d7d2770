/**
 * Max-min fair split of `available` among `demands` (water-filling): a demand at or under its fair share gets all
 * of it, and what it leaves is shared by the larger ones. So a small stream is never cut to make room for a big one.
 * Shares are whole numbers and never sum to more than `available`.
 */
export function fairShare(demands: readonly number[], available: number): number[] {
  const shares = demands.map(() => 0);
  const order = demands.map((_, index) => index).sort((a, b) => demands[a]! - demands[b]!);
  let remaining = Math.max(0, Math.floor(available));
  for (let position = 0; position < order.length; position++) {
    const index = order[position]!;
    const fair = Math.floor(remaining / (order.length - position));
    const share = Math.min(demands[index]!, fair);
    shares[index] = share;
    remaining -= share;
  }
  return shares;
}
