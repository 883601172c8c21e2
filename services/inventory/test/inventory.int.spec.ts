import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import type { OrderDetails, PaymentAuthorized, PaymentRefunded, SagaEvent } from '@saga/contracts';
import {
  createLogger,
  loadConnectionConfig,
  systemClock,
  uuidIds,
  type EventCodec,
  type EventHandler,
  type HandlerContext,
  type HandlerOutcome,
  type ServiceDeps,
} from '@saga/messaging';
import { uniquePrefix } from '@saga/testkit';
import { createInventoryHandler, getStock, reservationOf, seedCatalog, setStock } from '../src/index.js';

// Against the real Redis: the atomicity and replay guarantees live in Lua scripts, which only Redis can check.
const redis = new Redis(loadConnectionConfig().redis.url, { lazyConnect: true, maxRetriesPerRequest: 1 });
const logger = createLogger('inventory-test', 'silent');
const ctx: HandlerContext = { attempt: 1, log: logger };

function handlerFor(catalog: Record<string, number>): EventHandler {
  const deps: ServiceDeps = {
    service: 'inventory',
    redis,
    logger,
    clock: systemClock,
    ids: uuidIds,
    timeScale: 1,
    retentionMs: 0,
    codec: {} as EventCodec, // the handler never encodes; the runtime does
    publish: () => Promise.resolve(),
  };
  return createInventoryHandler(deps, { catalog });
}

const newSku = () => `SKU-${uniquePrefix('inv')}`;

function authorized(sku: string, quantity = 1, orderId = randomUUID()): PaymentAuthorized {
  const order: OrderDetails = {
    customerId: 'c',
    sku,
    quantity,
    amount: 100,
    currency: 'EUR',
    shippingAddress: { recipient: 'r', line1: 'l', line2: null, city: 'c', postalCode: 'p', country: 'GB' },
  };
  return {
    type: 'PaymentAuthorized',
    metadata: {
      eventId: randomUUID(),
      orderId,
      correlationId: orderId,
      causationId: null,
      occurredAt: Date.now(),
      producer: 'payment',
      attempt: 1,
    },
    order,
    authorizationId: 'auth',
  };
}

function refunded(cause: PaymentAuthorized): PaymentRefunded {
  return {
    type: 'PaymentRefunded',
    metadata: { ...cause.metadata, eventId: randomUUID(), causationId: cause.metadata.eventId },
    sku: cause.order.sku,
    quantity: cause.order.quantity,
    refundId: 'ref',
    amount: 100,
    currency: 'EUR',
    failure: { step: 'SHIP_ORDER', reason: 'UNDELIVERABLE_DESTINATION', message: 'AQ' },
  };
}

function emitted(outcome: HandlerOutcome): SagaEvent[] {
  if (outcome.kind !== 'emit') throw new Error(`expected events, got ignored: ${outcome.reason}`);
  return outcome.events;
}

beforeAll(() => redis.connect());
afterAll(() => redis.quit());

