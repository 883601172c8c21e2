import { Compensations, FailureReasons, SagaSteps, type SagaEvent } from '@saga/contracts';
import { orderStep, type OrderStepResult, type StoredOrder } from './step.js';
import type { TimelineEntry } from './timeline.js';
import { ev, failure, fixedDeps, NOW, ORDER_ID, orderRequested } from './fixtures.spec.js';

// Given: the history the order has seen (starting with its request). When: one more event. Then: what it emits
// and what it keeps. `Kept` is what the store holds after the step: the state, and the timeline with the step's
// entries appended (the handler writes them to the timeline's own key in the same commit).
type Kept = StoredOrder & { timeline: TimelineEntry[] };
type Result =
  { kind: 'ignored'; reason: string } | (Extract<OrderStepResult, { kind: 'changed' }> & { stored: Kept });

function keep(before: Kept | undefined, r: OrderStepResult): Result {
  if (r.kind === 'ignored') return r;
  return { ...r, stored: { ...r.stored, timeline: [...(before?.timeline ?? []), ...r.entries] } };
}

function given(...events: SagaEvent[]): Kept | undefined {
  let stored: Kept | undefined;
  for (const [i, e] of events.entries()) {
    const r = keep(stored, orderStep(stored, e, fixedDeps(1, `given${i}-`)));
    if (r.kind === 'changed') stored = r.stored;
  }
  return stored;
}

function when(stored: Kept | undefined, event: SagaEvent, attempt = 1): Result {
  return keep(stored, orderStep(stored, event, fixedDeps(attempt)));
}

function thenChanged(r: Result): Extract<Result, { kind: 'changed' }> {
  if (r.kind !== 'changed') throw new Error(`expected a change, got ignored: ${r.reason}`);
  return r;
}

const ignoredReason = (r: Result) => (r.kind === 'ignored' ? r.reason : undefined);
const created = () => given(orderRequested());

describe('order requests', () => {
  it('creates a pending order and emits OrderCreated with the details and the payment token', () => {
    const request = orderRequested();
    const r = thenChanged(when(undefined, request, 3));
    expect(r.events).toEqual([
      {
        type: 'OrderCreated',
        metadata: {
          eventId: 'id-1',
          orderId: ORDER_ID,
          correlationId: 'corr-1',
          causationId: request.metadata.eventId,
          occurredAt: NOW,
          producer: 'order',
          attempt: 3,
        },
        order: {
          customerId: 'cust-1',
          sku: 'SKU-1',
          quantity: 2,
          amount: 2500,
          currency: 'EUR',
          shippingAddress: request.shippingAddress,
        },
        paymentToken: 'tok_visa_secret',
      },
    ]);
    expect(r.stored.state).toMatchObject({ status: 'pending', orderId: ORDER_ID, createdAt: NOW });
    expect(r.stored.timeline.map((e) => [e.type, e.producer])).toEqual([
      ['OrderRequested', 'client'],
      ['OrderCreated', 'order'],
    ]);
  });

  it('stores the ids of its timeline only, and returns the entries for the timeline to append', () => {
    const r = orderStep(undefined, orderRequested(), fixedDeps(1));
    if (r.kind !== 'changed') throw new Error('expected a change');
    expect(Object.keys(r.stored).sort()).toEqual(['state', 'timelineIds']);
    expect(r.stored.timelineIds).toEqual(r.entries.map((e) => e.eventId));
    const next = orderStep(r.stored, ev.paymentAuthorized(), fixedDeps(1, 'next-'));
    if (next.kind !== 'changed') throw new Error('expected a change');
    expect(next.entries.map((e) => e.type)).toEqual(['PaymentAuthorized']);
    expect(next.stored.timelineIds).toEqual([...r.stored.timelineIds, next.entries[0]!.eventId]);
  });

  it('never keeps the payment token in the state or the timeline', () => {
    const r = thenChanged(when(undefined, orderRequested()));
    expect(JSON.stringify(r.stored)).not.toContain('tok_visa_secret');
  });

  it('rejects an invalid request with every validation error', () => {
    const r = thenChanged(when(undefined, orderRequested({ quantity: 0, currency: 'eur', sku: '' })));
    expect(r.events).toHaveLength(1);
    const rejected = r.events[0]!;
    if (rejected.type !== 'OrderRejected') throw new Error(rejected.type);
    expect(rejected.errors.map((e) => [e.field, e.code])).toEqual([
      ['sku', 'REQUIRED'],
      ['quantity', 'OUT_OF_RANGE'],
      ['currency', 'INVALID_FORMAT'],
    ]);
    expect(r.stored.state).toMatchObject({ status: 'rejected', errors: rejected.errors });
  });

  it('ignores a second request for the same orderId, even with another eventId and other content', () => {
    const r = when(created(), orderRequested({ quantity: 5 }));
    expect(ignoredReason(r)).toBe('order already requested (status pending)');
  });

  it('ignores a new request for a rejected orderId too (the orderId is an idempotency key)', () => {
    const r = when(given(orderRequested({ amount: 0 })), orderRequested());
    expect(ignoredReason(r)).toBe('order already requested (status rejected)');
  });
});

