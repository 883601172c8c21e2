import type { EventType } from '@saga/contracts';
import type { OrderView, TimelineEntry } from '@saga/order-service';
import type { Ledger } from '@saga/payment-service';
import type { OrderRecord } from './types.js';

/**
 * Fabricated records for the unit tests of the pure checks: a consistent order per outcome, which each test then
 * breaks in exactly one way. Not exported from the package index.
 */
export const AMOUNT = 4_200;
export const SKU = 'SKU-AUDIT';
const T0 = 1_700_000_000_000;

let seq = 0;
export function entry(type: EventType, over: Partial<TimelineEntry> = {}): TimelineEntry {
  seq += 1;
  return {
    eventId: `ev-${seq}`,
    causationId: null,
    type,
    producer: 'test',
    occurredAt: T0 + seq,
    attempt: 1,
    receivedAt: T0 + seq,
    summary: type,
    ...over,
  };
}

const details = {
  customerId: 'c',
  sku: SKU,
  quantity: 1,
  amount: AMOUNT,
  currency: 'EUR',
  shippingAddress: {
    recipient: 'r',
    line1: 'l',
    line2: null,
    city: 'c',
    postalCode: 'p',
    country: 'GB',
  },
};

const ledger = (over: Partial<Ledger> = {}): Ledger => ({
  currency: 'EUR',
  authorized: AMOUNT,
  captured: 0,
  voided: 0,
  refunded: 0,
  authorizationId: 'auth',
  captureId: null,
  refundId: null,
  ...over,
});

const common = (orderId: string) => ({ orderId, createdAt: T0, updatedAt: T0 + 100 });

export const AT = T0 + 1_000;

export function shippedOrder(orderId = 'ord-shipped'): OrderRecord {
  const order: OrderView = {
    state: {
      ...common(orderId),
      status: 'shipped',
      order: details,
      progress: { compensations: [] },
      trackingNumber: 'TRK',
    },
    timeline: (
      [
        'OrderRequested',
        'OrderCreated',
        'PaymentAuthorized',
        'ItemReserved',
        'PaymentCaptured',
      ] as EventType[]
    )
      .concat(['ShipmentCreated', 'OrderShipped'])
      .map((t) => entry(t)),
  };
  return {
    orderId,
    order,
    payment: { orderId, status: 'captured', ledger: ledger({ captured: AMOUNT, captureId: 'cap' }) },
    reservation: { status: 'reserved', sku: SKU, quantity: 1, reservationId: 'res', at: T0 },
    shipment: { status: 'shipped', shipmentId: 'shp', trackingNumber: 'TRK', carrier: 'SIMPOST', at: T0 },
    pendingRetries: 0,
    parkedRetries: 0,
  };
}

/** Path 5 of the README: shipping failed, the payment was refunded and the item released. */
export function cancelledOrder(orderId = 'ord-cancelled'): OrderRecord {
  const failure = {
    step: 'SHIP_ORDER' as const,
    reason: 'UNDELIVERABLE_DESTINATION' as const,
    message: 'AQ',
  };
  const order: OrderView = {
    state: {
      ...common(orderId),
      status: 'cancelled',
      order: details,
      progress: { compensations: [] },
      failure,
      compensations: ['PAYMENT_REFUNDED', 'ITEM_RELEASED'],
    },
    timeline: (
      [
        'OrderRequested',
        'OrderCreated',
        'PaymentAuthorized',
        'ItemReserved',
        'PaymentCaptured',
        'ShipmentFailed',
        'PaymentRefunded',
        'ItemReleased',
        'OrderCancelled',
      ] as EventType[]
    ).map((t) => entry(t)),
  };
  return {
    orderId,
    order,
    payment: {
      orderId,
      status: 'refunded',
      ledger: ledger({ captured: AMOUNT, refunded: AMOUNT, captureId: 'cap', refundId: 'ref' }),
    },
    reservation: { status: 'released', sku: SKU, quantity: 1, reservationId: 'res', at: T0 },
    shipment: { status: 'failed', reason: 'UNDELIVERABLE_DESTINATION', at: T0 },
    pendingRetries: 0,
    parkedRetries: 0,
  };
}

/** Payment captured, shipping not decided yet. */
export function pendingOrder(orderId = 'ord-pending'): OrderRecord {
  const o = shippedOrder(orderId);
  const view = o.order!;
  return {
    ...o,
    order: {
      state: { ...common(orderId), status: 'pending', order: details, progress: { compensations: [] } },
      timeline: view.timeline.slice(0, 5),
    },
    shipment: undefined,
  };
}
