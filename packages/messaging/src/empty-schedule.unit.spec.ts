import { describe, expect, it } from '@jest/globals';
import { EMPTY_LOOK_VALID_MS, lookResult, trustsEmptySchedule } from './event-processor.js';

describe('skipping the pending-retry lookup on an empty schedule', () => {
  const look = { at: 1_000, generation: 3 };

  it('trusts a recent empty look from the current group generation', () => {
    expect(trustsEmptySchedule(look, 3, 1_000 + EMPTY_LOOK_VALID_MS - 1)).toBe(true);
  });

  it('does not trust a look from before the last rebalance (partitions may have come with retries)', () => {
    expect(trustsEmptySchedule(look, 4, 1_001)).toBe(false);
  });

  it('does not trust an old look, nor no look at all', () => {
    expect(trustsEmptySchedule(look, 3, 1_000 + EMPTY_LOOK_VALID_MS)).toBe(false);
    expect(trustsEmptySchedule(undefined, 3, 1_001)).toBe(false);
  });

  it('a look proves nothing if it found a retry, or if this process wrote one while it ran', () => {
    expect(lookResult(look, true, 5, 5)).toEqual(look);
    expect(lookResult(look, false, 5, 5)).toBeUndefined();
    expect(lookResult(look, true, 5, 6)).toBeUndefined();
  });
});
