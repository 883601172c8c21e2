import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import type { OrderCreated, OrderRequested, SagaEvent } from '@saga/contracts';
import { loadConnectionConfig, type HandlerContext, type HandlerOutcome } from '@saga/messaging';
import { uniquePrefix } from '@saga/testkit';
import { listOrders, ORDER_CONSUMES, OrderHandler, orderKey, readOrder } from './index.js';
import { timelineKey } from './adapters/order-repository.js';

// The order handler against the real Redis: exactly-once effects across redeliveries and races, the index and
// the read API. Kafka is not involved (the runtime around the handler has its own tests).
const redis = new Redis(loadConnectionConfig().redis.url, { enableAutoPipelining: true, lazyConnect: true });
// Far in the future so these orders are the newest in the shared `ord:index` whatever else ran before.
let now = 9_000_000_000_000 + Date.now();
const handler = new OrderHandler(ORDER_CONSUMES, {
  redis,
  clock: { now: () => now },
  ids: { next: randomUUID },
});
const ctx: HandlerContext = { attempt: 1, log: pino({ level: 'silent' }) };

beforeAll(() => redis.connect());
afterAll(() => redis.quit());

function request(orderId: string, overrides: Partial<OrderRequested> = {}): OrderRequested {
  return {
    type: 'OrderRequested',
    metadata: {
      eventId: randomUUID(),
      orderId,
      correlationId: orderId,
      causationId: null,
      occurredAt: now,
      producer: 'test',
      attempt: 1,
    },
    customerId: 'cust-1',
    sku: 'SKU-1',
    quantity: 1,
    amount: 1000,
    currency: 'EUR',
    paymentToken: 'tok_ok',
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

function from(cause: SagaEvent, producer: string) {
  return { ...cause.metadata, eventId: randomUUID(), causationId: cause.metadata.eventId, producer };
}

function emitted(outcome: HandlerOutcome): SagaEvent[] {
  if (outcome.kind !== 'emit') throw new Error(`expected events, got ignored: ${outcome.reason}`);
  return outcome.events;
}

describe('OrderHandler with Redis', () => {
  it('creates an order once: a redelivery replays the very same event and the index holds it once', async () => {
    const orderId = uniquePrefix('create');
    const req = request(orderId);
    const [first] = emitted(await handler.handle(req, ctx));
    const [again] = emitted(await handler.handle(req, ctx));
    expect(first?.type).toBe('OrderCreated');
    expect(again).toEqual(first);
    expect(await redis.zscore('ord:index', orderId)).toBe(String(now));
    const view = await readOrder(redis, orderId);
    expect(view?.state).toMatchObject({ status: 'pending', orderId, createdAt: now });
    expect(view?.timeline.map((e) => e.type)).toEqual(['OrderRequested', 'OrderCreated']);
    expect(await redis.hget(orderKey(orderId), 'state')).not.toContain('tok_ok');
  });

  it('runs a request delivered twice concurrently exactly once', async () => {
    const orderId = uniquePrefix('race');
    const req = request(orderId);
    const [a, b] = await Promise.all([handler.handle(req, ctx), handler.handle(req, ctx)]);
    expect(emitted(a)).toEqual(emitted(b));
    expect((await readOrder(redis, orderId))?.timeline).toHaveLength(2);
  });

  it('ignores a second request for the same orderId with another eventId', async () => {
    const orderId = uniquePrefix('dup');
    await handler.handle(request(orderId), ctx);
    const outcome = await handler.handle(request(orderId, { quantity: 7 }), ctx);
    expect(outcome).toEqual({ kind: 'ignored', reason: 'order already requested (status pending)' });
    expect((await readOrder(redis, orderId))?.state).toMatchObject({ order: { quantity: 1 } });
  });

  it('ships, then keeps a late event on the timeline as ignored', async () => {
    const orderId = uniquePrefix('ship');
    const [created] = emitted(await handler.handle(request(orderId), ctx));
    const shipment: SagaEvent = {
      type: 'ShipmentCreated',
      metadata: from(created!, 'shipping'),
      shipmentId: 'shp-1',
      trackingNumber: 'TRK-42',
      carrier: 'SimPost',
    };
    const [shipped] = emitted(await handler.handle(shipment, ctx));
    expect(shipped).toMatchObject({ type: 'OrderShipped', trackingNumber: 'TRK-42' });
    const late: SagaEvent = {
      type: 'PaymentAuthorizationFailed',
      metadata: from(created!, 'payment'),
      failure: { step: 'AUTHORIZE_PAYMENT', reason: 'INVALID_CARD', message: 'late' },
    };
    expect(await handler.handle(late, ctx)).toEqual({
      kind: 'ignored',
      reason: 'order already shipped (kept on the timeline)',
    });
    // Redelivered: replays the recorded (empty) outcome, records nothing twice.
    expect(emitted(await handler.handle(late, ctx))).toEqual([]);
    const view = await readOrder(redis, orderId);
    expect(view?.state).toMatchObject({ status: 'shipped', trackingNumber: 'TRK-42' });
    expect(view?.timeline.map((e) => [e.type, e.ignored])).toEqual([
      ['OrderRequested', undefined],
      ['OrderCreated', undefined],
      ['ShipmentCreated', undefined],
      ['OrderShipped', undefined],
      ['PaymentAuthorizationFailed', 'order already shipped'],
    ]);
  });

  it('keeps the timeline in its own key: a step appends its entries and never rewrites the earlier ones', async () => {
    const orderId = uniquePrefix('tl-key');
    const created = emitted(await handler.handle(request(orderId), ctx))[0] as OrderCreated;
    const afterCreate = await redis.get(timelineKey(orderKey(orderId)));
    await handler.handle(
      {
        type: 'PaymentAuthorized',
        metadata: from(created, 'payment'),
        order: created.order,
        authorizationId: 'a-1',
      },
      ctx,
    );
    const afterAuth = await redis.get(timelineKey(orderKey(orderId)));
    expect(afterAuth!.startsWith(afterCreate!)).toBe(true);
    expect(afterAuth!.slice(afterCreate!.length).trim().split('\n')).toHaveLength(1);
    // The state holds the ids only: the entries' text is not rewritten by every commit.
    const state = JSON.parse((await redis.hget(orderKey(orderId), 'state'))!) as Record<string, unknown>;
    expect(Object.keys(state).sort()).toEqual(['state', 'timelineIds']);
    expect(state.timelineIds).toHaveLength(3);
  });

  it('reads and steps an order stored before the timeline had its own key', async () => {
    const orderId = uniquePrefix('tl-legacy');
    const created = emitted(await handler.handle(request(orderId), ctx))[0] as OrderCreated;
    // Rewrite it into the old layout: the entries inside the state JSON, no timeline key.
    const key = orderKey(orderId);
    const old = await readOrder(redis, orderId);
    await redis.hset(key, 'state', JSON.stringify({ state: old!.state, timeline: old!.timeline }));
    await redis.del(timelineKey(key));
    expect((await readOrder(redis, orderId))?.timeline.map((e) => e.type)).toEqual([
      'OrderRequested',
      'OrderCreated',
    ]);

    const auth: SagaEvent = {
      type: 'PaymentAuthorized',
      metadata: from(created, 'payment'),
      order: created.order,
      authorizationId: 'a-1',
    };
    expect(await handler.handle(auth, ctx)).toEqual({ kind: 'emit', events: [] });
    // Its old entries stay where they were; the new one goes to the timeline key.
    expect(JSON.parse((await redis.hget(key, 'state'))!)).toMatchObject({ timeline: old!.timeline });
    expect((await readOrder(redis, orderId))?.timeline.map((e) => e.type)).toEqual([
      'OrderRequested',
      'OrderCreated',
      'PaymentAuthorized',
    ]);
  });

  it('rejects an unusable orderId without storing anything', async () => {
    const orderId = 'bad id {x}';
    const [rejected] = emitted(await handler.handle(request(orderId), ctx));
    expect(rejected).toMatchObject({
      type: 'OrderRejected',
      errors: [{ field: 'orderId', code: 'INVALID_FORMAT' }],
    });
    expect(await redis.exists(orderKey(orderId))).toBe(0);
    expect(await redis.zscore('ord:index', orderId)).toBeNull();
  });

  it('lists orders newest first, optionally by status', async () => {
    const ids = [uniquePrefix('list-a'), uniquePrefix('list-b'), uniquePrefix('list-c')];
    for (const id of ids) {
      now += 1000;
      await handler.handle(request(id, id === ids[1] ? { amount: 0 } : {}), ctx);
    }
    const newest = await listOrders(redis, { limit: 3 });
    expect(newest.map((s) => s.orderId)).toEqual([...ids].reverse());
    const rejected = await listOrders(redis, { status: 'rejected', limit: 1 });
    expect(rejected.map((s) => s.orderId)).toEqual([ids[1]]);
  });

  it('returns undefined for an unknown order', async () => {
    expect(await readOrder(redis, uniquePrefix('missing'))).toBeUndefined();
  });
});

describe('OrderHandler when Redis is unreachable', () => {
  const dead = new Redis('redis://127.0.0.1:1', {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  const broken = new OrderHandler(ORDER_CONSUMES, {
    redis: dead,
    clock: { now: () => now },
    ids: { next: randomUUID },
  });
  afterAll(() => dead.disconnect());

  it('fails retriably (a plain error), and parks the event once retries are exhausted', async () => {
    const req = request(uniquePrefix('dead'));
    await expect(broken.handle(req, ctx)).rejects.toThrow();
    const error = { code: 'INFRASTRUCTURE_FAULT', message: 'redis down', retriable: true };
    expect(await broken.onRetriesExhausted(req, error, ctx)).toEqual({ kind: 'park' });
  });
});
