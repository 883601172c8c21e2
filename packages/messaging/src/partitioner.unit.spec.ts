import { createRequire } from 'node:module';
import { describe, expect, it } from '@jest/globals';
import { Partitioners, type PartitionerArgs, type PartitionMetadata } from 'kafkajs';
import { JavaCompatiblePartitioner, murmur2 } from './partitioner.js';

// kafkajs' own hash (what its DefaultPartitioner uses), the reference the fast one must equal.
const kafkajsMurmur2 = createRequire(import.meta.url)(
  'kafkajs/src/producer/partitioners/default/murmur2.js',
) as (key: string | Buffer) => number;

/** A deterministic generator, so a failure names keys that can be replayed. */
function* keys(count: number): Generator<string> {
  let seed = 42;
  const next = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0);
  const alphabet = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_:{}~\u007f';
  for (let n = 0; n < count; n++) {
    let key = '';
    const length = next() % 48;
    for (let i = 0; i < length; i++) key += alphabet[next() % alphabet.length];
    yield key;
  }
}

function partitions(n: number, withoutLeader: number[] = []): PartitionMetadata[] {
  return Array.from({ length: n }, (_, partitionId) => ({
    partitionErrorCode: 0,
    partitionId,
    leader: withoutLeader.includes(partitionId) ? -1 : 1,
    replicas: [1],
    isr: [1],
  }));
}

const args = (key: PartitionerArgs['message']['key'], n: number, partition?: number): PartitionerArgs => ({
  topic: 't',
  partitionMetadata: partitions(n),
  message: { key, value: 'v', ...(partition === undefined ? {} : { partition }) },
});

describe('murmur2', () => {
  it("equals the Java client's test vectors", () => {
    expect(murmur2('21')).toBe(-973932308);
    expect(murmur2('foobar')).toBe(-790332482);
    expect(murmur2('a-little-bit-long-string')).toBe(-985981536);
    expect(murmur2('a-little-bit-longer-string')).toBe(-1486304829);
    expect(murmur2('lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8')).toBe(-58897971);
    expect(murmur2(Buffer.from('abc'))).toBe(479470107);
  });

  it("equals kafkajs' hash for 5,000 ASCII keys of every length up to 47, as strings and as bytes", () => {
    for (const key of keys(5_000)) {
      expect([key, murmur2(key)]).toEqual([key, kafkajsMurmur2(key)]);
      expect([key, murmur2(Buffer.from(key))]).toEqual([key, kafkajsMurmur2(Buffer.from(key))]);
    }
  });

  it("equals kafkajs' hash for keys beyond ASCII (hashed as UTF-8) and for the empty key", () => {
    for (const key of ['', 'é', 'ordre-é', 'заказ-42', '订单-7', 'order-🚚-1', '\u0080', 'a\u00ffb\u0100c']) {
      expect([key, murmur2(key)]).toEqual([key, kafkajsMurmur2(key)]);
    }
  });
});

describe('JavaCompatiblePartitioner', () => {
  it("puts every keyed record on kafkajs' DefaultPartitioner's partition", () => {
    const ours = JavaCompatiblePartitioner();
    const theirs = Partitioners.DefaultPartitioner();
    for (const n of [1, 3, 6, 7, 12]) {
      for (const key of keys(500))
        expect([key, n, ours(args(key, n))]).toEqual([key, n, theirs(args(key, n))]);
    }
  });

  it('keeps an explicit partition', () => {
    expect(JavaCompatiblePartitioner()(args('order-1', 6, 4))).toBe(4);
  });

  it('sends records without a key round-robin over the partitions that have a leader', () => {
    const partitioner = JavaCompatiblePartitioner();
    const metadata = partitions(6, [1, 4]);
    const chosen = Array.from({ length: 8 }, () =>
      partitioner({ topic: 't', partitionMetadata: metadata, message: { key: null, value: 'v' } }),
    );
    expect(new Set(chosen)).toEqual(new Set([0, 2, 3, 5]));
    expect(chosen.slice(4)).toEqual(chosen.slice(0, 4));
  });
});
