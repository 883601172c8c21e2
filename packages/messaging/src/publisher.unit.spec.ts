import { chunkRecords, CoalescingSender, type OutboundRecord } from './publisher.js';

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

describe('CoalescingSender', () => {
  const rec = (key: string): OutboundRecord => ({
    topic: 'orders',
    key,
    value: Buffer.from(key),
    headers: {},
  });
  type Call = { keys: string[]; release: (err?: Error) => void };
  function fakeProducer() {
    const calls: Call[] = [];
    const producer = (records: OutboundRecord[]) =>
      new Promise<void>((resolve, reject) => {
        calls.push({
          keys: records.map((r) => String(r.key)),
          release: (err) => (err ? reject(err) : resolve()),
        });
      });
    return { calls, producer };
  }
  const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

  it('sends what is queued in one turn as one request, without waiting for a timer', async () => {
    const { calls, producer } = fakeProducer();
    const sender = new CoalescingSender(producer);
    const a = sender.send([rec('a')]);
    const b = sender.send([rec('b'), rec('c')]);
    await turn();
    expect(calls.map((c) => c.keys)).toEqual([['a', 'b', 'c']]);
    calls[0]!.release();
    await expect(Promise.all([a, b])).resolves.toEqual([undefined, undefined]);
  });

  it('holds what arrives during a request and sends it together right after, in order', async () => {
    const { calls, producer } = fakeProducer();
    const sender = new CoalescingSender(producer);
    const first = sender.send([rec('a1')]);
    await turn();
    const second = sender.send([rec('a2')]);
    const third = sender.send([rec('b1')]);
    await turn();
    expect(calls).toHaveLength(1);
    calls[0]!.release();
    await first;
    await turn();
    expect(calls.map((c) => c.keys)).toEqual([['a1'], ['a2', 'b1']]);
    calls[1]!.release();
    await Promise.all([second, third]);
  });

  it('fails every caller of a failed request, and the next request still goes out', async () => {
    const { calls, producer } = fakeProducer();
    const sender = new CoalescingSender(producer);
    const a = sender.send([rec('a')]);
    await turn();
    const b = sender.send([rec('b')]);
    calls[0]!.release(new Error('broker gone'));
    await expect(a).rejects.toThrow('broker gone');
    await turn();
    expect(calls.map((c) => c.keys)).toEqual([['a'], ['b']]);
    calls[1]!.release();
    await expect(b).resolves.toBeUndefined();
  });

  describe('round slots', () => {
    it("holds a round's output until every slot has queued or been released, then sends one request", async () => {
      const { calls, producer } = fakeProducer();
      const sender = new CoalescingSender(producer, 60_000);
      const [s1, s2, s3] = [sender.slot(), sender.slot(), sender.slot()];
      const a = s1.send([rec('a')]);
      await turn();
      s2.release();
      await turn();
      expect(calls).toHaveLength(0);
      const c = s3.send([rec('c')]);
      await turn();
      expect(calls.map((x) => x.keys)).toEqual([['a', 'c']]);
      calls[0]!.release();
      await expect(Promise.all([a, c])).resolves.toEqual([undefined, undefined]);
    });

    it('sends after the hold limit when a slot stays open (a slow handler holds nobody for long)', async () => {
      const { calls, producer } = fakeProducer();
      const sender = new CoalescingSender(producer, 5);
      const slow = sender.slot();
      const a = sender.slot().send([rec('a')]);
      await turn();
      expect(calls).toHaveLength(0);
      await new Promise((r) => setTimeout(r, 20));
      expect(calls.map((x) => x.keys)).toEqual([['a']]);
      calls[0]!.release();
      await a;
      const late = slow.send([rec('late')]);
      await turn();
      expect(calls.map((x) => x.keys)).toEqual([['a'], ['late']]);
      calls[1]!.release();
      await late;
    });

    it('holds output without a slot while a slot is open; a released slot counts once', async () => {
      const { calls, producer } = fakeProducer();
      const sender = new CoalescingSender(producer, 60_000);
      const s1 = sender.slot();
      const s2 = sender.slot();
      const retry = sender.send([rec('r')]);
      s1.release();
      s1.release();
      await turn();
      expect(calls).toHaveLength(0);
      s2.release();
      await turn();
      expect(calls.map((x) => x.keys)).toEqual([['r']]);
      calls[0]!.release();
      await retry;
    });
  });
});
