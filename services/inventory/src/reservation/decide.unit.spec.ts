import type {
  EventMetadata,
  OrderDetails,
  PaymentAuthorized,
  PaymentCaptureFailed,
  PaymentRefunded,
} from '@saga/contracts';
import {
  decide,
  pickReservation,
  type DecideDeps,
  type Decision,
  type ReservationCommand,
} from './decide.js';
import { evolve, type InventoryEvent, type ReservationState } from './state.js';

const meta = (eventId: string): EventMetadata => ({
  eventId,
  orderId: 'o-1',
  correlationId: 'c-1',
  causationId: 'e-0',
  occurredAt: 1_000,
  producer: 'payment',
  attempt: 1,
});
const order: OrderDetails = {
  customerId: 'cust-1',
  sku: 'SKU-APPLE',
  quantity: 2,
  amount: 500,
  currency: 'EUR',
  shippingAddress: { recipient: 'A', line1: 'L1', line2: null, city: 'C', postalCode: 'P', country: 'GB' },
};
const authorized: PaymentAuthorized = {
  type: 'PaymentAuthorized',
  metadata: meta('in-1'),
  order,
  authorizationId: 'a-1',
};
const captureFailed: PaymentCaptureFailed = {
  type: 'PaymentCaptureFailed',
  metadata: meta('in-2'),
  sku: 'SKU-APPLE',
  quantity: 2,
  failure: { step: 'CAPTURE_PAYMENT', reason: 'CAPTURE_DECLINED', message: 'declined' },
  authorizationVoided: true,
};
const refunded: PaymentRefunded = {
  type: 'PaymentRefunded',
  metadata: meta('in-3'),
  sku: 'SKU-APPLE',
  quantity: 2,
  refundId: 'r-1',
  amount: 500,
  currency: 'EUR',
  failure: { step: 'SHIP_ORDER', reason: 'UNDELIVERABLE_DESTINATION', message: 'AQ' },
};

function deps(attempt = 1): DecideDeps {
  let n = 0;
  return { clock: { now: () => 5_000 }, ids: { next: () => `id-${++n}` }, attempt };
}

/** Given prior events, when a command, then a decision. */
function given(...history: InventoryEvent[]) {
  const state = history.reduce<ReservationState | undefined>(evolve, undefined);
  return {
    when: (command: ReservationCommand, attempt = 1): Decision => decide(command, state, deps(attempt)),
  };
}

function reservedEvent(): InventoryEvent {
  const d = given().when({ kind: 'ReserveItem', cause: authorized });
  if (d.kind !== 'reserve') throw new Error('expected reserve');
  return d.reserved.events[0]!;
}

