import { describe, expect, it } from '@jest/globals';
import type { Failure } from '@saga/contracts';
import {
  fixedClock,
  itemReservationFailed,
  itemReserved,
  meta,
  order,
  orderCreated,
  sequentialIds,
  shipmentFailed,
} from '../../test/fixtures.js';
import type { PaymentCommand } from './commands.js';
import { decide, type Decision } from './decide.js';
import type { GatewayResults } from './gateway.js';
import { commandFor } from './reactions.js';
import { evolve, type PaymentEvent, type PaymentState } from './state.js';

const O = 'order-1';
const NOW = 1_700_000_000_000;
const outOfStock: Failure = { step: 'RESERVE_ITEM', reason: 'OUT_OF_STOCK', message: 'no stock' };
const undeliverable: Failure = {
  step: 'SHIP_ORDER',
  reason: 'UNDELIVERABLE_DESTINATION',
  message: 'cannot deliver',
};

// --- past events, to build the state the decider sees ---
const authorized: PaymentEvent = {
  type: 'PaymentAuthorized',
  metadata: meta(O, 'p1', 'payment'),
  order: order(),
  authorizationId: 'auth-1',
};
const authFailed: PaymentEvent = {
  type: 'PaymentAuthorizationFailed',
  metadata: meta(O, 'p1', 'payment'),
  failure: { step: 'AUTHORIZE_PAYMENT', reason: 'INVALID_CARD', message: 'invalid card' },
};
const released: PaymentEvent = {
  type: 'PaymentAuthorizationReleased',
  metadata: meta(O, 'p2', 'payment'),
  authorizationId: 'auth-1',
  amount: 4_200,
  currency: 'EUR',
  failure: outOfStock,
};
const captured: PaymentEvent = {
  type: 'PaymentCaptured',
  metadata: meta(O, 'p2', 'payment'),
  order: order(),
  captureId: 'cap-1',
  amount: 4_200,
  currency: 'EUR',
};
const refunded: PaymentEvent = {
  type: 'PaymentRefunded',
  metadata: meta(O, 'p3', 'payment'),
  sku: 'SKU-BOOK',
  quantity: 2,
  refundId: 'ref-1',
  amount: 4_200,
  currency: 'EUR',
  failure: undeliverable,
};

// --- Given / When / Then ---
function given(...history: PaymentEvent[]) {
  const state = history.reduce<PaymentState | undefined>(evolve, undefined);
  return {
    when(command: PaymentCommand, results: GatewayResults = {}) {
      const withResults = 'results' in command ? { ...command, results } : command;
      const decision: Decision = decide(withResults, state, {
        clock: fixedClock(NOW),
        ids: sequentialIds('evt'),
        attempt: 3,
      });
      return {
        thenCalls: (op: string, request: object) =>
          expect(decision).toEqual({ kind: 'call', call: { op, request } }),
        thenIgnored: (reason: string | RegExp) => {
          expect(decision.kind).toBe('ignored');
          if (decision.kind === 'ignored') expect(decision.reason).toMatch(reason);
        },
        thenEmits: (expected: Record<string, unknown>) => {
          expect(decision.kind).toBe('emit');
          if (decision.kind !== 'emit') return;
          expect(decision.events).toHaveLength(1);
          expect(decision.events[0]).toEqual(expect.objectContaining(expected));
          // Every emitted event is caused by the command's input and applies cleanly to the state.
          expect(decision.events[0]!.metadata).toEqual({
            eventId: 'evt-1',
            orderId: O,
            correlationId: `corr-${O}`,
            causationId: withResults.cause.metadata.eventId,
            occurredAt: NOW,
            producer: 'payment',
            attempt: 3,
          });
          expect(() => decision.events.reduce(evolve, state)).not.toThrow();
        },
      };
    },
  };
}

const cmd = {
  authorize: (token = 'tok_approve') => commandFor(orderCreated(O, token))!,
  release: () => commandFor(itemReservationFailed(O))!,
  capture: () => commandFor(itemReserved(O))!,
  refund: () => commandFor(shipmentFailed(O))!,
  failAuthorization: (): PaymentCommand => ({
    type: 'FailAuthorization',
    cause: orderCreated(O),
    reason: 'GATEWAY_UNAVAILABLE',
    message: 'down',
    results: {},
  }),
  failCapture: (): PaymentCommand => ({
    type: 'FailCapture',
    cause: itemReserved(O),
    reason: 'GATEWAY_UNAVAILABLE',
    message: 'down',
    results: {},
  }),
};