describe('progress', () => {
  it.each([
    ['PaymentAuthorized', ev.paymentAuthorized, { authorizationId: 'auth-1' }],
    ['ItemReserved', ev.itemReserved, { reservationId: 'res-1' }],
    ['PaymentCaptured', ev.paymentCaptured, { captureId: 'cap-1' }],
    ['ItemReservationFailed', ev.itemReservationFailed, { failure: { step: 'RESERVE_ITEM' } }],
    ['ShipmentFailed', ev.shipmentFailed, { failure: { step: 'SHIP_ORDER' } }],
    ['PaymentCaptureFailed', () => ev.captureFailed(true), { compensations: ['AUTHORIZATION_VOIDED'] }],
  ] as const)('records %s on the timeline and emits nothing', (type, make, progress) => {
    const r = thenChanged(when(created(), make()));
    expect(r.events).toEqual([]);
    expect(r.ignored).toBeUndefined();
    expect(r.stored.state).toMatchObject({ status: 'pending', progress });
    expect(r.stored.timeline.at(-1)).toMatchObject({ type, receivedAt: NOW });
  });

  it('ignores events for an order it never created (nothing stored)', () => {
    expect(ignoredReason(when(undefined, ev.paymentAuthorized()))).toBe('unknown order');
  });

  it('does not consume its own events', () => {
    const own = thenChanged(when(undefined, orderRequested())).events[0]!;
    expect(ignoredReason(when(created(), own))).toMatch(/not consumed/);
  });
});

describe('happy path', () => {
  it('marks the order shipped on ShipmentCreated', () => {
    const stored = given(orderRequested(), ev.paymentAuthorized(), ev.itemReserved(), ev.paymentCaptured());
    const shipment = ev.shipmentCreated();
    const r = thenChanged(when(stored, shipment));
    expect(r.events).toMatchObject([
      { type: 'OrderShipped', trackingNumber: 'TRK-1', metadata: { causationId: shipment.metadata.eventId } },
    ]);
    expect(r.stored.state).toMatchObject({ status: 'shipped', trackingNumber: 'TRK-1' });
    expect(r.stored.timeline.map((e) => e.type)).toEqual([
      'OrderRequested',
      'OrderCreated',
      'PaymentAuthorized',
      'ItemReserved',
      'PaymentCaptured',
      'ShipmentCreated',
      'OrderShipped',
    ]);
  });
});