describe('inventory decide', () => {
  it('prepares reserved, out-of-stock and unknown-SKU outcomes for a new order', () => {
    const d = given().when({ kind: 'ReserveItem', cause: authorized }, 3);
    expect(d.kind).toBe('reserve');
    if (d.kind !== 'reserve') return;
    expect(d.quantity).toBe(2);
    expect(d.reserved.events).toEqual([
      {
        type: 'ItemReserved',
        metadata: {
          eventId: 'id-1',
          orderId: 'o-1',
          correlationId: 'c-1',
          causationId: 'in-1',
          occurredAt: 5_000,
          producer: 'inventory',
          attempt: 3,
        },
        order,
        reservationId: 'res-id-2',
      },
    ]);
    expect(d.reserved.state).toEqual({
      status: 'reserved',
      sku: 'SKU-APPLE',
      quantity: 2,
      reservationId: 'res-id-2',
      at: 5_000,
    });
    expect(d.outOfStock.events[0]).toMatchObject({
      type: 'ItemReservationFailed',
      sku: 'SKU-APPLE',
      quantity: 2,
      failure: { step: 'RESERVE_ITEM', reason: 'OUT_OF_STOCK' },
    });
    expect(d.outOfStock.state).toMatchObject({ status: 'rejected', reason: 'OUT_OF_STOCK' });
    expect(d.unknownSku.events[0]).toMatchObject({
      failure: { step: 'RESERVE_ITEM', reason: 'UNKNOWN_SKU' },
    });
    // Every candidate has its own eventId, so whichever the script picks is unique.
    const ids = [d.reserved, d.outOfStock, d.unknownSku].map((o) => o.events[0]!.metadata.eventId);
    expect(new Set(ids).size).toBe(3);
  });

  it('ignores a second authorization of an order that already has a reservation', () => {
    expect(given(reservedEvent()).when({ kind: 'ReserveItem', cause: authorized })).toEqual({
      kind: 'ignored',
      reason: 'reservation already reserved',
    });
  });

  it('fails a non-positive quantity without touching stock', () => {
    const bad = { ...authorized, order: { ...order, quantity: 0 } };
    const d = given().when({ kind: 'ReserveItem', cause: bad });
    expect(d).toMatchObject({
      kind: 'record',
      outcome: { state: { status: 'rejected', reason: 'UNKNOWN' } },
    });
  });

  it.each([
    ['PaymentCaptureFailed', captureFailed],
    ['PaymentRefunded', refunded],
  ] as const)('releases a live reservation on %s, carrying the inbound failure', (_name, cause) => {
    const d = given(reservedEvent()).when({ kind: 'ReleaseItem', cause });
    expect(d.kind).toBe('release');
    if (d.kind !== 'release') return;
    expect(d.quantity).toBe(2);
    expect(d.outcome.events).toEqual([
      expect.objectContaining({
        type: 'ItemReleased',
        sku: 'SKU-APPLE',
        quantity: 2,
        failure: cause.failure,
      }),
    ]);
    expect(d.outcome.events[0]!.metadata.causationId).toBe(cause.metadata.eventId);
    expect(d.outcome.state).toMatchObject({ status: 'released', reservationId: 'res-id-2' });
  });

  it('releases what was reserved, not what the compensation claims', () => {
    const d = given(reservedEvent()).when({ kind: 'ReleaseItem', cause: { ...refunded, quantity: 99 } });
    expect(d).toMatchObject({ kind: 'release', quantity: 2 });
  });

  it('ignores a release with no reservation, after a rejection, and a second release', () => {
    const release: ReservationCommand = { kind: 'ReleaseItem', cause: refunded };
    expect(given().when(release)).toEqual({ kind: 'ignored', reason: 'no reservation to release' });
    const d = given().when({ kind: 'ReserveItem', cause: authorized });
    if (d.kind !== 'reserve') throw new Error('expected reserve');
    expect(given(d.outOfStock.events[0]!).when(release)).toEqual({
      kind: 'ignored',
      reason: 'reservation is rejected',
    });
    const r = given(reservedEvent()).when(release);
    if (r.kind !== 'release') throw new Error('expected release');
    expect(given(reservedEvent(), r.outcome.events[0]!).when(release)).toEqual({
      kind: 'ignored',
      reason: 'reservation is released',
    });
  });

  it('records an infrastructure failure when reservation retries run out', () => {
    const d = given().when(
      { kind: 'FailReservation', cause: authorized, reason: 'INFRASTRUCTURE_FAILURE', message: 'redis down' },
      7,
    );
    expect(d).toMatchObject({
      kind: 'record',
      outcome: {
        state: { status: 'rejected', reason: 'INFRASTRUCTURE_FAILURE' },
        events: [
          {
            type: 'ItemReservationFailed',
            metadata: { attempt: 7 },
            failure: { step: 'RESERVE_ITEM', reason: 'INFRASTRUCTURE_FAILURE', message: 'redis down' },
          },
        ],
      },
    });
  });

  it('does not fail a reservation that was already decided', () => {
    const fail: ReservationCommand = {
      kind: 'FailReservation',
      cause: authorized,
      reason: 'INFRASTRUCTURE_FAILURE',
      message: 'x',
    };
    expect(given(reservedEvent()).when(fail)).toEqual({
      kind: 'ignored',
      reason: 'reservation already reserved',
    });
  });
});

describe('pickReservation (the rule the reserve script applies)', () => {
  it.each([
    [undefined, 1, 'unknownSku'],
    [{ available: 0 }, 1, 'outOfStock'],
    [{ available: 1 }, 2, 'outOfStock'],
    [{ available: 2 }, 2, 'reserved'],
    [{ available: 1000 }, 1, 'reserved'],
  ] as const)('stock %j, quantity %d → %s', (stock, quantity, expected) => {
    expect(pickReservation(stock, quantity)).toBe(expected);
  });
});
