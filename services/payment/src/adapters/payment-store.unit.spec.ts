import { describe, expect, it } from '@jest/globals';
import { emptyLedger, type PaymentState } from '../payment/state.js';
import { joinOrder, splitOrder } from './payment-store.js';

const order = {
  customerId: 'cust-1',
  sku: 'SKU-1',
  quantity: 2,
  amount: 4200,
  currency: 'EUR',
  shippingAddress: {
    recipient: 'A B',
    line1: '1 Street',
    line2: null,
    city: 'London',
    postalCode: 'SW1',
    country: 'GB',
  },
};

describe('the order details kept apart from the payment state every step rewrites', () => {
  it('split off an authorized payment and joined back unchanged', () => {
    const state: PaymentState = {
      status: 'captured',
      order,
      authorizationId: 'auth-1',
      ledger: { ...emptyLedger('EUR'), authorized: 4200, captured: 4200 },
    };
    const { rest, constant } = splitOrder(state);
    expect(rest).not.toHaveProperty('order');
    expect(constant).toEqual(order);
    expect(joinOrder(rest, constant)).toEqual(state);
  });

  it('leaves a failed authorization (it never had the order) whole', () => {
    const state: PaymentState = {
      status: 'authorizationFailed',
      failure: { step: 'AUTHORIZE_PAYMENT', reason: 'INVALID_CARD', message: 'invalid card' },
      ledger: emptyLedger('EUR'),
    };
    expect(splitOrder(state)).toEqual({ rest: state });
  });
});
