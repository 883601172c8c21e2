import { describe, expect, it } from '@jest/globals';
import { doublingNote, parseKeyspace, RedisTableWatch, tableDoublings } from '../src/redis-tables.js';

describe('Redis table doublings', () => {
  it('reads the counts of db0 from INFO keyspace, zeros when it is empty', () => {
    const info =
      '# Keyspace\r\ndb0:keys=262150,expires=262001,avg_ttl=604800000\r\ndb1:keys=3,expires=0,avg_ttl=0\r\n';
    expect(parseKeyspace(info)).toEqual({ keys: 262_150, expires: 262_001 });
    expect(parseKeyspace(info, 1)).toEqual({ keys: 3, expires: 0 });
    expect(parseKeyspace('# Keyspace\r\n')).toEqual({ keys: 0, expires: 0 });
  });

  it('names each power of two a table went past, from the entry after it', () => {
    expect(tableDoublings(130_500, 133_420)).toEqual([131_072]);
    expect(tableDoublings(131_072, 131_073)).toEqual([131_072]);
    expect(tableDoublings(131_073, 262_144)).toEqual([]); // 262,144 entries still fit
    expect(tableDoublings(100_000, 300_000)).toEqual([131_072, 262_144]);
    expect(tableDoublings(1_000, 60_000)).toEqual([]); // below the reported size
    expect(tableDoublings(500, 5_000, 1_024)).toEqual([1_024, 2_048, 4_096]);
  });

  it('reports a doubling once, in the sample that saw it, for either table', async () => {
    const infos = [
      'db0:keys=130000,expires=129000,avg_ttl=1',
      'db0:keys=131500,expires=130900,avg_ttl=1',
      'db0:keys=132000,expires=131500,avg_ttl=1',
      'db0:keys=133000,expires=132000,avg_ttl=1',
    ];
    const watch = new RedisTableWatch(() => Promise.resolve(infos.shift() ?? ''));
    expect(await watch.sample(29)).toEqual([]);
    expect(await watch.sample(30)).toEqual([{ atS: 30, table: 'keys', size: 131_072 }]);
    expect(await watch.sample(31)).toEqual([{ atS: 31, table: 'expires', size: 131_072 }]);
    expect(await watch.sample(32)).toEqual([]);
    expect(watch.doublings).toHaveLength(2);
  });

  it('says it in one suffix of the progress line', () => {
    expect(doublingNote([])).toBe('');
    expect(
      doublingNote([
        { atS: 50, table: 'keys', size: 262_144 },
        { atS: 50, table: 'expires', size: 262_144 },
      ]),
    ).toBe(' | redis: key table doubled at 262,144, expiry table doubled at 262,144');
  });
});
