import { chunkRecords, type OutboundRecord } from './publisher.js';

const record = (key: string, bytes: number): OutboundRecord => ({
  topic: 'payments',
  key,
  value: Buffer.alloc(bytes),
  headers: { 'saga-event-type': 'PaymentAuthorized' },
});

describe('produce request chunking', () => {
  it('keeps small outputs in one request', () => {
    expect(chunkRecords([record('a', 10), record('b', 10)], 10_000)).toHaveLength(1);
  });

  it('splits at the byte limit, in order, never leaving a request over it', () => {
    const records = Array.from({ length: 50 }, (_, i) => record(`k${i % 3}`, 1_000));
    const chunks = chunkRecords(records, 5_000);
    expect(chunks.flat()).toEqual(records);
    expect(chunks.length).toBeGreaterThan(10);
    for (const c of chunks) expect(c.reduce((n, r) => n + r.value.length, 0)).toBeLessThanOrEqual(5_000);
  });

  it('sends a single record larger than the limit on its own (the broker decides)', () => {
    const chunks = chunkRecords([record('a', 10), record('b', 9_000), record('c', 10)], 5_000);
    expect(chunks.map((c) => c.map((r) => r.key))).toEqual([['a'], ['b'], ['c']]);
  });

  it('returns nothing for nothing', () => {
    expect(chunkRecords([])).toEqual([]);
  });
});
