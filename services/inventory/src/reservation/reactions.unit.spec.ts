import type { SagaEvent } from '@saga/contracts';
import { CONSUMED, reactTo, skuOf } from './reactions.js';

const metadata = {
  eventId: 'e',
  orderId: 'o',
  correlationId: 'c',
  causationId: null,
  occurredAt: 1,
  producer: 'p',
  attempt: 1,
};
const order = {
  customerId: 'c',
  sku: 'SKU-PEAR',
  quantity: 1,
  amount: 1,
  currency: 'EUR',
  shippingAddress: { recipient: 'r', line1: 'l', line2: null, city: 'c', postalCode: 'p', country: 'GB' },
};
const failure = { step: 'CAPTURE_PAYMENT', reason: 'CAPTURE_DECLINED', message: 'm' } as const;

describe('inventory reactions', () => {
  it('reserves on PaymentAuthorized', () => {
    const event: SagaEvent = { type: 'PaymentAuthorized', metadata, order, authorizationId: 'a' };
    const command = reactTo(event);
    expect(command).toEqual({ kind: 'ReserveItem', cause: event });
    expect(skuOf(command!)).toBe('SKU-PEAR');
  });

  it('releases on PaymentCaptureFailed and PaymentRefunded', () => {
    const failed: SagaEvent = {
      type: 'PaymentCaptureFailed',
      metadata,
      sku: 'SKU-X',
      quantity: 1,
      failure,
      authorizationVoided: false,
    };
    const refunded: SagaEvent = {
      type: 'PaymentRefunded',
      metadata,
      sku: 'SKU-Y',
      quantity: 1,
      refundId: 'r',
      amount: 1,
      currency: 'EUR',
      failure,
    };
    expect(reactTo(failed)).toEqual({ kind: 'ReleaseItem', cause: failed });
    expect(skuOf(reactTo(refunded)!)).toBe('SKU-Y');
  });

  it('does not act on other events, and consumes exactly the ones it reacts to', () => {
    const captured: SagaEvent = {
      type: 'PaymentCaptured',
      metadata,
      order,
      captureId: 'x',
      amount: 1,
      currency: 'EUR',
    };
    expect(reactTo(captured)).toBeUndefined();
    expect([...CONSUMED].sort()).toEqual(['PaymentAuthorized', 'PaymentCaptureFailed', 'PaymentRefunded']);
  });
});
