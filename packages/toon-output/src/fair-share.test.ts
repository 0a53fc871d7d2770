import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fairShare } from './fair-share.js';

describe('fairShare', () => {
  it.each([
    { demands: [100, 100], available: 1000, shares: [100, 100] },
    { demands: [100, 5000], available: 1000, shares: [100, 900] },
    { demands: [5000, 100], available: 1000, shares: [900, 100] },
    { demands: [5000, 5000], available: 1000, shares: [500, 500] },
    { demands: [300, 5000, 5000], available: 1000, shares: [300, 350, 350] },
    { demands: [10, 20, 30], available: 0, shares: [0, 0, 0] },
    { demands: [], available: 100, shares: [] },
  ])('$demands in $available -> $shares', ({ demands, available, shares }) => {
    expect(fairShare(demands, available)).toEqual(shares);
  });

  it('never exceeds demands or the total, and never cuts a demand below a larger one', () => {
    fc.assert(
      fc.property(
        fc.array(fc.nat({ max: 1_000_000 }), { maxLength: 6 }),
        fc.nat({ max: 2_000_000 }),
        (demands, available) => {
          const shares = fairShare(demands, available);
          expect(shares.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(available);
          shares.forEach((share, i) => {
            expect(share).toBeLessThanOrEqual(demands[i]!);
            // A cut demand gets at least as much as any other cut demand gets, give or take rounding.
            if (share < demands[i]!)
              for (const other of shares) expect(share).toBeGreaterThanOrEqual(other - 1);
          });
        },
      ),
    );
  });
});
