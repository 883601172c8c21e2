// Test-only builders (the `.spec.ts` suffix keeps this file out of the build; jest runs only *.unit.spec.ts).
import {
  FailureReasons,
  SagaSteps,
  type EventMetadata,
  type Failure,
  type OrderRequested,
  type SagaEvent,
} from '@saga/contracts';
import type { DecideDeps } from './decide.js';

export const ORDER_ID = 'order-1';
export const NOW = 1_700_000_000_000;

/** Predictable ids and a fixed clock: decisions are compared field by field. */
export function fixedDeps(attempt = 1, idPrefix = 'id-'): DecideDeps {
  let n = 0;
  return { clock: { now: () => NOW }, ids: { next: () => `${idPrefix}${++n}` }, attempt };
}

let seq = 0;
export function meta(producer: string, overrides: Partial<EventMetadata> = {}): EventMetadata {
  seq += 1;
  return {
    eventId: `evt-${seq}`,
    orderId: ORDER_ID,
    correlationId: 'corr-1',
    causationId: null,
    occurredAt: NOW - 1000 + seq,
    producer,
    attempt: 1,
    ...overrides,
  };
}

export function orderRequested(overrides: Partial<OrderRequested> = {}): OrderRequested {
  return {
    type: 'OrderRequested',
    metadata: meta('client'),
    customerId: 'cust-1',
    sku: 'SKU-1',
    quantity: 2,
    amount: 2500,
    currency: 'EUR',
    paymentToken: 'tok_visa_secret',
    shippingAddress: {
      recipient: 'Ada',
      line1: '1 Main St',
      line2: null,
      city: 'Berlin',
      postalCode: '10115',
      country: 'DE',
    },
    ...overrides,
  };
}

export const failure = (step: Failure['step'], reason: Failure['reason']): Failure => ({
  step,
  reason,
  message: `${step} failed: ${reason}`,
});

const ORDER = {
  customerId: 'cust-1',
  sku: 'SKU-1',
  quantity: 2,
  amount: 2500,
  currency: 'EUR',
  shippingAddress: {
    recipient: 'Ada',
    line1: '1 Main St',
    line2: null,
    city: 'Berlin',
    postalCode: '10115',
    country: 'DE',
  },
};

/** One builder per event the order service observes from the other services. */
export const ev = {
  paymentAuthorized: (): SagaEvent => ({
    type: 'PaymentAuthorized',
    metadata: meta('payment'),
    order: ORDER,
    authorizationId: 'auth-1',
  }),
  paymentAuthorizationFailed: (): SagaEvent => ({
    type: 'PaymentAuthorizationFailed',
    metadata: meta('payment'),
    failure: failure(SagaSteps.AUTHORIZE_PAYMENT, FailureReasons.INSUFFICIENT_FUNDS),
  }),
  itemReserved: (): SagaEvent => ({
    type: 'ItemReserved',
    metadata: meta('inventory'),
    order: ORDER,
    reservationId: 'res-1',
  }),
  itemReservationFailed: (): SagaEvent => ({
    type: 'ItemReservationFailed',
    metadata: meta('inventory'),
    sku: 'SKU-1',
    quantity: 2,
    failure: failure(SagaSteps.RESERVE_ITEM, FailureReasons.OUT_OF_STOCK),
  }),
  authorizationReleased: (
    f: Failure = failure(SagaSteps.RESERVE_ITEM, FailureReasons.OUT_OF_STOCK),
  ): SagaEvent => ({
    type: 'PaymentAuthorizationReleased',
    metadata: meta('payment'),
    authorizationId: 'auth-1',
    amount: 2500,
    currency: 'EUR',
    failure: f,
  }),
  paymentCaptured: (): SagaEvent => ({
    type: 'PaymentCaptured',
    metadata: meta('payment'),
    order: ORDER,
    captureId: 'cap-1',
    amount: 2500,
    currency: 'EUR',
  }),
  captureFailed: (authorizationVoided: boolean): SagaEvent => ({
    type: 'PaymentCaptureFailed',
    metadata: meta('payment'),
    sku: 'SKU-1',
    quantity: 2,
    failure: failure(SagaSteps.CAPTURE_PAYMENT, FailureReasons.CAPTURE_DECLINED),
    authorizationVoided,
  }),
  shipmentCreated: (): SagaEvent => ({
    type: 'ShipmentCreated',
    metadata: meta('shipping'),
    shipmentId: 'shp-1',
    trackingNumber: 'TRK-1',
    carrier: 'SimPost',
  }),
  shipmentFailed: (): SagaEvent => ({
    type: 'ShipmentFailed',
    metadata: meta('shipping'),
    failure: failure(SagaSteps.SHIP_ORDER, FailureReasons.UNDELIVERABLE_DESTINATION),
  }),
  paymentRefunded: (f: Failure): SagaEvent => ({
    type: 'PaymentRefunded',
    metadata: meta('payment'),
    sku: 'SKU-1',
    quantity: 2,
    refundId: 'ref-1',
    amount: 2500,
    currency: 'EUR',
    failure: f,
  }),
  itemReleased: (f: Failure): SagaEvent => ({
    type: 'ItemReleased',
    metadata: meta('inventory'),
    sku: 'SKU-1',
    quantity: 2,
    failure: f,
  }),
};
