import { describe, expect, it } from '@jest/globals';
import type { SagaEvent } from '@saga/contracts';
import type { BenchContext } from '../src/context.js';
import { effectiveWarmupS, eventsPerSecond, STARTED_SYSTEM_WARMUP_S, stepWarmupS } from '../src/bench.js';
import { benchSkus } from '../src/orders.js';
import { runLoad } from '../src/run.js';
import { parseMix } from '../src/schedule.js';
import { Tracker } from '../src/tracker.js';

/** A context whose "system" ends every saga as soon as its order is published: only the send loop is under test. */
function instantContext(): { ctx: BenchContext; sentAt: number[] } {
  const tracker = new Tracker();
  const sentAt: number[] = [];
  const client = {
    publish: (events: SagaEvent[]) => {
      for (const e of events) {
        sentAt.push(performance.now());
        tracker.complete(e.metadata.orderId, 'shipped', performance.now());
      }
      return Promise.resolve();
    },
  };
  const ctx = {
    runId: 'unit',
    skus: benchSkus('unit'),
    initialStock: 0,
    client,
    tracker,
  } as unknown as BenchContext;
  return { ctx, sentAt };
}

describe('runLoad', () => {
  it('keeps sending on schedule while the measurement start is being sampled', async () => {
    const { ctx, sentAt } = instantContext();
    let sampled = false;
    // Sampling that takes 2 s (an admin request on a saturated box, exaggerated): awaited, it would hold every
    // measured order back by up to 2 s.
    const slowSampling = (): Promise<void> =>
      new Promise<void>((resolve) => setTimeout(resolve, 2_000).unref()).then(() => {
        sampled = true;
      });
    const result = await runLoad(ctx, {
      rate: 100,
      warmupS: 0.5,
      durationS: 1,
      mix: parseMix('happy=1'),
      graceMs: 1_000,
      // A promise on purpose: the loop must not wait for one even if a caller hands it one.
      // eslint-disable-next-line @typescript-eslint/no-misused-promises
      onMeasureStart: slowSampling,
    });
    expect(result.requested).toBe(100);
    expect(result.completed.shipped).toBe(100);
    // 100 measured orders over 1 s: with the stall every one of them would be > 100 ms late.
    expect(result.lateSends).toBeLessThan(50);
    expect(sentAt.length).toBeGreaterThan(100);
    expect(sampled).toBe(false);
  });
});

describe('eventsPerSecond', () => {
  it('divides the growth by the time between the two counts', () => {
    expect(eventsPerSecond({ records: 1_000, at: 10_000 }, { records: 8_000, at: 11_000 })).toBe(7_000);
    expect(eventsPerSecond({ records: 0, at: 5_000 }, { records: 3_000, at: 5_500 })).toBe(6_000);
  });
});

describe('effectiveWarmupS', () => {
  it('warms up by default only what the bench started itself', () => {
    expect(effectiveWarmupS(undefined, ['kafka', 'saga-node'])).toBe(STARTED_SYSTEM_WARMUP_S);
    expect(effectiveWarmupS(undefined, ['saga-node'])).toBe(STARTED_SYSTEM_WARMUP_S);
    expect(effectiveWarmupS(undefined, [])).toBe(0);
  });

  it('takes an explicit --warmup as given, 0 included (a cold start measured on purpose)', () => {
    expect(effectiveWarmupS(0, ['kafka', 'saga-node'])).toBe(0);
    expect(effectiveWarmupS(5, [])).toBe(5);
  });
});

describe('stepWarmupS (--find-max)', () => {
  it('warms up before the first step only, by the same rule as a single run', () => {
    expect(stepWarmupS(0, undefined, ['kafka', 'saga-node'])).toBe(STARTED_SYSTEM_WARMUP_S);
    expect(stepWarmupS(1, undefined, ['kafka', 'saga-node'])).toBe(0);
    expect(stepWarmupS(0, undefined, [])).toBe(0);
  });

  it('honours --warmup for the first step, 0 included', () => {
    expect(stepWarmupS(0, 7, [])).toBe(7);
    expect(stepWarmupS(0, 0, ['saga-node'])).toBe(0);
    expect(stepWarmupS(3, 7, ['saga-node'])).toBe(0);
  });
});
