/**
 * Redis 7's keyspace is one hash table per database, plus one for the keys with an expiry. A table doubles when its
 * entries reach its size (a power of two), and then moves every entry to the new one within a few seconds: on a busy
 * box, Redis' CPU per command about doubles for that time (BENCHMARKS.md, sessions 11 and 12). From an empty Redis a
 * 1,000/s run crosses 2^17 and 2^18 keys, and those seconds set its p99. The bench names them in its progress.
 */

export type RedisTable = 'keys' | 'expires';

export interface TableDoubling {
  /** Seconds since the load started (the progress lines' clock). */
  atS: number;
  table: RedisTable;
  /** The table's size before it doubled: the power of two its entries went past. */
  size: number;
}

export interface KeyspaceCounts {
  keys: number;
  expires: number;
}

/** Doublings below this size take milliseconds: not worth a mention. */
export const MIN_REPORTED_TABLE = 65_536;

/** `db0:keys=…,expires=…` of `INFO keyspace`; zeros when the database is empty (Redis then leaves its line out). */
export function parseKeyspace(info: string, db = 0): KeyspaceCounts {
  const line = info.split(/\r?\n/).find((l) => l.startsWith(`db${db}:`));
  const field = (name: string): number => Number(new RegExp(`[:,]${name}=(\\d+)`).exec(line ?? '')?.[1] ?? 0);
  return { keys: field('keys'), expires: field('expires') };
}

/** The powers of two ≥ `min` that a table went past between two counts (Redis grows it on the entry after 2^k). */
export function tableDoublings(from: number, to: number, min = MIN_REPORTED_TABLE): number[] {
  const sizes: number[] = [];
  for (let size = min; size < to; size *= 2) if (size >= from) sizes.push(size);
  return sizes;
}

/** Samples `INFO keyspace` (one call per sample) and keeps the doublings seen since the first sample. */
export class RedisTableWatch {
  readonly doublings: TableDoubling[] = [];
  private last: KeyspaceCounts | undefined;

  constructor(
    private readonly readKeyspace: () => Promise<string>,
    private readonly min = MIN_REPORTED_TABLE,
  ) {}

  /** The doublings since the previous sample (none on the first). */
  async sample(atS: number): Promise<TableDoubling[]> {
    const now = parseKeyspace(await this.readKeyspace());
    const prev = this.last;
    this.last = now;
    if (!prev) return [];
    const found = (['keys', 'expires'] as const).flatMap((table) =>
      tableDoublings(prev[table], now[table], this.min).map((size) => ({ atS, table, size })),
    );
    this.doublings.push(...found);
    return found;
  }
}

/** `key table` or `expiry table`, as the progress lines and the summary name them. */
export const tableName = (t: RedisTable): string => (t === 'keys' ? 'key table' : 'expiry table');

/** A table size as those lines print it: `262,144`. */
export const tableSize = (size: number): string => size.toLocaleString('en-US');

/** ` | redis: key table doubled at 262,144, expiry table doubled at 262,144` (empty without doublings). */
export function doublingNote(found: readonly TableDoubling[]): string {
  if (found.length === 0) return '';
  return ` | redis: ${found.map((d) => `${tableName(d.table)} doubled at ${tableSize(d.size)}`).join(', ')}`;
}
