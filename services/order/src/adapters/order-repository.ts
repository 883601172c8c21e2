import type { Redis } from 'ioredis';
import { RedisStateStore } from '@saga/messaging';
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

export function createOrderStore(redis: Redis): RedisStateStore<StoredOrder> {
  return new RedisStateStore<StoredOrder>(redis);
}

/** Idempotent: the same orderId with the same createdAt, whether called once or after a redelivery. */
export async function indexOrder(redis: Redis, orderId: string, createdAt: number): Promise<void> {
  await redis.zadd(ORDER_INDEX_KEY, createdAt, orderId);
}

export interface OrderView {
  state: OrderState;
  timeline: TimelineEntry[];
}

export async function readOrder(redis: Redis, orderId: string): Promise<OrderView | undefined> {
  const stored = await createOrderStore(redis).read(orderKey(orderId));
  return stored ? { state: stored.state, timeline: stored.timeline } : undefined;
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
