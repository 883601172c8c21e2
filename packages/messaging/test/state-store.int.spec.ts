/**
 * RedisStateStore against the real Redis: the log beside an aggregate is appended in the same compare-and-set as
 * the state (and not again on a replay), and a retention makes both keys expire after the last write.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Redis } from 'ioredis';
import { uniquePrefix } from '@saga/testkit';
import { processOnce, RedisStateStore } from '@saga/messaging';
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

  it('with a retention, the aggregate and its log expire that long after the last write', async () => {
    const store = new RedisStateStore<Counter>(redis, { logKey, retentionMs: 3_600_000 });
    const key = newKey('ttl');
    await processOnce(store, key, randomUUID(), () => ({
      kind: 'changed',
      state: { n: 1 },
      events: [],
      append: 'x\n',
    }));
    for (const k of [key, logKey(key)]) {
      const ttl = await redis.pttl(k);
      expect(ttl).toBeGreaterThan(3_500_000);
      expect(ttl).toBeLessThanOrEqual(3_600_000);
    }
  });

  it('refuses a log line for a store without a log', async () => {
    const store = new RedisStateStore<Counter>(redis);
    const key = newKey('nolog');
    await expect(store.commit(key, '0', { n: 1 }, randomUUID(), [], 'line\n')).rejects.toThrow(/no log/);
    expect(await redis.exists(key)).toBe(0);
  });
});
