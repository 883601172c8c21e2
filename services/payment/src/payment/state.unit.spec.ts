import { describe, expect, it } from '@jest/globals';
import { meta, order } from '../../test/fixtures.js';
import { evolve, InvalidTransitionError, type PaymentEvent, type PaymentState } from './state.js';

const O = 'o-1';
const failure = { step: 'SHIP_ORDER', reason: 'UNDELIVERABLE_DESTINATION', message: 'x' } as const;
const authorized: PaymentEvent = {
  type: 'PaymentAuthorized',
  metadata: meta(O, 'e1'),
  order: order(),
  authorizationId: 'auth-1',
};

const fold = (...events: PaymentEvent[]) => events.reduce<PaymentState | undefined>(evolve, undefined);

describe('evolve: the ledger', () => {
  it('records the authorized amount and id', () => {
    expect(fold(authorized)).toEqual({
      status: 'authorized',
      order: order(),
      authorizationId: 'auth-1',
      ledger: {
        currency: 'EUR',
        authorized: 4_200,
        captured: 0,
        voided: 0,
        refunded: 0,
        authorizationId: 'auth-1',
        captureId: null,
        refundId: null,
      },
    });
  });

  it('authorize → capture → refund keeps every amount', () => {
    const state = fold(
      authorized,
      {
        type: 'PaymentCaptured',
        metadata: meta(O, 'e2'),
        order: order(),
        captureId: 'c1',
        amount: 4_200,
        currency: 'EUR',
      },
      {
        type: 'PaymentRefunded',
        metadata: meta(O, 'e3'),
        sku: 'SKU-BOOK',
        quantity: 2,
        refundId: 'r1',
        amount: 4_200,
        currency: 'EUR',
        failure,
      },
    );
    expect(state?.status).toBe('refunded');
    expect(state?.ledger).toEqual(
      expect.objectContaining({
        authorized: 4_200,
        captured: 4_200,
        refunded: 4_200,
        captureId: 'c1',
        refundId: 'r1',
      }),
    );
  });

  it('a failed capture counts the authorization as voided only when it was', () => {
    const failed = (authorizationVoided: boolean): PaymentEvent => ({
      type: 'PaymentCaptureFailed',
      metadata: meta(O, 'e2'),
      sku: 'SKU-BOOK',
      quantity: 2,
      failure: { step: 'CAPTURE_PAYMENT', reason: 'CAPTURE_DECLINED', message: 'no' },
      authorizationVoided,
    });
    expect(fold(authorized, failed(true))?.ledger.voided).toBe(4_200);
    expect(fold(authorized, failed(false))?.ledger.voided).toBe(0);
  });

  it('rejects transitions the decider never produces', () => {
    expect(() => fold(authorized, authorized)).toThrow(InvalidTransitionError);
    expect(() =>
      fold({
        type: 'PaymentCaptured',
        metadata: meta(O, 'e'),
        order: order(),
        captureId: 'c',
        amount: 1,
        currency: 'EUR',
      }),
    ).toThrow(InvalidTransitionError);
  });
});
