import { randomBytes } from 'node:crypto';
import type { EventMetadata, Failure, OrderDetails, SagaEvent, ShippingAddress } from '../src/index.js';

export function uniqueSubjectPrefix(name: string): string {
  return `test-${name}-${randomBytes(4).toString('hex')}.`;
}

const metadata: EventMetadata = {
  eventId: 'e-1',
  orderId: 'o-1',
  correlationId: 'c-1',
  causationId: null,
  occurredAt: 1_764_000_000_000,
  producer: 'test',
  attempt: 1,
};
const address: ShippingAddress = {
  recipient: 'Ada Lovelace',
  line1: '12 St James Sq',
  line2: null,
  city: 'London',
  postalCode: 'SW1Y 4JH',
  country: 'GB',
};
const order: OrderDetails = {
  customerId: 'cust-1',
  sku: 'SKU-1',
  quantity: 2,
  amount: 4_999,
  currency: 'EUR',
  shippingAddress: address,
};
const failure: Failure = { step: 'RESERVE_ITEM', reason: 'OUT_OF_STOCK', message: 'none left' };
const m = { ...metadata, causationId: 'e-0' };

/** One valid instance of every event type. */
export function sampleEvents(): SagaEvent[] {
  return [
    {
      type: 'OrderRequested',
      metadata,
      ...order,
      paymentToken: 'tok_1',
      shippingAddress: { ...address, line2: 'Flat 2' },
    },
    { type: 'OrderCreated', metadata: m, order, paymentToken: 'tok_1' },
    {
      type: 'OrderRejected',
      metadata: m,
      errors: [{ field: 'quantity', code: 'OUT_OF_RANGE', message: 'must be > 0' }],
    },
    { type: 'PaymentAuthorized', metadata: m, order, authorizationId: 'auth-1' },
    {
      type: 'PaymentAuthorizationFailed',
      metadata: m,
      failure: { ...failure, step: 'AUTHORIZE_PAYMENT', reason: 'INVALID_CARD' },
    },
    {
      type: 'PaymentAuthorizationReleased',
      metadata: m,
      authorizationId: 'auth-1',
      amount: 4_999,
      currency: 'EUR',
      failure,
    },
    { type: 'ItemReserved', metadata: m, order, reservationId: 'res-1' },
    { type: 'ItemReservationFailed', metadata: m, sku: 'SKU-1', quantity: 2, failure },
    { type: 'ItemReleased', metadata: m, sku: 'SKU-1', quantity: 2, failure },
    { type: 'PaymentCaptured', metadata: m, order, captureId: 'cap-1', amount: 4_999, currency: 'EUR' },
    {
      type: 'PaymentCaptureFailed',
      metadata: m,
      sku: 'SKU-1',
      quantity: 2,
      failure,
      authorizationVoided: true,
    },
    {
      type: 'PaymentRefunded',
      metadata: m,
      sku: 'SKU-1',
      quantity: 2,
      refundId: 'ref-1',
      amount: 4_999,
      currency: 'EUR',
      failure,
    },
    { type: 'ShipmentCreated', metadata: m, shipmentId: 'sh-1', trackingNumber: 'TRK1', carrier: 'ACME' },
    {
      type: 'ShipmentFailed',
      metadata: m,
      failure: { ...failure, step: 'SHIP_ORDER', reason: 'CARRIER_UNAVAILABLE' },
    },
    { type: 'OrderShipped', metadata: m, trackingNumber: 'TRK1' },
    {
      type: 'OrderCancelled',
      metadata: m,
      failure,
      compensations: ['AUTHORIZATION_RELEASED', 'ITEM_RELEASED'],
    },
  ];
}
