import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import type { PaymentCaptured, SagaEvent, ShippingAddress } from '@saga/contracts';
import {
  createLogger,
  loadConnectionConfig,
  systemClock,
  uuidIds,
  type EventCodec,
  type HandlerContext,
  type HandlerOutcome,
  type ServiceDeps,
} from '@saga/messaging';
import { createShippingHandler, readShipment } from '../src/index.js';

// Against the real Redis: carrier idempotency and the shipment record's replay live in Lua scripts.
const redis = new Redis(loadConnectionConfig().redis.url, { lazyConnect: true, maxRetriesPerRequest: 1 });
const logger = createLogger('shipping-test', 'silent');
const ctx = (attempt = 1): HandlerContext => ({ attempt, log: logger });
const deps: ServiceDeps = {
  service: 'shipping',
  redis,
  logger,
  clock: systemClock,
  ids: uuidIds,
  timeScale: 1,
  retentionMs: 0,
  codec: {} as EventCodec, // the handler never encodes; the runtime does
  publish: () => Promise.resolve(),
};
const handler = createShippingHandler(deps);

function captured(country = 'GB', line2: string | null = null): PaymentCaptured {
  const orderId = `ship-test-${randomUUID()}`;
  const shippingAddress: ShippingAddress = {
    recipient: 'R',
    line1: 'L1',
    line2,
    city: 'C',
    postalCode: 'P',
    country,
  };
  return {
    type: 'PaymentCaptured',
    metadata: {
      eventId: randomUUID(),
      orderId,
      correlationId: orderId,
      causationId: null,
      occurredAt: Date.now(),
      producer: 'payment',
      attempt: 1,
    },
    order: { customerId: 'c', sku: 'SKU-APPLE', quantity: 1, amount: 100, currency: 'EUR', shippingAddress },
    captureId: 'cap',
    amount: 100,
    currency: 'EUR',
  };
}

function emitted(outcome: HandlerOutcome | { kind: 'park' }): SagaEvent[] {
  if (outcome.kind !== 'emit') throw new Error(`expected events, got ${JSON.stringify(outcome)}`);
  return outcome.events;
}

beforeAll(() => redis.connect());
afterAll(() => redis.quit());

describe('shipping against Redis', () => {
  it('ships once: a redelivery replays the same ShipmentCreated, a duplicate capture is ignored', async () => {
    const event = captured();
    const first = emitted(await handler.handle(event, ctx()));
    expect(first).toEqual([
      expect.objectContaining({
        type: 'ShipmentCreated',
        carrier: 'SIMPOST',
        trackingNumber: expect.stringMatching(/^TRK[0-9A-Z]{12}$/),
      }),
    ]);
    expect(emitted(await handler.handle(event, ctx()))).toEqual(first);
    const dup = { ...event, metadata: { ...event.metadata, eventId: randomUUID() } };
    expect(await handler.handle(dup, ctx())).toEqual({ kind: 'ignored', reason: 'shipment already shipped' });
    expect(await readShipment(redis, event.metadata.orderId)).toMatchObject({ status: 'shipped' });
  });

  it('answers Antarctica with ShipmentFailed UNDELIVERABLE_DESTINATION', async () => {
    const [failed] = emitted(await handler.handle(captured('AQ'), ctx()));
    expect(failed).toMatchObject({
      type: 'ShipmentFailed',
      failure: { step: 'SHIP_ORDER', reason: 'UNDELIVERABLE_DESTINATION' },
    });
  });

  it('throws CARRIER_UNAVAILABLE for the first N calls, then ships', async () => {
    const event = captured('FR', 'carrier-unavailable:2');
    for (const attempt of [1, 2]) {
      await expect(handler.handle(event, ctx(attempt))).rejects.toMatchObject({
        code: 'CARRIER_UNAVAILABLE',
        retriable: true,
      });
    }
    expect(await readShipment(redis, event.metadata.orderId)).toBeUndefined();
    const [created] = emitted(await handler.handle(event, ctx(3)));
    expect(created).toMatchObject({ type: 'ShipmentCreated', metadata: { attempt: 3 } });
  });

  it('books once even when two deliveries of one order race', async () => {
    const event = captured();
    const other = { ...event, metadata: { ...event.metadata, eventId: randomUUID() } };
    const outcomes = await Promise.all([handler.handle(event, ctx()), handler.handle(other, ctx())]);
    const created = outcomes.filter((o) => o.kind === 'emit').flatMap(emitted);
    expect(created).toHaveLength(1);
    const booking = await redis.hget(`carrier:{${event.metadata.orderId}}`, 'booking');
    expect(JSON.parse(booking!)).toMatchObject({
      trackingNumber: (created[0] as { trackingNumber: string }).trackingNumber,
    });
  });

  it('fails with CARRIER_UNAVAILABLE when retries run out, and records it', async () => {
    const event = captured('FR', 'carrier-unavailable:always');
    await expect(handler.handle(event, ctx())).rejects.toMatchObject({ code: 'CARRIER_UNAVAILABLE' });
    const error = { code: 'CARRIER_UNAVAILABLE', message: 'carrier unavailable', retriable: true };
    const out = await handler.onRetriesExhausted(event, error, ctx(7));
    expect(emitted(out)).toEqual([
      expect.objectContaining({
        type: 'ShipmentFailed',
        failure: expect.objectContaining({ step: 'SHIP_ORDER', reason: 'CARRIER_UNAVAILABLE' }),
      }),
    ]);
    expect(await handler.onRetriesExhausted(event, error, ctx(7))).toEqual(out);
    expect(await readShipment(redis, event.metadata.orderId)).toMatchObject({
      status: 'failed',
      reason: 'CARRIER_UNAVAILABLE',
    });
  });
});
