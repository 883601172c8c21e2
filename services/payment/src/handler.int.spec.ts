import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import type { SagaEvent } from '@saga/contracts';
import {
  loadConnectionConfig,
  type EventHandler,
  type HandlerContext,
  type ExhaustedOutcome,
} from '@saga/messaging';
import { uniquePrefix } from '@saga/testkit';
import {
  fixedClock,
  itemReservationFailed,
  itemReserved,
  orderCreated,
  sequentialIds,
  shipmentFailed,
} from '../test/fixtures.js';
import { createPaymentStore, readPaymentLedger } from './adapters/payment-store.js';
import { gatewayKey, recoverGateway, SimulatedGateway } from './adapters/simulated-gateway.js';
import { createPaymentHandler } from './handler.js';

let redis: Redis;
let handler: EventHandler;
let gateway: SimulatedGateway;
const ctx = (attempt = 1): HandlerContext => ({ attempt, log: pino({ level: 'silent' }) });
const down = { code: 'GATEWAY_UNAVAILABLE', message: 'payment gateway unavailable', retriable: true };

beforeAll(async () => {
  redis = new Redis(loadConnectionConfig().redis.url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  await redis.connect();
  gateway = new SimulatedGateway(redis, sequentialIds(uniquePrefix('gw')));
  handler = createPaymentHandler({
    store: createPaymentStore(redis),
    gateway,
    clock: fixedClock(),
    ids: sequentialIds(uniquePrefix('evt')),
  });
});
afterAll(async () => {
  await redis.quit();
});

const newOrder = () => uniquePrefix('pay-order');

function only(outcome: ExhaustedOutcome): SagaEvent {
  if (outcome.kind !== 'emit') throw new Error(`expected events, got ${JSON.stringify(outcome)}`);
  expect(outcome.events).toHaveLength(1);
  return outcome.events[0]!;
}

/** Retries as the runtime would (attempt 1, 2, …) until the step stops throwing; returns the outcome and attempts. */
async function retryUntilDone(event: SagaEvent, maxAttempts: number) {
  for (let attempt = 1; attempt <= maxAttempts; attempt++) {
    try {
      return { outcome: await handler.handle(event, ctx(attempt)), attempt };
    } catch (err) {
      expect(err).toEqual(expect.objectContaining({ code: 'GATEWAY_UNAVAILABLE', retriable: true }));
    }
  }
  throw new Error(`still failing after ${maxAttempts} attempts`);
}

describe('payment handler against real Redis', () => {
  it('authorizes and captures; the ledger follows; a redelivered input replays the same events', async () => {
    const o = newOrder();
    const authorized = only(await handler.handle(orderCreated(o), ctx()));
    expect(authorized).toEqual(expect.objectContaining({ type: 'PaymentAuthorized' }));
    expect(only(await handler.handle(orderCreated(o), ctx()))).toEqual(authorized);
    // A re-published OrderCreated (new eventId) does not authorize twice.
    expect(await handler.handle(orderCreated(o, 'tok_approve', 'other-id'), ctx())).toEqual({
      kind: 'ignored',
      reason: 'payment already authorized',
    });
    const captured = only(await handler.handle(itemReserved(o), ctx()));
    expect(captured).toEqual(
      expect.objectContaining({ type: 'PaymentCaptured', amount: 4_200, currency: 'EUR' }),
    );
    expect(await readPaymentLedger(redis, o)).toEqual({
      orderId: o,
      status: 'captured',
      ledger: expect.objectContaining({ authorized: 4_200, captured: 4_200, voided: 0, refunded: 0 }),
    });
  });

  it.each([
    ['tok_insufficient_funds', 'INSUFFICIENT_FUNDS'],
    ['tok_invalid_card', 'INVALID_CARD'],
  ])('%s is declined as a business outcome', async (token, reason) => {
    const o = newOrder();
    expect(only(await handler.handle(orderCreated(o, token), ctx()))).toEqual(
      expect.objectContaining({
        type: 'PaymentAuthorizationFailed',
        failure: expect.objectContaining({ reason }),
      }),
    );
    expect((await readPaymentLedger(redis, o))?.status).toBe('authorizationFailed');
  });

  it('tok_unavailable_2 throws GATEWAY_UNAVAILABLE twice, then approves on attempt 3', async () => {
    const { outcome, attempt } = await retryUntilDone(orderCreated(newOrder(), 'tok_unavailable_2'), 6);
    expect(attempt).toBe(3);
    expect(only(outcome).type).toBe('PaymentAuthorized');
  });

  it('tok_always_unavailable fails with GATEWAY_UNAVAILABLE once retries run out, and records it', async () => {
    const o = newOrder();
    const event = orderCreated(o, 'tok_always_unavailable');
    await expect(handler.handle(event, ctx())).rejects.toMatchObject({ code: 'GATEWAY_UNAVAILABLE' });
    const failed = await handler.onRetriesExhausted(event, down, ctx(6));
    expect(failed).toEqual({
      kind: 'emit',
      events: [
        expect.objectContaining({
          type: 'PaymentAuthorizationFailed',
          failure: expect.objectContaining({ reason: 'GATEWAY_UNAVAILABLE' }),
        }),
      ],
    });
    // The failure is recorded: a late redelivery of the same event replays it instead of authorizing.
    expect(await handler.handle(event, ctx())).toEqual(failed);
  });

  it('tok_lost_answer: the gateway approved but never answered; exhaustion voids it by the idempotency key', async () => {
    const o = newOrder();
    const event = orderCreated(o, 'tok_lost_answer');
    await expect(handler.handle(event, ctx())).rejects.toMatchObject({ code: 'GATEWAY_UNAVAILABLE' });
    // The gateway holds an approval the payment service never saw.
    expect(await redis.hget(gatewayKey(o), 'result:authorize')).toContain('approved');

    const failed = only(await handler.onRetriesExhausted(event, down, ctx(6)));
    expect(failed).toEqual(
      expect.objectContaining({
        type: 'PaymentAuthorizationFailed',
        failure: expect.objectContaining({
          reason: 'GATEWAY_UNAVAILABLE',
          message: expect.stringContaining('was voided'),
        }),
      }),
    );
    expect(JSON.parse((await redis.hget(gatewayKey(o), 'result:void'))!)).toEqual({ kind: 'voided' });
    // Nothing reached the ledger: the approval was never recorded, and the failure moves no money.
    expect((await readPaymentLedger(redis, o))?.ledger).toEqual(
      expect.objectContaining({ authorized: 0, voided: 0, captured: 0 }),
    );
  });

  it('retries exhausted without any approval: the cancel finds nothing held', async () => {
    const o = newOrder();
    const event = orderCreated(o, 'tok_always_unavailable');
    const failed = only(await handler.onRetriesExhausted(event, down, ctx(6)));
    expect(failed).toEqual(
      expect.objectContaining({
        failure: expect.objectContaining({ message: expect.stringContaining('held no authorization') }),
      }),
    );
  });

  it('tok_capture_fails: capture declined, the authorization is voided, the late capture retry is ignored', async () => {
    const o = newOrder();
    await handler.handle(orderCreated(o, 'tok_capture_fails'), ctx());
    expect(only(await handler.handle(itemReserved(o), ctx()))).toEqual(
      expect.objectContaining({
        type: 'PaymentCaptureFailed',
        authorizationVoided: true,
        failure: expect.objectContaining({ step: 'CAPTURE_PAYMENT', reason: 'CAPTURE_DECLINED' }),
      }),
    );
    expect((await readPaymentLedger(redis, o))?.ledger).toEqual(
      expect.objectContaining({ voided: 4_200, captured: 0 }),
    );
    expect(await handler.handle(itemReserved(o, 'again'), ctx())).toEqual({
      kind: 'ignored',
      reason: 'cannot capture: payment captureFailed',
    });
  });

  it('capture retries exhausted: best-effort void, then PaymentCaptureFailed GATEWAY_UNAVAILABLE', async () => {
    const o = newOrder();
    await handler.handle(orderCreated(o), ctx());
    const failed = only(await handler.onRetriesExhausted(itemReserved(o), down, ctx(6)));
    expect(failed).toEqual(
      expect.objectContaining({
        type: 'PaymentCaptureFailed',
        authorizationVoided: true,
        failure: expect.objectContaining({ reason: 'GATEWAY_UNAVAILABLE' }),
      }),
    );
  });

  it('ItemReservationFailed voids the authorization; a late ItemReserved is ignored', async () => {
    const o = newOrder();
    await handler.handle(orderCreated(o), ctx());
    expect(only(await handler.handle(itemReservationFailed(o), ctx()))).toEqual(
      expect.objectContaining({
        type: 'PaymentAuthorizationReleased',
        amount: 4_200,
        failure: expect.anything(),
      }),
    );
    expect(await handler.handle(itemReserved(o), ctx())).toEqual({
      kind: 'ignored',
      reason: 'cannot capture: payment released',
    });
    expect((await readPaymentLedger(redis, o))?.ledger.voided).toBe(4_200);
  });

  it('late or out-of-order compensations are ignored and never move the ledger', async () => {
    const o = newOrder();
    expect(await handler.handle(itemReservationFailed(o), ctx())).toEqual({
      kind: 'ignored',
      reason: 'no authorization to release',
    });
    expect(await handler.handle(shipmentFailed(o), ctx())).toEqual({
      kind: 'ignored',
      reason: 'nothing captured to refund: no payment',
    });
    expect(await readPaymentLedger(redis, o)).toBeUndefined();
  });

  it('tok_refund_fails_2: refund retried, then refunded once; a second ShipmentFailed is ignored', async () => {
    const o = newOrder();
    await handler.handle(orderCreated(o, 'tok_refund_fails_2'), ctx());
    await handler.handle(itemReserved(o), ctx());
    const { outcome, attempt } = await retryUntilDone(shipmentFailed(o), 6);
    expect(attempt).toBe(3);
    expect(only(outcome)).toEqual(
      expect.objectContaining({ type: 'PaymentRefunded', amount: 4_200, sku: 'SKU-BOOK', quantity: 2 }),
    );
    expect(await handler.handle(shipmentFailed(o, 'sf-again'), ctx())).toEqual({
      kind: 'ignored',
      reason: 'already refunded',
    });
    expect((await readPaymentLedger(redis, o))?.ledger).toEqual(
      expect.objectContaining({ captured: 4_200, refunded: 4_200, refundId: expect.any(String) }),
    );
  });

  it('tok_refund_outage: parked when retries run out, refunded after recoverGateway', async () => {
    const o = newOrder();
    await handler.handle(orderCreated(o, 'tok_refund_outage'), ctx());
    await handler.handle(itemReserved(o), ctx());
    const event = shipmentFailed(o);
    await expect(handler.handle(event, ctx())).rejects.toMatchObject({ code: 'GATEWAY_UNAVAILABLE' });
    expect(await handler.onRetriesExhausted(event, down, ctx(7))).toEqual({ kind: 'park' });
    await recoverGateway(redis, o);
    expect(only(await handler.handle(event, ctx(8))).type).toBe('PaymentRefunded');
  });

  it('a crash after the gateway call and before the commit does not authorize twice', async () => {
    const o = newOrder();
    // The gateway answered but our commit never happened.
    const first = await gateway.authorize({
      orderId: o,
      token: 'tok_approve',
      amount: 4_200,
      currency: 'EUR',
    });
    const event = only(await handler.handle(orderCreated(o), ctx(2)));
    expect(first.kind).toBe('approved');
    expect(event).toEqual(
      expect.objectContaining({ authorizationId: first.kind === 'approved' ? first.authorizationId : '' }),
    );
  });

  it('concurrent deliveries of one event emit the same events once', async () => {
    const o = newOrder();
    const event = orderCreated(o);
    const outcomes = await Promise.all([1, 2, 3].map(() => handler.handle(event, ctx())));
    expect(outcomes[1]).toEqual(outcomes[0]);
    expect(outcomes[2]).toEqual(outcomes[0]);
    expect(await redis.hget(gatewayKey(o), 'attempts:authorize')).not.toBeNull();
  });

  it('the gateway answers concurrent calls of one operation with the answer recorded first', async () => {
    const o = newOrder();
    const request = { orderId: o, token: 'tok_approve', amount: 1000, currency: 'EUR' };
    // Each call simulates its own answer (a new authorization id); only one may be recorded and returned.
    const answers = await Promise.all([1, 2, 3].map(() => gateway.authorize(request)));
    expect(answers[0]).toMatchObject({ kind: 'approved' });
    expect(answers[1]).toEqual(answers[0]);
    expect(answers[2]).toEqual(answers[0]);
    expect(JSON.parse((await redis.hget(gatewayKey(o), 'result:authorize')) ?? 'null')).toEqual(answers[0]);
    expect(await gateway.authorize(request)).toEqual(answers[0]);
  });
});
