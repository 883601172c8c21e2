import type { Redis } from 'ioredis';
import { SERVICES } from '@saga/contracts';
import { RetryStore, type RetryItem } from '@saga/messaging';
import { readOrder } from '@saga/order-service';
import { readPaymentLedger } from '@saga/payment-service';
import { reservationOf } from '@saga/inventory-service';
import { readShipment } from '@saga/shipping-service';
import type { OrderReport } from './format-order.js';

/** Every retry of the order still scheduled in any service (parked ones included, flagged `parked`). */
export async function retriesOf(redis: Redis, orderId: string): Promise<RetryItem[]> {
  const lists = await Promise.all(SERVICES.map((s) => new RetryStore(redis, s).pendingFor(orderId)));
  return lists.flat().sort((a, b) => a.firstFailedAt - b.firstFailedAt);
}

/** Parked (stuck) steps of every service, stalest first. */
export async function parkedSteps(redis: Redis): Promise<RetryItem[]> {
  const lists = await Promise.all(SERVICES.map((s) => new RetryStore(redis, s).listParked()));
  const at = (i: RetryItem) => i.parkedAt ?? i.firstFailedAt;
  return lists.flat().sort((a, b) => at(a) - at(b));
}

/**
 * Everything the services recorded about one order, read from each service's own store: the saga status from the
 * order service, money from payment, stock from inventory, the shipment from shipping, retries from all four.
 * Undefined when the order service never saw the order.
 */
export async function orderReport(redis: Redis, orderId: string): Promise<OrderReport | undefined> {
  const view = await readOrder(redis, orderId);
  if (!view) return undefined;
  const { state, timeline } = view;
  const sku = state.status === 'rejected' ? undefined : state.order.sku;
  const [retries, parked, ledger, reservation, shipment] = await Promise.all([
    retriesOf(redis, orderId),
    parkedSteps(redis),
    readPaymentLedger(redis, orderId),
    sku === undefined ? Promise.resolve(undefined) : reservationOf(redis, sku, orderId),
    readShipment(redis, orderId),
  ]);
  // The parked sets are the source of truth for "stuck" (an item's own flag is only a copy).
  const stuck = parked.some((r) => r.orderId === orderId);
  return {
    orderId,
    status: stuck ? 'stuck' : state.status,
    state,
    retries,
    ledger,
    reservation,
    shipment,
    timeline,
  };
}
