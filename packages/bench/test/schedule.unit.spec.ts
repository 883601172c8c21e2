import { describe, expect, it } from '@jest/globals';
import {
  DEFAULT_MIX,
  dueCount,
  MixPicker,
  orderCount,
  parseMix,
  rateSteps,
  scheduledOffsetMs,
  unsustainableReason,
  fallsBehindReason,
  LoadSchedule,
  WARMUP_RAMP_FROM,
} from '../src/schedule.js';
import { LatencyHistogram } from '../src/histogram.js';

describe('open-loop schedule', () => {
  it('spaces orders evenly from t=0, independent of completions', () => {
    expect(scheduledOffsetMs(0, 100)).toBe(0);
    expect(scheduledOffsetMs(1, 100)).toBe(10);
    expect(scheduledOffsetMs(250, 1000)).toBe(250);
  });

  it('counts due orders, including order 0 at once, capped at the total', () => {
    const total = orderCount(20, 3);
    expect(total).toBe(60);
    expect(dueCount(-1, 20, total)).toBe(0);
    expect(dueCount(0, 20, total)).toBe(1);
    expect(dueCount(49.9, 20, total)).toBe(1);
    expect(dueCount(50, 20, total)).toBe(2);
    expect(dueCount(2_950, 20, total)).toBe(60);
    expect(dueCount(60_000, 20, total)).toBe(60);
    // Floating point must not drop an order exactly on its slot (0.1 * 30 = 3.0000000000000004 and the like).
    expect(dueCount(300, 1000 / 3, 1000)).toBe(101);
  });

  it('every scheduled order is due at its own offset', () => {
    const rate = 137;
    for (let i = 0; i < 500; i++) expect(dueCount(scheduledOffsetMs(i, rate), rate, 1_000)).toBe(i + 1);
  });
});

describe('load schedule with a ramped warm-up', () => {
  it('without a warm-up, is the plain open-loop schedule', () => {
    const s = new LoadSchedule(137, 0, 5);
    expect([s.warmupCount, s.total, s.measureStartMs]).toEqual([0, 685, 0]);
    for (let i = 0; i < 685; i++) {
      expect(s.offsetMs(i)).toBe(scheduledOffsetMs(i, 137));
      expect(s.dueCount(s.offsetMs(i))).toBe(i + 1);
    }
    expect(s.dueCount(1e9)).toBe(685);
  });

  it('ramps the warm-up from a tenth of the rate to the rate, then measures at the rate', () => {
    const s = new LoadSchedule(1000, 10, 60);
    // The ramp's area: 10 s at an average of (100 + 1000) / 2 per second.
    expect(s.warmupCount).toBe(5_500);
    expect(s.total).toBe(65_500);
    expect(s.measureStartMs).toBe(10_000);
    // The first second of the warm-up sends 145 (100/s rising by 90/s²: 100 + 45), its last ~955.
    expect(s.dueCount(1_000 - 1e-6)).toBe(145);
    expect(s.dueCount(10_000 - 1e-6) - s.dueCount(9_000 - 1e-6)).toBeGreaterThanOrEqual(954);
    expect(s.dueCount(10_000 - 1e-6) - s.dueCount(9_000 - 1e-6)).toBeLessThanOrEqual(956);
    // Measured orders: one per ms from the end of the warm-up.
    expect(s.offsetMs(5_500)).toBe(10_000);
    expect(s.offsetMs(5_501)).toBe(10_001);
    expect(s.dueCount(10_000)).toBe(5_501);
    expect(s.dueCount(1e9)).toBe(65_500);
    expect(WARMUP_RAMP_FROM).toBe(0.1);
  });

  it('every order is due at its own offset, and offsets only grow', () => {
    for (const [rate, warmupS] of [
      [1000, 10],
      [37, 3],
      [5000, 1],
    ] as const) {
      const s = new LoadSchedule(rate, warmupS, 2);
      let last = -1;
      for (let i = 0; i < s.total; i++) {
        const at = s.offsetMs(i);
        expect(at).toBeGreaterThan(last);
        expect(s.dueCount(at)).toBe(i + 1);
        last = at;
      }
    }
  });
});

