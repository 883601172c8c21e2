/**
 * coalesceWrites against the real Redis: the commands of one turn of the event loop leave in one socket write, every
 * reply reaches its own command (errors included), and a reconnected client's new socket coalesces too.
 */
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from '@jest/globals';
import { Redis } from 'ioredis';
import { uniquePrefix } from '@saga/testkit';
import { coalesceWrites } from '@saga/messaging';
import { conn } from './record-fixtures.js';

const clients: Redis[] = [];
afterEach(() => {
  for (const c of clients.splice(0)) c.disconnect();
});

async function connected(coalesce: boolean): Promise<Redis> {
  const redis = new Redis(conn.redis.url, { lazyConnect: true, enableAutoPipelining: false });
  clients.push(redis);
  if (coalesce) coalesceWrites(redis);
  await redis.connect();
  return redis;
}

/** Counts the writes the socket hands to the operating system (one per `_write` or `_writev`). */
function countWrites(socket: Writable): { readonly n: number } {
  const counter = { n: 0 };
  const s = socket as Writable & { _write: (...a: unknown[]) => void; _writev?: (...a: unknown[]) => void };
  const write = s._write.bind(s);
  s._write = (...a) => {
    counter.n++;
    write(...a);
  };
  const writev = s._writev?.bind(s);
  if (writev)
    s._writev = (...a) => {
      counter.n++;
      writev(...a);
    };
  return counter;
}

function keysFor(label: string, n: number): string[] {
  const prefix = uniquePrefix(label);
  return Array.from({ length: n }, (_, i) => `test:${prefix}:${i}`);
}

describe('coalesceWrites', () => {
  it('sends the commands of one turn in one write, and each reply reaches its command', async () => {
    const redis = await connected(true);
    const keys = keysFor('coalesce', 50);
    const writes = countWrites(redis.stream);
    const sets = await Promise.all(keys.map((k, i) => redis.set(k, `v${i}`, 'PX', 60_000)));
    expect(writes.n).toBe(1);
    expect(sets).toEqual(keys.map(() => 'OK'));
    const values = await Promise.all(keys.map((k) => redis.get(k)));
    expect(writes.n).toBe(2);
    expect(values).toEqual(keys.map((_, i) => `v${i}`));
  });

  it('without it every command is a write of its own (what the counting above would catch)', async () => {
    const redis = await connected(false);
    const keys = keysFor('plain', 20);
    const writes = countWrites(redis.stream);
    await Promise.all(keys.map((k) => redis.set(k, 'v', 'PX', 60_000)));
    expect(writes.n).toBeGreaterThan(1);
  });

  it('keeps an error reply with its own command inside a coalesced write', async () => {
    const redis = await connected(true);
    const [key] = keysFor('error', 1);
    const writes = countWrites(redis.stream);
    const [set, wrongType, get] = await Promise.allSettled([
      redis.set(key!, 'plain', 'PX', 60_000),
      redis.hget(key!, 'field'),
      redis.get(key!),
    ]);
    expect(writes.n).toBe(1);
    expect(set).toEqual({ status: 'fulfilled', value: 'OK' });
    expect(wrongType.status).toBe('rejected');
    expect(String((wrongType as PromiseRejectedResult).reason)).toMatch(/WRONGTYPE/);
    expect(get).toEqual({ status: 'fulfilled', value: 'plain' });
  });

  it('coalesces on the new socket after a reconnect', async () => {
    const redis = await connected(true);
    const first = redis.stream;
    const ready = once(redis, 'ready');
    redis.disconnect(true);
    await ready;
    expect(redis.stream).not.toBe(first);
    const keys = keysFor('reconnect', 10);
    const writes = countWrites(redis.stream);
    await Promise.all(keys.map((k) => redis.set(k, 'v', 'PX', 60_000)));
    expect(writes.n).toBe(1);
  });
});