describe('cancellation', () => {
  const cancelled = (r: Result) => {
    const c = thenChanged(r);
    const e = c.events[0];
    if (c.events.length !== 1 || e?.type !== 'OrderCancelled') throw new Error('expected one OrderCancelled');
    expect(c.stored.state).toMatchObject({
      status: 'cancelled',
      failure: e.failure,
      compensations: e.compensations,
    });
    return e;
  };

  it('cancels without compensations when authorization fails', () => {
    const e = cancelled(when(created(), ev.paymentAuthorizationFailed()));
    expect(e.failure).toEqual(failure(SagaSteps.AUTHORIZE_PAYMENT, FailureReasons.INSUFFICIENT_FUNDS));
    expect(e.compensations).toEqual([]);
  });

  it('cancels with AUTHORIZATION_RELEASED after a reservation failure', () => {
    const f = failure(SagaSteps.RESERVE_ITEM, FailureReasons.OUT_OF_STOCK);
    const stored = given(orderRequested(), ev.paymentAuthorized(), ev.itemReservationFailed());
    const e = cancelled(when(stored, ev.authorizationReleased(f)));
    expect(e.failure).toEqual(f);
    expect(e.compensations).toEqual([Compensations.AUTHORIZATION_RELEASED]);
  });

  it.each([
    [true, [Compensations.AUTHORIZATION_VOIDED, Compensations.ITEM_RELEASED]],
    [false, [Compensations.ITEM_RELEASED]],
  ])('after a capture failure (voided=%s) cancels with %j', (voided, compensations) => {
    const f = failure(SagaSteps.CAPTURE_PAYMENT, FailureReasons.CAPTURE_DECLINED);
    const stored = given(
      orderRequested(),
      ev.paymentAuthorized(),
      ev.itemReserved(),
      ev.captureFailed(voided),
    );
    const e = cancelled(when(stored, ev.itemReleased(f)));
    expect(e.failure).toEqual(f);
    expect(e.compensations).toEqual(compensations);
  });

  it('cancels with PAYMENT_REFUNDED and ITEM_RELEASED after a shipment failure', () => {
    const f = failure(SagaSteps.SHIP_ORDER, FailureReasons.UNDELIVERABLE_DESTINATION);
    const stored = given(
      orderRequested(),
      ev.paymentAuthorized(),
      ev.itemReserved(),
      ev.paymentCaptured(),
      ev.shipmentFailed(),
      ev.paymentRefunded(f),
    );
    const e = cancelled(when(stored, ev.itemReleased(f)));
    expect(e.failure).toEqual(f);
    expect(e.compensations).toEqual([Compensations.PAYMENT_REFUNDED, Compensations.ITEM_RELEASED]);
  });

  it('waits for the whole unwinding chain when its last event overtakes an earlier one (topics read in parallel)', () => {
    const f = failure(SagaSteps.SHIP_ORDER, FailureReasons.UNDELIVERABLE_DESTINATION);
    const stored = given(orderRequested(), ev.paymentAuthorized(), ev.itemReserved(), ev.paymentCaptured());
    const early = thenChanged(when(stored, ev.itemReleased(f)));
    expect(early.events).toEqual([]);
    expect(early.stored.state.status).toBe('pending');
    const afterFailure = thenChanged(when(early.stored, ev.shipmentFailed()));
    expect(afterFailure.events).toEqual([]);
    const e = cancelled(when(afterFailure.stored, ev.paymentRefunded(f)));
    expect(e.failure).toEqual(f);
    expect([...e.compensations].sort()).toEqual([
      Compensations.ITEM_RELEASED,
      Compensations.PAYMENT_REFUNDED,
    ]);
  });

  it('waits for the reservation failure when the released authorization arrives first', () => {
    const f = failure(SagaSteps.RESERVE_ITEM, FailureReasons.OUT_OF_STOCK);
    const stored = given(orderRequested(), ev.paymentAuthorized());
    const early = thenChanged(when(stored, ev.authorizationReleased(f)));
    expect(early.events).toEqual([]);
    const e = cancelled(when(early.stored, ev.itemReservationFailed()));
    expect(e.compensations).toEqual([Compensations.AUTHORIZATION_RELEASED]);
  });
});

describe('after a terminal state', () => {
  it('keeps a late event on the timeline as ignored and never moves the order backwards', () => {
    const stored = given(orderRequested(), ev.paymentAuthorizationFailed());
    const late = ev.shipmentCreated();
    const r = thenChanged(when(stored, late));
    expect(r.events).toEqual([]);
    expect(r.ignored).toBe('order already cancelled');
    expect(r.stored.state).toEqual(stored!.state);
    expect(r.stored.timeline.at(-1)).toMatchObject({
      eventId: late.metadata.eventId,
      ignored: 'order already cancelled',
    });
  });

  it('records the same late event only once', () => {
    const late = ev.paymentRefunded(failure(SagaSteps.SHIP_ORDER, FailureReasons.UNKNOWN));
    const stored = given(orderRequested(), ev.paymentAuthorizationFailed(), late);
    expect(ignoredReason(when(stored, late))).toMatch(/already on the timeline/);
    expect(stored!.timeline.filter((e) => e.eventId === late.metadata.eventId)).toHaveLength(1);
  });

  it('records a forward step reported after shipping as a fact, not as ignored', () => {
    const stored = given(orderRequested(), ev.paymentAuthorized(), ev.itemReserved(), ev.shipmentCreated());
    const lateCapture = ev.paymentCaptured();
    const r = thenChanged(when(stored, lateCapture));
    expect(r.events).toEqual([]);
    expect(r.stored.state).toEqual(stored!.state);
    expect(r.stored.timeline.at(-1)).toMatchObject({ eventId: lateCapture.metadata.eventId });
    expect(r.stored.timeline.at(-1)?.ignored).toBeUndefined();
  });

  it('does not ship a shipped order twice', () => {
    const stored = given(orderRequested(), ev.shipmentCreated());
    const r = thenChanged(when(stored, ev.shipmentCreated()));
    expect(r.events).toEqual([]);
    expect(r.ignored).toBe('order already shipped');
  });
});