describe('authorize (OrderCreated)', () => {
  it('asks the gateway to authorize the order amount with the token', () => {
    given()
      .when(cmd.authorize('tok_x'))
      .thenCalls('authorize', { orderId: O, token: 'tok_x', amount: 4_200, currency: 'EUR' });
  });
  it('emits PaymentAuthorized carrying the order and authorizationId when approved', () => {
    given()
      .when(cmd.authorize(), { authorize: { kind: 'approved', authorizationId: 'auth-9' } })
      .thenEmits({ type: 'PaymentAuthorized', order: order(), authorizationId: 'auth-9' });
  });
  it.each(['INSUFFICIENT_FUNDS', 'INVALID_CARD'] as const)(
    'emits PaymentAuthorizationFailed on decline %s',
    (reason) => {
      given()
        .when(cmd.authorize(), { authorize: { kind: 'declined', reason, message: 'no' } })
        .thenEmits({
          type: 'PaymentAuthorizationFailed',
          failure: { step: 'AUTHORIZE_PAYMENT', reason, message: 'no' },
        });
    },
  );
  it('ignores a second OrderCreated for an order already handled', () => {
    given(authorized).when(cmd.authorize()).thenIgnored('payment already authorized');
    given(authFailed).when(cmd.authorize()).thenIgnored('payment already authorizationFailed');
  });
  it('when authorization retries ran out, first cancels by the idempotency key (an approval may have been lost)', () => {
    given().when(cmd.failAuthorization()).thenCalls('void', { orderId: O });
    given(authorized).when(cmd.failAuthorization()).thenIgnored('payment already authorized');
  });
  it.each([
    [{ kind: 'voided' } as const, 'an authorization the gateway held for this order was voided'],
    [{ kind: 'notHeld', message: 'none' } as const, 'the gateway held no authorization for this order'],
    [
      { kind: 'unavailable', message: 'timeout' } as const,
      'the gateway could not be asked to void a possible authorization (timeout): it may still hold funds',
    ],
  ])(
    'then records GATEWAY_UNAVAILABLE whatever the cancel answered (%o), saying what it did',
    (result, note) => {
      given()
        .when(cmd.failAuthorization(), { void: result })
        .thenEmits({
          type: 'PaymentAuthorizationFailed',
          failure: { step: 'AUTHORIZE_PAYMENT', reason: 'GATEWAY_UNAVAILABLE', message: `down; ${note}` },
        });
    },
  );
});

describe('release (ItemReservationFailed)', () => {
  it('voids the authorization, then emits PaymentAuthorizationReleased carrying the inbound failure', () => {
    given(authorized).when(cmd.release()).thenCalls('void', { orderId: O, authorizationId: 'auth-1' });
    given(authorized)
      .when(cmd.release(), { void: { kind: 'voided' } })
      .thenEmits({
        type: 'PaymentAuthorizationReleased',
        authorizationId: 'auth-1',
        amount: 4_200,
        currency: 'EUR',
        failure: outOfStock,
      });
  });
  it('still completes when the gateway holds nothing', () => {
    given(authorized)
      .when(cmd.release(), { void: { kind: 'notHeld', message: 'none' } })
      .thenEmits({ type: 'PaymentAuthorizationReleased' });
  });
  it('throws a retriable GATEWAY_UNAVAILABLE rather than skip the compensation', () => {
    const state = evolve(undefined, authorized);
    const run = () =>
      decide(
        {
          ...(cmd.release() as Extract<PaymentCommand, { type: 'ReleaseAuthorization' }>),
          results: { void: { kind: 'unavailable', message: 'x' } },
        },
        state,
        {
          clock: fixedClock(),
          ids: sequentialIds(),
          attempt: 1,
        },
      );
    expect(run).toThrow(expect.objectContaining({ code: 'GATEWAY_UNAVAILABLE', retriable: true }));
  });
  it('ignores late or out-of-order releases', () => {
    given().when(cmd.release()).thenIgnored('no authorization to release');
    given(authFailed).when(cmd.release()).thenIgnored('nothing to release: payment authorizationFailed');
    given(authorized, released).when(cmd.release()).thenIgnored('nothing to release: payment released');
    given(authorized, captured).when(cmd.release()).thenIgnored('nothing to release: payment captured');
  });
});

