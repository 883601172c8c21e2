import type {
  Clock,
  EventMetadata,
  IdGenerator,
  ItemReservationFailed,
  ItemReserved,
  OrderCreated,
  OrderDetails,
  ShipmentFailed,
} from '@saga/contracts';

/** Predictable ids: prefix-1, prefix-2… */
export function sequentialIds(prefix = 'id'): IdGenerator {
  let n = 0;
  return { next: () => `${prefix}-${++n}` };
}

export const fixedClock = (now = 1_700_000_000_000): Clock => ({ now: () => now });

export function order(overrides: Partial<OrderDetails> = {}): OrderDetails {
  return {
    customerId: 'cust-1',
    sku: 'SKU-BOOK',
    quantity: 2,
    amount: 4_200,
    currency: 'EUR',
    shippingAddress: {
      recipient: 'Ada Lovelace',
      line1: '1 Analytical Way',
      line2: null,
      city: 'London',
      postalCode: 'N1 1AA',
      country: 'GB',
    },
    ...overrides,
  };
}

export function meta(orderId: string, eventId: string, producer = 'test'): EventMetadata {
  return {
    eventId,
    orderId,
    correlationId: `corr-${orderId}`,
    causationId: null,
    occurredAt: 1,
    producer,
    attempt: 1,
  };
}

export function orderCreated(
  orderId: string,
  paymentToken = 'tok_approve',
  eventId = `oc-${orderId}`,
): OrderCreated {
  return { type: 'OrderCreated', metadata: meta(orderId, eventId, 'order'), order: order(), paymentToken };
}

export function itemReserved(orderId: string, eventId = `ir-${orderId}`): ItemReserved {
  return {
    type: 'ItemReserved',
    metadata: meta(orderId, eventId, 'inventory'),
    order: order(),
    reservationId: 'res-1',
  };
}

export function itemReservationFailed(orderId: string, eventId = `irf-${orderId}`): ItemReservationFailed {
  return {
    type: 'ItemReservationFailed',
    metadata: meta(orderId, eventId, 'inventory'),
    sku: 'SKU-BOOK',
    quantity: 2,
    failure: { step: 'RESERVE_ITEM', reason: 'OUT_OF_STOCK', message: 'no stock' },
  };
}

export function shipmentFailed(orderId: string, eventId = `sf-${orderId}`): ShipmentFailed {
  return {
    type: 'ShipmentFailed',
    metadata: meta(orderId, eventId, 'shipping'),
    failure: { step: 'SHIP_ORDER', reason: 'UNDELIVERABLE_DESTINATION', message: 'cannot deliver' },
  };
}
