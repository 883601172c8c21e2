import type { OrderCreated } from '@saga/contracts';
import { brokenPaymentRules } from './rules.js';

const created = (order: Partial<OrderCreated['order']> = {}, paymentToken = 'tok_approve'): OrderCreated => ({
  type: 'OrderCreated',
  metadata: {
    eventId: 'e1',
    orderId: 'o1',
    correlationId: 'o1',
    causationId: null,
    occurredAt: 0,
    producer: 'order',
    attempt: 1,
  },
  order: {
    customerId: 'c1',
    sku: 'SKU-1',
    quantity: 1,
    amount: 100,
    currency: 'EUR',
    shippingAddress: { recipient: 'r', line1: 'l', line2: null, city: 'c', postalCode: 'p', country: 'GB' },
    ...order,
  },
  paymentToken,
});

describe('payment rules on OrderCreated', () => {
  it('accepts a well-formed order', () => {
    expect(brokenPaymentRules(created())).toEqual([]);
  });

  it('lists every broken rule', () => {
    expect(brokenPaymentRules(created({ amount: -5, currency: 'euro', quantity: 0 }, ' '))).toHaveLength(4);
  });

  it('rejects a fractional amount', () => {
    expect(brokenPaymentRules(created({ amount: 10.5 }))).toEqual([
      'amount must be a positive integer, got 10.5',
    ]);
  });
});
