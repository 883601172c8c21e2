import { describe, expect, it } from '@jest/globals';
import { RoundMetrics, ServiceMetrics } from '@saga/messaging';
import { NO_ROUNDS, parseRoundSample, roundFigures, roundsOver, type RoundSample } from '../src/rounds.js';

/** The exposition the services really serve: the bench must read what RoundMetrics writes, names and labels. */
async function exposition(record: (groups: RoundMetrics[]) => void, groups = ['saga-node']): Promise<string> {
  const { registry } = new ServiceMetrics('order', { defaultMetrics: false });
  record(groups.map((g) => new RoundMetrics(registry, g)));
  return registry.metrics();
}

const sample = (s: Partial<RoundSample>): RoundSample => ({ ...NO_ROUNDS, ...s });

describe('round figures from /metrics', () => {
  it('reads the sums and counts RoundMetrics exposes', async () => {
    const text = await exposition(([m]) => {
      m!.fetched(2);
      m!.fetched(4);
      m!.batch(3, 10, 5);
      m!.batch(5, 20, 15);
    });
    const s = parseRoundSample(text)!;
    expect(s.fetches).toBe(2);
    expect(s.fetchSeconds).toBeCloseTo(0.006, 9);
    expect(s.batches).toBe(2);
    expect(s.records).toBe(8);
    expect(s.processSeconds).toBeCloseTo(0.03, 9);
    expect(s.sendSeconds).toBeCloseTo(0.02, 9);
  });

  it('adds up the groups of one process', async () => {
    const text = await exposition(
      ([a, b]) => {
        a!.batch(1, 1, 2);
        b!.batch(4, 3, 4);
      },
      ['order-service', 'payment-service'],
    );
    expect(parseRoundSample(text)).toMatchObject({ batches: 2, records: 5 });
    expect(parseRoundSample(text)!.processSeconds).toBeCloseTo(0.004, 9);
  });

  it('says nothing for a process without a consumer', async () => {
    expect(parseRoundSample('# HELP up\nup 1\n')).toBeUndefined();
    expect(parseRoundSample(await exposition(() => undefined, []))).toBeUndefined();
  });

  it('gives rates over the window and means per fetch and per batch', () => {
    const start = sample({
      fetches: 10,
      fetchSeconds: 0.1,
      batches: 100,
      records: 300,
      processSeconds: 1,
      sendSeconds: 0.5,
    });
    const end = sample({
      fetches: 30,
      fetchSeconds: 0.14,
      batches: 300,
      records: 1300,
      processSeconds: 3,
      sendSeconds: 1.5,
    });
    expect(roundFigures(start, end, 4)).toEqual({
      fetchesPerS: 5,
      fetchMs: 2,
      batchesPerS: 50,
      recordsPerBatch: 5,
      processMs: 10,
      sendMs: 5,
    });
  });

  it('gives zeros, not NaN, for a window without fetches or batches', () => {
    const s = sample({ fetches: 3, batches: 2 });
    expect(Object.values(roundFigures(s, s, 10)).every((v) => v === 0)).toBe(true);
  });

  it('leaves out a process not sampled at both ends', () => {
    const s = sample({});
    const figures = roundsOver(
      new Map([
        ['saga-node', s],
        ['saga-node-2', s],
      ]),
      new Map([['saga-node', s]]),
      1,
    );
    expect(Object.keys(figures)).toEqual(['saga-node']);
  });
});
