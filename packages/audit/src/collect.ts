import type { Redis } from 'ioredis';
import { SERVICES } from '@saga/contracts';
import { RetryStore, retryKeys } from '@saga/messaging';
import { ORDER_INDEX_KEY, readOrder } from '@saga/order-service';
import { readPaymentLedger } from '@saga/payment-service';
import { getStock, reservationOf } from '@saga/inventory-service';
import { readShipment } from '@saga/shipping-service';
import type { OrderRecord, SkuRecord } from './types.js';

export interface CollectOptions {
  /** Only orders the order service created at or after this epoch ms (the `ord:index` score). */
  since?: number;
  /** Exactly these orders (e.g. every order a test requested): one never recorded counts as lost. */
  orderIds?: readonly string[];
  /** Initial units per SKU, when known: adds the conservation check for those SKUs. */
  initialStock?: Readonly<Record<string, number>>;
}

/** Reads in slices: auto-pipelining sends each slice as few round trips without flooding Redis. */
const SLICE = 200;

export interface RetryCounts {
  pending: Map<string, number>;
  parked: Map<string, number>;
}

const bump = (m: Map<string, number>, k: string): void => void m.set(k, (m.get(k) ?? 0) + 1);

/** Every waiting and parked retry of every service, counted per order. */
export async function collectRetries(redis: Redis): Promise<RetryCounts> {
  const pending = new Map<string, number>();
  const parked = new Map<string, number>();
  for (const service of SERVICES) {
    const parkedItems = await new RetryStore(redis, service).listParked();
    const parkedIds = new Set(parkedItems.map((i) => i.id));
    for (const item of parkedItems) bump(parked, item.orderId);
    // Item ids are `<orderId>|<eventId>` (retryItemId in @saga/messaging).
    for (const id of await redis.hkeys(retryKeys(service).items)) {
      if (parkedIds.has(id)) continue;
      bump(pending, id.slice(0, id.lastIndexOf('|')));
    }
  }
  return { pending, parked };
}

async function orderIdsOf(redis: Redis, opts: CollectOptions): Promise<string[]> {
  if (opts.orderIds) return [...opts.orderIds];
  return redis.zrangebyscore(ORDER_INDEX_KEY, opts.since ?? '-inf', '+inf');
}

async function collectOrder(redis: Redis, orderId: string, retries: RetryCounts): Promise<OrderRecord> {
  const [order, payment, shipment] = await Promise.all([
    readOrder(redis, orderId),
    readPaymentLedger(redis, orderId),
    readShipment(redis, orderId),
  ]);
  const sku = order && 'order' in order.state ? order.state.order.sku : undefined;
  const reservation = sku ? await reservationOf(redis, sku, orderId) : undefined;
  return {
    orderId,
    ...(order ? { order } : {}),
    ...(payment ? { payment } : {}),
    ...(shipment ? { shipment } : {}),
    ...(reservation ? { reservation } : {}),
    pendingRetries: retries.pending.get(orderId) ?? 0,
    parkedRetries: retries.parked.get(orderId) ?? 0,
  };
}

/** Everything the checks need, read from the services' records (read-only: the audit never writes). */
export async function collect(
  redis: Redis,
  opts: CollectOptions,
): Promise<{ orders: OrderRecord[]; skus: SkuRecord[] }> {
  const ids = await orderIdsOf(redis, opts);
  const retries = await collectRetries(redis);
  const orders: OrderRecord[] = [];
  for (let i = 0; i < ids.length; i += SLICE) {
    const slice = ids.slice(i, i + SLICE);
    orders.push(...(await Promise.all(slice.map((id) => collectOrder(redis, id, retries)))));
  }
  const skuNames = new Set<string>(Object.keys(opts.initialStock ?? {}));
  for (const o of orders) if (o.order && 'order' in o.order.state) skuNames.add(o.order.state.order.sku);
  const skus = await Promise.all(
    [...skuNames].sort().map(async (sku): Promise<SkuRecord> => {
      const level = await getStock(redis, sku);
      const initial = opts.initialStock?.[sku];
      return { sku, ...(level ? { level } : {}), ...(initial !== undefined ? { initial } : {}) };
    }),
  );
  return { orders, skus };
}