describe('inventory against Redis', () => {
  it('reserves, replays a redelivery with the same eventIds, and moves stock once', async () => {
    const sku = newSku();
    const handler = handlerFor({ [sku]: 5 });
    const event = authorized(sku, 2);
    const first = emitted(await handler.handle(event, ctx));
    expect(first).toEqual([expect.objectContaining({ type: 'ItemReserved', order: event.order })]);
    const again = emitted(await handler.handle(event, ctx));
    expect(again).toEqual(first);
    expect(await getStock(redis, sku)).toEqual({ available: 3, reserved: 2 });
    expect(await reservationOf(redis, sku, event.metadata.orderId)).toMatchObject({
      status: 'reserved',
      quantity: 2,
    });
    // A second authorization of the same order (new eventId) is a duplicate, not a second reservation.
    const dup = { ...event, metadata: { ...event.metadata, eventId: randomUUID() } };
    expect(await handler.handle(dup, ctx)).toMatchObject({ kind: 'ignored' });
    expect(await getStock(redis, sku)).toEqual({ available: 3, reserved: 2 });
  });

  it('answers OUT_OF_STOCK and UNKNOWN_SKU without touching stock', async () => {
    const sku = newSku();
    const handler = handlerFor({ [sku]: 0 });
    const [soldOut] = emitted(await handler.handle(authorized(sku), ctx));
    expect(soldOut).toMatchObject({ type: 'ItemReservationFailed', failure: { reason: 'OUT_OF_STOCK' } });
    const [unknown] = emitted(await handler.handle(authorized(newSku()), ctx));
    expect(unknown).toMatchObject({ type: 'ItemReservationFailed', failure: { reason: 'UNKNOWN_SKU' } });
    expect(await getStock(redis, sku)).toEqual({ available: 0, reserved: 0 });
  });

  it('gives the last unit to exactly one of many racing orders', async () => {
    const sku = newSku();
    const handler = handlerFor({ [sku]: 1 });
    const outcomes = await Promise.all(
      Array.from({ length: 20 }, () => handler.handle(authorized(sku), ctx)),
    );
    const types = outcomes.flatMap(emitted).map((e) => e.type);
    expect(types.filter((t) => t === 'ItemReserved')).toHaveLength(1);
    expect(types.filter((t) => t === 'ItemReservationFailed')).toHaveLength(19);
    expect(await getStock(redis, sku)).toEqual({ available: 0, reserved: 1 });
  });

  it('releases once: concurrent and repeated compensations return the stock a single time', async () => {
    const sku = newSku();
    const handler = handlerFor({ [sku]: 3 });
    const reserve = authorized(sku, 2);
    emitted(await handler.handle(reserve, ctx));
    const a = refunded(reserve);
    const b = refunded(reserve);
    const [ra, rb] = await Promise.all([handler.handle(a, ctx), handler.handle(b, ctx)]);
    const kinds = [ra.kind, rb.kind].sort();
    expect(kinds).toEqual(['emit', 'ignored']);
    const released = [ra, rb].find((o) => o.kind === 'emit')!;
    expect(emitted(released)).toEqual([
      expect.objectContaining({ type: 'ItemReleased', sku, quantity: 2, failure: a.failure }),
    ]);
    expect(await getStock(redis, sku)).toEqual({ available: 3, reserved: 0 });
    // Redelivery of the winning input replays; a release for an order never reserved is ignored.
    const winner = ra.kind === 'emit' ? a : b;
    expect(emitted(await handler.handle(winner, ctx))).toEqual(emitted(released));
    expect(await handler.handle(refunded(authorized(sku)), ctx)).toMatchObject({ kind: 'ignored' });
    expect(await getStock(redis, sku)).toEqual({ available: 3, reserved: 0 });
  });

  it('records INFRASTRUCTURE_FAILURE when reserve retries run out, and parks a release', async () => {
    const sku = newSku();
    const handler = handlerFor({ [sku]: 1 });
    const event = authorized(sku);
    const error = { code: 'INFRASTRUCTURE_FAULT', message: 'boom', retriable: true };
    const out = await handler.onRetriesExhausted(event, error, { ...ctx, attempt: 7 });
    expect(out).toMatchObject({
      kind: 'emit',
      events: [{ type: 'ItemReservationFailed', failure: { reason: 'INFRASTRUCTURE_FAILURE' } }],
    });
    expect(await handler.onRetriesExhausted(event, error, ctx)).toEqual(out); // replayed
    expect(await handler.onRetriesExhausted(refunded(event), error, ctx)).toEqual({ kind: 'park' });
    expect(await getStock(redis, sku)).toEqual({ available: 1, reserved: 0 });
  });

  it('seeds only missing SKUs, and setStock keeps live reservations', async () => {
    const sku = newSku();
    expect(await seedCatalog(redis, { [sku]: 10 })).toEqual([sku]);
    const handler = handlerFor({ [sku]: 10 });
    emitted(await handler.handle(authorized(sku, 4), ctx));
    expect(await seedCatalog(redis, { [sku]: 10 })).toEqual([]);
    expect(await getStock(redis, sku)).toEqual({ available: 6, reserved: 4 });
    await setStock(redis, sku, 50);
    expect(await getStock(redis, sku)).toEqual({ available: 50, reserved: 4 });
    await expect(setStock(redis, sku, -1)).rejects.toMatchObject({ code: 'INVALID_STOCK', retriable: false });
  });
});
