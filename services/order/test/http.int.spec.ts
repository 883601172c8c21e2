/**
 * The order API over fastify `inject`, against the real order service started in-process (Redis, Kafka, registry):
 * what a client sees (202 + Location, the order with its timeline, the listing, problem+json) and what reaches
 * Kafka (one OrderRequested per orderId, with trace context).
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Topics } from '@saga/contracts';
import {
  createEventClient,
  createEventProcessor,
  createHttpServer,
  createKafka,
  createLogger,
  loadConnectionConfig,
  loadServiceConfig,
  RetryStore,
  startService,
  type EventClient,
  type RunningService,
} from '@saga/messaging';
import { pollUntil } from '@saga/testkit';
import { createSerde } from '@saga/contracts';
import { orderService } from '../src/index.js';

const conn = loadConnectionConfig();
const TOKEN = 'tok_secret_4242';
let service: RunningService;
let client: EventClient;

beforeAll(async () => {
  service = await startService(orderService, { ...loadServiceConfig('order'), httpPort: 0 });
  client = await createEventClient(conn, { clientId: 'order-http-test' });
});
afterAll(async () => {
  await service?.stop();
  await client?.close();
});

const body = (over: Record<string, unknown> = {}) => ({
  customerId: 'cust-http',
  sku: 'SKU-HTTP-1',
  quantity: 2,
  amount: 1999,
  currency: 'EUR',
  paymentToken: TOKEN,
  shippingAddress: {
    recipient: 'Grace Hopper',
    line1: '1 Navy Way',
    city: 'Arlington',
    postalCode: '22202',
    country: 'US',
  },
  ...over,
});

interface Res {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
  json<T = Record<string, unknown>>(): T;
}

// Real HTTP (fastify's `inject` does not load under jest's ESM mode): the service listens on a free port.
async function request(base: string, path: string, init: RequestInit = {}): Promise<Res> {
  const res = await fetch(`${base}${path}`, { redirect: 'manual', ...init });
  const body = await res.text();
  return {
    statusCode: res.status,
    headers: Object.fromEntries(res.headers),
    body,
    json: <T>() => JSON.parse(body) as T,
  };
}

const send = (raw: string, headers: Record<string, string> = {}) =>
  request(service.url, '/orders', {
    method: 'POST',
    body: raw,
    headers: { 'content-type': 'application/json', ...headers },
  });
const post = (payload: unknown, headers: Record<string, string> = {}) =>
  send(JSON.stringify(payload), headers);
const get = (path: string) => request(service.url, path);

async function waitForOrder(orderId: string) {
  return pollUntil(
    async () => {
      const res = await get(`/orders/${orderId}`);
      return res.statusCode === 200 ? res.json<Record<string, unknown>>() : undefined;
    },
    { timeoutMs: 30_000, description: `order ${orderId} to be created` },
  );
}

describe('POST /orders', () => {
  it('accepts a valid order: 202, Location, and the order appears with its timeline', async () => {
    const res = await post(body());
    expect(res.statusCode).toBe(202);
    const { orderId, status } = res.json<{ orderId: string; status: string }>();
    expect(status).toBe('accepted');
    expect(orderId).toMatch(/^[0-9a-f-]{36}$/);
    expect(res.headers.location).toBe(`/orders/${orderId}`);

    const order = await waitForOrder(orderId);
    expect(order).toMatchObject({
      orderId,
      status: expect.any(String),
      order: { sku: 'SKU-HTTP-1', quantity: 2 },
    });
    const timeline = order.timeline as { type: string; producer: string }[];
    expect(timeline.slice(0, 2).map((e) => [e.type, e.producer])).toEqual([
      ['OrderRequested', 'order-api'],
      ['OrderCreated', 'order'],
    ]);
    expect(JSON.stringify(order)).not.toContain(TOKEN);
  });

  it('answers a repeated orderId with the same order and publishes one OrderRequested only', async () => {
    const orderId = `ord-http-${randomUUID()}`;
    const traceId = randomUUID().replace(/-/g, '');
    const traceparent = `00-${traceId}-00f067aa0ba902b7-01`;
    // The second request races the first one's consumption; the third comes after the order exists.
    const [a, b] = await Promise.all([post(body({ orderId }), { traceparent }), post(body({ orderId }))]);
    await waitForOrder(orderId);
    const c = await post(body({ orderId, quantity: 9 }));
    for (const res of [a, b, c]) {
      expect(res.statusCode).toBe(202);
      expect(res.json()).toEqual({ orderId, status: 'accepted' });
      expect(res.headers.location).toBe(`/orders/${orderId}`);
    }
    const records = await client.readAll([Topics.orderRequests], (r) => r.key === orderId);
    expect(records).toHaveLength(1);
    // Whichever of the racing two published, the saga's trace follows the caller's when it sent one.
    expect(records[0]!.headers.traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    const order = await waitForOrder(orderId);
    expect(order.order).toMatchObject({ quantity: 2 });
  });

  it('continues the caller trace: the OrderRequested record carries its trace id', async () => {
    const orderId = `ord-http-${randomUUID()}`;
    const traceId = randomUUID().replace(/-/g, '');
    const res = await post(body({ orderId }), { traceparent: `00-${traceId}-00f067aa0ba902b7-01` });
    expect(res.statusCode).toBe(202);
    const [record] = await client.readAll([Topics.orderRequests], (r) => r.key === orderId);
    expect(record!.headers.traceparent).toContain(`00-${traceId}-`);
  });

  it('rejects an invalid request with 400 problem+json listing every error, never echoing the token', async () => {
    const res = await post({
      orderId: 'bad id!',
      sku: '',
      quantity: 0,
      amount: '12',
      currency: 'eur',
      paymentToken: TOKEN,
      shippingAddress: { recipient: 'A', line1: 'x', city: 'c', postalCode: 'p', country: 'Germany' },
    });
    expect(res.statusCode).toBe(400);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    const problem = res.json<{
      type: string;
      title: string;
      status: number;
      detail: string;
      errors: object[];
    }>();
    expect(problem).toMatchObject({
      type: '/problems/invalid-order-request',
      title: 'Invalid order request',
      status: 400,
    });
    expect(problem.errors.map((e) => [(e as { field: string }).field, (e as { code: string }).code])).toEqual(
      [
        ['orderId', 'INVALID_FORMAT'],
        ['customerId', 'REQUIRED'],
        ['sku', 'REQUIRED'],
        ['quantity', 'OUT_OF_RANGE'],
        ['amount', 'INVALID_FORMAT'],
        ['currency', 'INVALID_FORMAT'],
        ['shippingAddress.country', 'INVALID_FORMAT'],
      ],
    );
    expect(res.body).not.toContain(TOKEN);
  });

  it('answers a body that is not a JSON object, or not JSON at all, with problem+json', async () => {
    const notObject = await post([1, 2]);
    expect(notObject.statusCode).toBe(400);
    expect(notObject.headers['content-type']).toMatch(/^application\/problem\+json/);
    const notJson = await send(`{"paymentToken":"${TOKEN}",`);
    expect(notJson.statusCode).toBe(400);
    expect(notJson.json()).toMatchObject({ status: 400, type: '/problems/bad-request' });
    expect(notJson.body).not.toContain(TOKEN);
  });
});

describe('GET /orders', () => {
  it('404 problem+json for an unknown order', async () => {
    const res = await get(`/orders/ord-unknown-${randomUUID()}`);
    expect(res.statusCode).toBe(404);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.json()).toMatchObject({ status: 404, type: '/problems/order-not-found' });
  });

  it('lists orders newest first, filtered by status, limited', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 2; i++) {
      const res = await post(body());
      ids.push(res.json<{ orderId: string }>().orderId);
      await waitForOrder(ids[i]!);
    }
    const rejected = await post(body({ sku: '   ', orderId: `ord-http-${randomUUID()}` }));
    expect(rejected.statusCode).toBe(400); // the API rejects before the saga: nothing is listed for it

    const res = await get('/orders?limit=2');
    expect(res.statusCode).toBe(200);
    const orders = res.json<{ orders: { orderId: string; createdAt: number; status: string }[] }>().orders;
    expect(orders).toHaveLength(2);
    expect(orders[0]!.createdAt).toBeGreaterThanOrEqual(orders[1]!.createdAt);
    // The index is shared with other suites (some use fixed clocks): check our two relative to each other.
    const all = (await get('/orders?limit=500')).json<{ orders: { orderId: string }[] }>().orders;
    const mine = all.map((o) => o.orderId).filter((id) => ids.includes(id));
    expect(mine).toEqual([ids[1], ids[0]]);

    const pending = await get('/orders?status=pending&limit=500');
    const statuses = pending.json<{ orders: { status: string }[] }>().orders.map((o) => o.status);
    expect(new Set(statuses)).toEqual(new Set(['pending']));
    expect(JSON.stringify(pending.json())).not.toContain(TOKEN);
  });

  it('rejects a bad status or limit with problem+json', async () => {
    for (const url of ['/orders?status=lost', '/orders?limit=0', '/orders?limit=many']) {
      const res = await get(url);
      expect(res.statusCode).toBe(400);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.json<{ errors: { field: string }[] }>().errors[0]!.field).toMatch(/status|limit/);
    }
  });
});

describe('readiness', () => {
  it('is 503 before the consumer joined its group and 200 after', async () => {
    const logger = createLogger('order-ready-test', 'silent');
    const kafka = createKafka(conn, 'order-ready-test', logger);
    const producer = kafka.producer();
    await producer.connect();
    const { Redis } = await import('ioredis');
    const redis = new Redis(conn.redis.url);
    // A consumer of its own group that handles nothing: this is about the health check, not about orders.
    const processor = createEventProcessor({
      kafka,
      producer,
      codec: createSerde(conn.schemaRegistry),
      retries: new RetryStore(redis, 'order-ready-test'),
      logger,
      timeScale: 1,
      groupId: `order-ready-${randomUUID()}`,
      topics: [Topics.orderRequests],
      fromBeginning: false,
      handler: {
        service: 'order',
        consumes: new Set(),
        handle: () => Promise.reject(new Error('unused')),
        onRetriesExhausted: () => Promise.resolve({ kind: 'park' }),
      },
    });
    const app = createHttpServer('order', {
      kafka: () => processor.isReady(),
      redis: () => redis.status === 'ready',
    });
    const url = await app.listen({ port: 0, host: '127.0.0.1' });
    try {
      await pollUntil(() => redis.status === 'ready', { description: 'redis connected' });
      const before = await request(url, '/health/ready');
      expect(before.statusCode).toBe(503);
      expect(before.json()).toMatchObject({ status: 'not-ready', checks: { kafka: false, redis: true } });
      await processor.start();
      await pollUntil(async () => (await request(url, '/health/ready')).statusCode === 200, {
        timeoutMs: 60_000,
        description: 'ready after the group join',
      });
    } finally {
      await processor.stop();
      await producer.disconnect();
      await app.close();
      redis.disconnect();
    }
  });
});
