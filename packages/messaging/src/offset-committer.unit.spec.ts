import { describe, expect, it } from '@jest/globals';
import { byTopic, OffsetCommitter, type CommitOffset } from './offset-committer.js';

const quiet = { warn: () => undefined };

function recording(fail = 0) {
  const calls: CommitOffset[][] = [];
  let failures = fail;
  const commit = (offsets: CommitOffset[]) => {
    calls.push(offsets);
    if (failures-- > 0) return Promise.reject(new Error('coordinator moved'));
    return Promise.resolve();
  };
  return { calls, commit };
}

describe('OffsetCommitter', () => {
  it('commits the next offset of every acked partition in one request', async () => {
    const r = recording();
    const c = new OffsetCommitter(r.commit, 1_000, quiet);
    c.acked('payments', 0, '41');
    c.acked('payments', 3, '9');
    c.acked('orders', 0, '0');
    await c.flush();
    expect(r.calls).toEqual([
      [
        { topic: 'payments', partition: 0, offset: '42' },
        { topic: 'payments', partition: 3, offset: '10' },
        { topic: 'orders', partition: 0, offset: '1' },
      ],
    ]);
  });

  it('a flush sent another way (the drain) takes the request instead of the usual commit, and empties the same set', async () => {
    const usual = recording();
    const drain = recording();
    const c = new OffsetCommitter(usual.commit, 1_000, quiet);
    c.acked('payments', 1, '7');
    await c.flush(drain.commit);
    await c.flush();
    expect(drain.calls).toEqual([[{ topic: 'payments', partition: 1, offset: '8' }]]);
    expect(usual.calls).toEqual([]);
  });

  it('byTopic groups offsets the way the batch payload takes them', () => {
    expect(
      byTopic([
        { topic: 'payments', partition: 0, offset: '42' },
        { topic: 'orders', partition: 2, offset: '1' },
        { topic: 'payments', partition: 3, offset: '10' },
      ]),
    ).toEqual({
      topics: [
        {
          topic: 'payments',
          partitions: [
            { partition: 0, offset: '42' },
            { partition: 3, offset: '10' },
          ],
        },
        { topic: 'orders', partitions: [{ partition: 2, offset: '1' }] },
      ],
    });
  });

  it('never moves a partition backwards and sends nothing when nothing changed', async () => {
    const r = recording();
    const c = new OffsetCommitter(r.commit, 1_000, quiet);
    c.acked('payments', 0, '50');
    c.acked('payments', 0, '20');
    await c.flush();
    await c.flush();
    expect(r.calls).toEqual([[{ topic: 'payments', partition: 0, offset: '51' }]]);
  });

  it('keeps offsets whose commit failed for the next flush', async () => {
    const r = recording(1);
    const c = new OffsetCommitter(r.commit, 1_000, quiet);
    c.acked('payments', 1, '7');
    await expect(c.flush()).rejects.toThrow('coordinator moved');
    c.acked('payments', 2, '3');
    await c.flush();
    expect(r.calls[1]).toEqual([
      { topic: 'payments', partition: 1, offset: '8' },
      { topic: 'payments', partition: 2, offset: '4' },
    ]);
  });

  it('sends one request at a time: a flush during a commit waits and then sends what came meanwhile', async () => {
    let release: () => void = () => undefined;
    const calls: CommitOffset[][] = [];
    const c = new OffsetCommitter(
      (offsets) => {
        calls.push(offsets);
        return calls.length === 1 ? new Promise<void>((res) => (release = res)) : Promise.resolve();
      },
      1_000,
      quiet,
    );
    c.acked('orders', 0, '1');
    const first = c.flush();
    c.acked('orders', 0, '5');
    const second = c.flush();
    expect(calls).toHaveLength(1);
    release();
    await Promise.all([first, second]);
    expect(calls).toEqual([
      [{ topic: 'orders', partition: 0, offset: '2' }],
      [{ topic: 'orders', partition: 0, offset: '6' }],
    ]);
  });

  it('forgets uncommitted offsets after a rebalance', async () => {
    const r = recording();
    const c = new OffsetCommitter(r.commit, 1_000, quiet);
    c.acked('orders', 4, '10');
    c.reset();
    await c.flush();
    expect(r.calls).toEqual([]);
  });
});