describe('capture (ItemReserved)', () => {
  it('captures the authorized amount and emits PaymentCaptured carrying the order', () => {
    given(authorized)
      .when(cmd.capture())
      .thenCalls('capture', { orderId: O, authorizationId: 'auth-1', amount: 4_200, currency: 'EUR' });
    given(authorized)
      .when(cmd.capture(), { capture: { kind: 'captured', captureId: 'cap-9' } })
      .thenEmits({
        type: 'PaymentCaptured',
        order: order(),
        captureId: 'cap-9',
        amount: 4_200,
        currency: 'EUR',
      });
  });
  it('voids the authorization after a declined capture, then reports CAPTURE_DECLINED', () => {
    const declined = { kind: 'declined', message: 'issuer said no' } as const;
    given(authorized)
      .when(cmd.capture(), { capture: declined })
      .thenCalls('void', { orderId: O, authorizationId: 'auth-1' });
    given(authorized)
      .when(cmd.capture(), { capture: declined, void: { kind: 'voided' } })
      .thenEmits({
        type: 'PaymentCaptureFailed',
        sku: 'SKU-BOOK',
        quantity: 2,
        failure: { step: 'CAPTURE_PAYMENT', reason: 'CAPTURE_DECLINED', message: 'issuer said no' },
        authorizationVoided: true,
      });
    given(authorized)
      .when(cmd.capture(), { capture: declined, void: { kind: 'notHeld', message: 'gone' } })
      .thenEmits({ type: 'PaymentCaptureFailed', authorizationVoided: false });
  });
  it('when capture retries ran out: best-effort void, then GATEWAY_UNAVAILABLE', () => {
    given(authorized).when(cmd.failCapture()).thenCalls('void', { orderId: O, authorizationId: 'auth-1' });
    given(authorized)
      .when(cmd.failCapture(), { void: { kind: 'unavailable', message: 'down' } })
      .thenEmits({
        type: 'PaymentCaptureFailed',
        failure: { step: 'CAPTURE_PAYMENT', reason: 'GATEWAY_UNAVAILABLE', message: 'down' },
        authorizationVoided: false,
      });
  });
  it('ignores a capture that is late, duplicated or has nothing to capture', () => {
    given().when(cmd.capture()).thenIgnored('no authorization to capture');
    given(authorized, released).when(cmd.capture()).thenIgnored('cannot capture: payment released');
    given(authorized, captured).when(cmd.capture()).thenIgnored('already captured');
    given(authFailed).when(cmd.failCapture()).thenIgnored('cannot capture: payment authorizationFailed');
  });
});

describe('refund (ShipmentFailed)', () => {
  it('refunds the captured amount and carries sku/quantity and the inbound failure', () => {
    given(authorized, captured)
      .when(cmd.refund())
      .thenCalls('refund', { orderId: O, captureId: 'cap-1', amount: 4_200, currency: 'EUR' });
    given(authorized, captured)
      .when(cmd.refund(), { refund: { kind: 'refunded', refundId: 'ref-9' } })
      .thenEmits({
        type: 'PaymentRefunded',
        sku: 'SKU-BOOK',
        quantity: 2,
        refundId: 'ref-9',
        amount: 4_200,
        currency: 'EUR',
        failure: undeliverable,
      });
  });
  it('never refunds twice or refunds what was not captured', () => {
    given(authorized, captured, refunded).when(cmd.refund()).thenIgnored('already refunded');
    given().when(cmd.refund()).thenIgnored('nothing captured to refund: no payment');
    given(authorized).when(cmd.refund()).thenIgnored('nothing captured to refund: payment authorized');
    given(authorized, released)
      .when(cmd.refund())
      .thenIgnored('nothing captured to refund: payment released');
  });
});