describe('mix', () => {
  it('parses the default and refuses bad specs with a stable code', () => {
    expect(parseMix(DEFAULT_MIX)).toEqual([
      { kind: 'happy', weight: 80 },
      { kind: 'declined', weight: 10 },
      { kind: 'out-of-stock', weight: 5 },
      { kind: 'ship-fails', weight: 5 },
    ]);
    expect(parseMix('happy=1, rejected=0')).toEqual([{ kind: 'happy', weight: 1 }]);
    for (const bad of ['', 'happy', 'happy=x', 'teleport=3', 'happy=1,happy=2', 'happy=0'])
      expect(() => parseMix(bad)).toThrow(expect.objectContaining({ code: 'BENCH_INVALID_MIX' }));
  });

  it('picks exact proportions in every window of sum(weights), spread out', () => {
    const picker = new MixPicker(parseMix(DEFAULT_MIX));
    for (let window = 0; window < 3; window++) {
      const counts: Record<string, number> = {};
      const seq = Array.from({ length: 100 }, () => picker.next());
      for (const k of seq) counts[k] = (counts[k] ?? 0) + 1;
      expect(counts).toEqual({ happy: 80, declined: 10, 'out-of-stock': 5, 'ship-fails': 5 });
      // Spread: the 10 declined orders are not bunched (no two within 5 picks of each other).
      const at = seq.flatMap((k, i) => (k === 'declined' ? [i] : []));
      for (let i = 1; i < at.length; i++) expect(at[i]! - at[i - 1]!).toBeGreaterThanOrEqual(5);
    }
  });

  it('a 60-order smoke run sees every path', () => {
    const picker = new MixPicker(parseMix(DEFAULT_MIX));
    const kinds = new Set(Array.from({ length: 60 }, () => picker.next()));
    expect([...kinds].sort()).toEqual(['declined', 'happy', 'out-of-stock', 'ship-fails']);
  });
});

describe('find-max', () => {
  it('doubles to 800 then adds 400', () => {
    expect(rateSteps(100, 2_000)).toEqual([100, 200, 400, 800, 1200, 1600, 2000]);
    expect(rateSteps(50, 300)).toEqual([50, 100, 200]);
  });

  it('judges a step', () => {
    const ok = {
      rate: 100,
      requested: 2000,
      completed: 2000,
      lost: 0,
      p99Ms: 300,
      throughputPerS: 98,
      aborted: false,
    };
    expect(unsustainableReason(ok)).toBeUndefined();
    expect(unsustainableReason({ ...ok, p99Ms: 1_200 })).toMatch(/p99 1200 ms > 1000 ms/);
    expect(unsustainableReason({ ...ok, lost: 3, completed: 1997 })).toMatch(/3 orders/);
    expect(unsustainableReason({ ...ok, aborted: true })).toMatch(/backlog/);
    expect(unsustainableReason({ ...ok, p99Ms: 400 }, 250)).toMatch(/p99 400 ms > 250 ms/);
    // A slow but complete step still keeps up: --find-max goes on to find the throughput ceiling.
    expect(fallsBehindReason({ ...ok, p99Ms: 5_000 })).toBeUndefined();
    expect(fallsBehindReason({ ...ok, completed: 1999 })).toMatch(/1999\/2000/);
  });

  it('does not call a step kept up with when its backlog only drained after it', () => {
    // Session 10, 5-s steps: 2,400/s offered, everything ended within the grace period, at 1,089/s.
    const step = { rate: 2400, requested: 12_000, completed: 12_000, lost: 0, p99Ms: 7_504, aborted: false };
    expect(fallsBehindReason({ ...step, throughputPerS: 1089.4 })).toMatch(/1089.4\/s of 2400\/s/);
    expect(fallsBehindReason({ ...step, throughputPerS: 0.76 * 2400 })).toBeUndefined();
  });
});

describe('latency histogram', () => {
  it('reports percentiles in ms within HDR precision', () => {
    const h = new LatencyHistogram();
    for (let ms = 1; ms <= 1000; ms++) h.record(ms);
    const s = h.summary();
    expect(s.count).toBe(1000);
    expect(s.p50).toBeCloseTo(500, -1);
    expect(s.p90).toBeCloseTo(900, -1);
    expect(s.p99).toBeCloseTo(990, -1);
    expect(s.p999).toBeCloseTo(999, -1);
    expect(Math.abs(s.max - 1000)).toBeLessThanOrEqual(1);
  });

  it('keeps sub-millisecond resolution and survives values past the initial range', () => {
    const h = new LatencyHistogram();
    h.record(0.25);
    h.record(7_200_000); // two hours
    expect(h.percentile(50)).toBeCloseTo(0.3, 1);
    expect(h.summary().max).toBeGreaterThan(7_100_000);
  });

  it('is all zeros when empty', () => {
    expect(new LatencyHistogram().summary()).toEqual({ count: 0, p50: 0, p90: 0, p99: 0, p999: 0, max: 0 });
  });
});
