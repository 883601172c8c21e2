import type { Redis } from 'ioredis';
import type { OrderDetails } from '@saga/contracts';
import { RedisStateStore, type ConstantSplit } from '@saga/messaging';
import type { OrderState, OrderStatus } from '../order/state.js';
import type { StoredOrder } from '../order/step.js';
import type { TimelineEntry } from '../order/timeline.js';

/**
 * Every field of one order lives in one hash whose hash tag is the orderId, so the state store's compare-and-set
 * script touches a single slot (Redis Cluster-ready). The listing index is one separate key, updated after the
 * commit; it only ever gains members with a fixed score, so re-applying it is harmless.
 */
export const ORDER_INDEX_KEY = 'ord:index';

export function orderKey(orderId: string): string {
  return `ord:{${orderId}}`;
}

/** The order's timeline: its entries as JSON lines, appended by each step (see RedisStateStore's log). */
export function timelineKey(key: string): string {
  return `${key}:tl`;
}

/** Timeline entries as the lines appended to the timeline key. */
export function encodeEntries(entries: readonly TimelineEntry[]): string {
  return entries.map((e) => `${JSON.stringify(e)}\n`).join('');
}

export function decodeEntries(log: string): TimelineEntry[] {
  return log
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as TimelineEntry);
}

/**
 * Orders written before the timeline moved to its own key kept it in the state JSON: such an order still loads
 * (its ids from those entries), and readOrder still shows those entries first.
 */
interface LegacyStoredOrder {
  state: OrderState;
  timeline: TimelineEntry[];
}
export type PersistedOrder = StoredOrder & { timeline?: TimelineEntry[] };

function fromPersisted(raw: unknown): PersistedOrder {
  const stored = raw as PersistedOrder | LegacyStoredOrder;
  if ('timelineIds' in stored) return stored;
  return { ...stored, timelineIds: stored.timeline.map((e) => e.eventId) };
}

/**
 * The order's details (what was ordered, for whom, where to) are fixed at creation: stored once, beside the state
 * every step rewrites (StateStoreOptions.constant). A rejected order has none.
 */
export function splitDetails(stored: PersistedOrder): ConstantSplit<PersistedOrder> {
  if (stored.state.status === 'rejected') return { rest: stored };
  const { order, ...rest } = stored.state;
  return { rest: { ...stored, state: rest as OrderState }, constant: order };
}

export function joinDetails(rest: PersistedOrder, details: unknown): PersistedOrder {
  if (rest.state.status === 'rejected') return rest;
  return { ...rest, state: { ...rest.state, order: details as OrderDetails } };
}

/** `retentionMs`: how long an order is kept after its last change (0: forever; see StateStoreOptions). */
export function createOrderStore(redis: Redis, retentionMs = 0): RedisStateStore<PersistedOrder> {
  return new RedisStateStore<PersistedOrder>(redis, {
    logKey: timelineKey,
    decode: fromPersisted,
    retentionMs,
    constant: { split: splitDetails, join: joinDetails },
  });
}

/**
 * Idempotent: the same orderId with the same createdAt, whether called once or after a redelivery. With a
 * retention, orders created longer ago than it leave the index as their state expires.
 */
export async function indexOrder(
  redis: Redis,
  orderId: string,
  createdAt: number,
  retentionMs = 0,
): Promise<void> {
  // Sent together (one round trip with auto-pipelining); the trim removes only other, older orders.
  await Promise.all([
    redis.zadd(ORDER_INDEX_KEY, createdAt, orderId),
    retentionMs > 0
      ? redis.zremrangebyscore(ORDER_INDEX_KEY, '-inf', `(${createdAt - retentionMs}`)
      : undefined,
  ]);
}

export interface OrderView {
  state: OrderState;
  timeline: TimelineEntry[];
}

export async function readOrder(redis: Redis, orderId: string): Promise<OrderView | undefined> {
  const found = await createOrderStore(redis).readWithLog(orderKey(orderId));
  if (!found) return undefined;
  return {
    state: found.state.state,
    timeline: [...(found.state.timeline ?? []), ...decodeEntries(found.log)],
  };
}

export interface ListOrdersOptions {
  status?: OrderStatus;
  limit: number;
}

const PAGE = 100;

/** Newest first. With a status filter, walks the index page by page until `limit` matches or the end. */
export async function listOrders(redis: Redis, { status, limit }: ListOrdersOptions): Promise<OrderState[]> {
  const out: OrderState[] = [];
  if (limit <= 0) return out;
  const store = createOrderStore(redis);
  for (let start = 0; out.length < limit; start += PAGE) {
    const ids = await redis.zrevrange(ORDER_INDEX_KEY, start, start + PAGE - 1);
    if (ids.length === 0) break;
    // Parallel reads; auto-pipelining sends them as one round trip.
    const stored = await Promise.all(ids.map((id) => store.read(orderKey(id))));
    for (const s of stored) {
      if (!s || (status && s.state.status !== status)) continue;
      out.push(s.state);
      if (out.length >= limit) break;
    }
    if (ids.length < PAGE) break;
  }
  return out;
}
