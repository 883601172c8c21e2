import type { Redis } from 'ioredis';
import { SagaError } from '@saga/contracts';
import { RedisStateStore } from '@saga/messaging';
import type { ReservationState } from '../reservation/state.js';
import { reservationKey, stockKey } from './keys.js';

export interface StockLevel {
  /** Units that can still be reserved. */
  available: number;
  /** Units held by live reservations. */
  reserved: number;
}

/** The catalog seeded at service start; see README.md for what each SKU demonstrates. */
export const DEFAULT_CATALOG: Readonly<Record<string, number>> = {
  'SKU-APPLE': 1000,
  'SKU-PEAR': 1000,
  'SKU-BANANA': 1000,
  'SKU-SOLDOUT': 0,
};

function assertStockInput(sku: string, available: number): void {
  if (sku.trim() === '') throw new SagaError('INVALID_SKU', 'sku must not be empty', false);
  if (!Number.isSafeInteger(available) || available < 0) {
    throw new SagaError('INVALID_STOCK', `available must be a non-negative integer, got ${available}`, false);
  }
}

/** Sets the count of units available for new reservations; live reservations are left as they are. */
export async function setStock(redis: Redis, sku: string, available: number): Promise<void> {
  assertStockInput(sku, available);
  // HSETNX keeps `reserved` when the SKU exists and creates it at 0 when it is new.
  await redis.multi().hset(stockKey(sku), 'available', available).hsetnx(stockKey(sku), 'reserved', 0).exec();
}

/** undefined when the SKU is not in the catalog. */
export async function getStock(redis: Redis, sku: string): Promise<StockLevel | undefined> {
  const [available, reserved] = await redis.hmget(stockKey(sku), 'available', 'reserved');
  if (available === null) return undefined;
  return { available: Number(available), reserved: Number(reserved ?? 0) };
}

/** The reservation an order holds (or held) on a SKU, undefined when inventory never decided on it. */
export async function reservationOf(
  redis: Redis,
  sku: string,
  orderId: string,
): Promise<ReservationState | undefined> {
  return new RedisStateStore<ReservationState>(redis).read(reservationKey(sku, orderId));
}

/** Idempotent: only SKUs that have no stock entry yet are created, so a restart never resets live stock. */
export async function seedCatalog(
  redis: Redis,
  catalog: Readonly<Record<string, number>>,
): Promise<string[]> {
  const created: string[] = [];
  for (const [sku, available] of Object.entries(catalog)) {
    assertStockInput(sku, available);
    const isNew = await redis.hsetnx(stockKey(sku), 'available', available);
    await redis.hsetnx(stockKey(sku), 'reserved', 0);
    if (isNew === 1) created.push(sku);
  }
  return created;
}
