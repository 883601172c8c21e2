import type { Redis } from 'ioredis';
import type { ErrorInfo } from './errors.js';
import { luaScript } from './lua.js';

/** A Kafka record as received, kept so a retry goes through exactly the same decode-and-handle path. */
export interface RawRecord {
  topic: string;
  partition: number;
  offset: string;
  key: string | null;
  /** base64 of the Avro bytes */
  value: string;
  headers: Record<string, string>;
}

export interface RetryItem {
  id: string;
  service: string;
  orderId: string;
  eventId: string;
  eventType: string;
  /** The attempt that will run next (2 = first retry). */
  attempt: number;
  policy: string;
  lastError: ErrorInfo;
  firstFailedAt: number;
  dueAt: number;
  parked: boolean;
  parkedAt?: number;
  record: RawRecord;
}

export const retryItemId = (orderId: string, eventId: string): string => `${orderId}|${eventId}`;

/** The keys of one service's retry schedule, all under one hash tag. The one place these names are built. */
export function retryKeys(service: string): { due: string; items: string; parked: string } {
  const tag = `{retry:${service}}`;
  return { due: `${tag}:due`, items: `${tag}:items`, parked: `${tag}:parked` };
}

/**
 * The durable retry schedule of one service: a sorted set of due times and a hash of items, under one hash tag.
 * A waiting retry is a row here, not a timer or a paused partition: other orders flow on, and a restart loses
 * nothing. Claims take a lease (the due time moves forward), so an instance that dies mid-retry leaves the item to
 * be picked up again when the lease runs out; handlers are idempotent, so a re-run does no second effect.
 */
const CLAIM = `
local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[3]))
local out = {}
for i, id in ipairs(ids) do
  redis.call('ZADD', KEYS[1], ARGV[2], id)
  local item = redis.call('HGET', KEYS[2], id)
  if item then table.insert(out, item) else redis.call('ZREM', KEYS[1], id) end
end
return out
`;

/** Schedules unless the same input already has a pending retry at a later attempt (a duplicate delivery). */
const SCHEDULE_FIRST = `
local existing = redis.call('HGET', KEYS[2], ARGV[1])
if existing then return 0 end
redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
redis.call('ZADD', KEYS[1], ARGV[3], ARGV[1])
return 1
`;

export class RetryStore {
  private readonly due: string;
  private readonly items: string;
  private readonly parked: string;
  private readonly claim: (...args: (string | number)[]) => Promise<string[]>;
  private readonly first: (...args: (string | number)[]) => Promise<number>;

  constructor(
    private readonly redis: Redis,
    readonly service: string,
  ) {
    ({ due: this.due, items: this.items, parked: this.parked } = retryKeys(service));
    this.claim = luaScript<string[]>(redis, 'sagaRetryClaim', 2, CLAIM);
    this.first = luaScript<number>(redis, 'sagaRetryFirst', 2, SCHEDULE_FIRST);
  }

  /** First failure of a fresh delivery. Returns false if a retry of this input is already pending. */
  async scheduleFirst(item: RetryItem): Promise<boolean> {
    return (await this.first(this.due, this.items, item.id, JSON.stringify(item), item.dueAt)) === 1;
  }

  /** Whether a retry (or a parked item) of this input is waiting in the schedule. */
  async isPending(id: string): Promise<boolean> {
    return (await this.redis.hexists(this.items, id)) === 1;
  }

  /** The ids among `ids` with a retry (or a parked item) waiting: one round trip for a whole batch. */
  async pendingAmong(ids: readonly string[]): Promise<Set<string>> {
    if (ids.length === 0) return new Set();
    const found = await this.redis.hmget(this.items, ...ids);
    return new Set(ids.filter((_, i) => found[i] !== null));
  }

  /** A claimed retry failed again: next attempt at its due time. */
  async reschedule(item: RetryItem): Promise<void> {
    await this.redis
      .multi()
      .hset(this.items, item.id, JSON.stringify(item))
      .zadd(this.due, item.dueAt, item.id)
      .exec();
  }

  async park(item: RetryItem): Promise<void> {
    await this.redis
      .multi()
      .hset(this.items, item.id, JSON.stringify(item))
      .zadd(this.due, item.dueAt, item.id)
      .zadd(this.parked, item.parkedAt ?? Date.now(), item.id)
      .exec();
  }

  async complete(id: string): Promise<void> {
    await this.redis.multi().zrem(this.due, id).hdel(this.items, id).zrem(this.parked, id).exec();
  }

  async claimDue(now: number, leaseMs: number, limit: number): Promise<RetryItem[]> {
    const raw = await this.claim(this.due, this.items, now, now + leaseMs, limit);
    return raw.map((s) => JSON.parse(s) as RetryItem);
  }

  /** No retry and no parked item of this service is waiting: nothing a redelivered input could collide with. */
  async isEmpty(): Promise<boolean> {
    return (await this.redis.hlen(this.items)) === 0;
  }

  /** Earliest due time, to sleep exactly as long as needed. */
  async nextDueAt(): Promise<number | undefined> {
    const [, score] = await this.redis.zrange(this.due, 0, 0, 'WITHSCORES');
    return score === undefined ? undefined : Number(score);
  }

  async pendingFor(orderId: string): Promise<RetryItem[]> {
    const found: RetryItem[] = [];
    let cursor = '0';
    do {
      const [next, entries] = await this.redis.hscan(
        this.items,
        cursor,
        'MATCH',
        `${orderId}|*`,
        'COUNT',
        500,
      );
      cursor = next;
      for (let i = 1; i < entries.length; i += 2) found.push(JSON.parse(entries[i]!) as RetryItem);
    } while (cursor !== '0');
    return found;
  }

  /** O(1): for the parked-sagas gauge, read at scrape time. */
  parkedCount(): Promise<number> {
    return this.redis.zcard(this.parked);
  }

  async listParked(): Promise<RetryItem[]> {
    const ids = await this.redis.zrange(this.parked, 0, -1);
    if (ids.length === 0) return [];
    const items = await this.redis.hmget(this.items, ...ids);
    return items.filter((s): s is string => s !== null).map((s) => JSON.parse(s) as RetryItem);
  }

  /** `saga order retry`: every pending or parked retry of the order runs now. Returns how many. */
  async retryNow(orderId: string, now = Date.now()): Promise<number> {
    const items = await this.pendingFor(orderId);
    for (const item of items) await this.redis.zadd(this.due, now, item.id);
    return items.length;
  }
}
