/**
 * RedisStateStore against the real Redis: the log beside an aggregate is appended in the same compare-and-set as
 * the state (and not again on a replay), and a retention makes both keys expire after the last write.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { Redis } from 'ioredis';
import { uniquePrefix } from '@saga/testkit';
import {
  ConstantPartChangedError,
  processOnce,
  RedisStateStore,
  retentionSlackMs,
  type StepResult,
} from '@saga/messaging';
import { conn, orderCreated } from './record-fixtures.js';

const redis = new Redis(conn.redis.url, { lazyConnect: true, enableAutoPipelining: true });
const keys: string[] = [];
beforeAll(() => redis.connect());
afterAll(async () => {
  if (keys.length > 0) await redis.del(...keys);
  redis.disconnect();
});

const logKey = (key: string) => `${key}:log`;
function newKey(label: string): string {
  const key = `test:{${uniquePrefix(label)}}`;
  keys.push(key, logKey(key));
  return key;
}

interface Counter {
  n: number;
}

describe('RedisStateStore', () => {
  it('appends to the log with the state, once per input: a replayed input appends nothing', async () => {
    const store = new RedisStateStore<Counter>(redis, { logKey });
    const key = newKey('log');
    const step = (line: string) => (s: Counter | undefined) => ({
      kind: 'changed' as const,
      state: { n: (s?.n ?? 0) + 1 },
      events: [orderCreated(key)],
      append: `${line}\n`,
    });
    const first = randomUUID();
    await processOnce(store, key, first, step('a'));
    await processOnce(store, key, randomUUID(), step('b'));
    const replay = await processOnce(store, key, first, step('again'));
    expect(replay.kind).toBe('emit');
    expect(await redis.get(logKey(key))).toBe('a\nb\n');
    expect(await store.readWithLog(key)).toEqual({ state: { n: 2 }, log: 'a\nb\n' });
    // No retention: both keep no expiry.
    expect(await redis.pttl(key)).toBe(-1);
    expect(await redis.pttl(logKey(key))).toBe(-1);
  });

  it('with a retention, the aggregate and its log have at least that long left after every write', async () => {
    const retentionMs = 3_600_000;
    const upTo = retentionMs + retentionSlackMs(retentionMs);
    const store = new RedisStateStore<Counter>(redis, { logKey, retentionMs });
    const key = newKey('ttl');
    const step =
      (append: string) =>
      (s: Counter | undefined): StepResult<Counter> => ({
        kind: 'changed',
        state: { n: (s?.n ?? 0) + 1 },
        events: [],
        append,
      });
    const expectKept = async (k: string) => {
      const ttl = await redis.pttl(k);
      expect(ttl).toBeGreaterThan(retentionMs);
      expect(ttl).toBeLessThanOrEqual(upTo);
    };
    // The first write appends nothing: the log key appears only at the second, and still gets its expiry.
    await processOnce(store, key, randomUUID(), step(''));
    await expectKept(key);
    expect(await redis.exists(logKey(key))).toBe(0);
    await processOnce(store, key, randomUUID(), step('x\n'));
    await expectKept(key);
    await expectKept(logKey(key));
    // Less than the retention left (as if the slack had passed since it was set): the next write sets it again.
    await redis.pexpire(key, 60_000);
    await redis.pexpire(logKey(key), 60_000);
    await processOnce(store, key, randomUUID(), step('y\n'));
    await expectKept(key);
    await expectKept(logKey(key));
  });

  it("sets a key's expiry once while more than the retention is left: later writes add no PEXPIRE", async () => {
    const retentionMs = 3_600_000;
    const store = new RedisStateStore<Counter>(redis, { logKey, retentionMs });
    const key = newKey('ttl-once');
    await processOnce(store, key, randomUUID(), () => ({
      kind: 'changed',
      state: { n: 1 },
      events: [],
      append: 'a\n',
    }));
    // A marker expiry above the retention: a write that set the expiry again would replace it.
    const marker = retentionMs + retentionSlackMs(retentionMs) - 123_456;
    await redis.pexpire(key, marker);
    await redis.pexpire(logKey(key), marker);
    await processOnce(store, key, randomUUID(), (s) => ({
      kind: 'changed',
      state: { n: (s?.n ?? 0) + 1 },
      events: [],
      append: 'b\n',
    }));
    for (const k of [key, logKey(key)]) {
      const ttl = await redis.pttl(k);
      expect(ttl).toBeLessThanOrEqual(marker);
      expect(ttl).toBeGreaterThan(marker - 60_000);
    }
  });

  describe('a constant part', () => {
    interface Order {
      status: string;
      details?: { sku: string };
    }
    const constant = {
      split: ({ details, ...rest }: Order) => ({ rest, constant: details }),
      join: (rest: Order, details: unknown) => ({ ...rest, details: details as { sku: string } }),
    };
    const store = new RedisStateStore<Order>(redis, { constant });
    const to =
      (status: string, sku = 'SKU-1') =>
      (): StepResult<Order> => ({ kind: 'changed', state: { status, details: { sku } }, events: [] });

    it('is stored once, beside the state, and joined back on every read', async () => {
      const key = newKey('const');
      await processOnce(store, key, randomUUID(), to('pending'));
      expect(JSON.parse((await redis.hget(key, 'state'))!)).toEqual({ status: 'pending' });
      expect(JSON.parse((await redis.hget(key, 'const'))!)).toEqual({ sku: 'SKU-1' });
      // The second commit does not send the part again: the script's last argument is empty.
      const sent: unknown[][] = [];
      const send = redis.sendCommand.bind(redis);
      const spy = jest.spyOn(redis, 'sendCommand').mockImplementation((command, stream) => {
        if (/^eval/i.test(command.name)) sent.push(command.args);
        return send(command, stream);
      });
      try {
        await processOnce(store, key, randomUUID(), (s) => ({
          kind: 'changed',
          state: { ...s!, status: 'shipped' },
          events: [],
        }));
      } finally {
        spy.mockRestore();
      }
      expect(sent).toHaveLength(1);
      expect(sent[0]!.at(-1)).toBe('');
      expect(JSON.parse((await redis.hget(key, 'state'))!)).toEqual({ status: 'shipped' });
      const shipped = { status: 'shipped', details: { sku: 'SKU-1' } };
      expect(await store.read(key)).toEqual(shipped);
      expect(await store.readWithLog(key)).toEqual({ state: shipped, log: '' });
    });

    it('refuses a step that changes or drops it: not retriable, and the stored state stays', async () => {
      const key = newKey('const-changed');
      await processOnce(store, key, randomUUID(), to('pending'));
      const attempt = processOnce(store, key, randomUUID(), to('shipped', 'SKU-OTHER'));
      await expect(attempt).rejects.toBeInstanceOf(ConstantPartChangedError);
      await expect(attempt).rejects.toMatchObject({ code: 'CONSTANT_PART_CHANGED', retriable: false });
      expect(await store.read(key)).toEqual({ status: 'pending', details: { sku: 'SKU-1' } });
      // Dropping it is a change too: a later read would join it back.
      const dropped = processOnce(store, key, randomUUID(), () => ({
        kind: 'changed',
        state: { status: 'shipped' },
        events: [],
      }));
      await expect(dropped).rejects.toBeInstanceOf(ConstantPartChangedError);
      expect(await store.read(key)).toEqual({ status: 'pending', details: { sku: 'SKU-1' } });
    });

    it('moves out of a state stored whole before the store had it', async () => {
      const key = newKey('const-legacy');
      await redis.hset(
        key,
        'rev',
        '1',
        'state',
        JSON.stringify({ status: 'pending', details: { sku: 'OLD' } }),
      );
      expect(await store.read(key)).toEqual({ status: 'pending', details: { sku: 'OLD' } });
      await processOnce(store, key, randomUUID(), (s) => ({
        kind: 'changed',
        state: { ...s!, status: 'shipped' },
        events: [],
      }));
      expect(JSON.parse((await redis.hget(key, 'state'))!)).toEqual({ status: 'shipped' });
      expect(await store.read(key)).toEqual({ status: 'shipped', details: { sku: 'OLD' } });
    });
  });

  it('answers false to a commit of an input already recorded, even at the current rev, and writes nothing', async () => {
    const store = new RedisStateStore<Counter>(redis, { logKey });
    const key = newKey('recorded');
    const input = randomUUID();
    expect(await store.commit(key, '0', { n: 1 }, input, [], 'a\n')).toBe(true);
    // The rev matches (nothing else wrote), but this input's output is already there: a replay, not a new step.
    expect(await store.commit(key, '1', { n: 2 }, input, [], 'b\n')).toBe(false);
    expect(await store.read(key)).toEqual({ n: 1 });
    expect(await redis.hget(key, 'rev')).toBe('1');
    expect(await redis.get(logKey(key))).toBe('a\n');
  });

  it('refuses a log line for a store without a log', async () => {
    const store = new RedisStateStore<Counter>(redis);
    const key = newKey('nolog');
    await expect(store.commit(key, '0', { n: 1 }, randomUUID(), [], 'line\n')).rejects.toThrow(/no log/);
    expect(await redis.exists(key)).toBe(0);
  });
});
