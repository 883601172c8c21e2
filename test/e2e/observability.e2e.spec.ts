/**
 * Observability end to end, with the four services as processes: every service's `/metrics` moves for the events
 * it consumed and produced, the order service counts the saga's outcome, and one saga is one trace (every record
 * of it carries the same W3C trace id in its `traceparent` header) — with no OpenTelemetry SDK running, so this is
 * the pass-through path the services use by default.
 *
 * Assumes this suite's services are the only members of the service consumer groups while it runs (as under
 * `npm test`, which runs suites in band): a member of another run could own the saga's partitions.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Topics } from '@saga/contracts';
import { SystemUnderTest, type ServiceName } from '../support/system.js';
import { SagaDriver, address, uniqueSku } from '../support/saga-driver.js';
import { pollUntil } from '@saga/testkit';

let system: SystemUnderTest;
let saga: SagaDriver;

beforeAll(async () => {
  system = new SystemUnderTest({ timeScale: 0.01, basePort: 3500 });
  await system.start();
  saga = await SagaDriver.connect();
});

afterAll(async () => {
  await saga?.close();
  await system?.stop();
});

const url = (name: ServiceName) => system.processes.find((p) => p.name === name)!.url;

/** `name{labels} value` lines of the Prometheus text format, as a lookup by name and label subset. */
function parse(text: string) {
  const samples: { name: string; labels: Record<string, string>; value: number }[] = [];
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})?\s+(\S+)$/.exec(line);
    if (!m) continue;
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]!] = l[2]!;
    samples.push({ name: m[1]!, labels, value: Number(m[3]) });
  }
  return (name: string, labels: Record<string, string> = {}) =>
    samples
      .filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))
      .reduce((sum, s) => sum + s.value, 0);
}

async function scrape(name: ServiceName) {
  const res = await fetch(`${url(name)}/metrics`);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
  const text = await res.text();
  return { text, value: parse(text) };
}

const scrapeAll = async () =>
  Object.fromEntries(
    await Promise.all(
      (['order', 'payment', 'inventory', 'shipping'] as const).map(async (s) => [s, await scrape(s)]),
    ),
  ) as Record<ServiceName, Awaited<ReturnType<typeof scrape>>>;

const EVENT_TOPICS = Object.values(Topics);
/** Every record of the saga, once all `count` are on their topics (the state is committed before the send). */
const sagaRecords = (orderId: string, count: number) =>
  pollUntil(
    async () => {
      const records = await saga.client.readAll(EVENT_TOPICS, (r) => r.key === orderId);
      return records.length >= count ? records : undefined;
    },
    { timeoutMs: 30_000, description: `${count} records of ${orderId}` },
  );

const traceIdOf = (tp: string | undefined) =>
  /^00-([0-9a-f]{32})-[0-9a-f]{16}-[0-9a-f]{2}$/.exec(tp ?? '')?.[1];

async function placeViaHttp(sku: string, traceparent?: string): Promise<string> {
  const res = await fetch(`${url('order')}/orders`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(traceparent ? { traceparent } : {}) },
    body: JSON.stringify({
      customerId: 'cust-obs',
      sku,
      quantity: 1,
      amount: 1_000,
      currency: 'EUR',
      paymentToken: 'tok_approve',
      shippingAddress: address(),
    }),
  });
  expect(res.status).toBe(202);
  return ((await res.json()) as { orderId: string }).orderId;
}

describe('observability', () => {
  it('every service counts what it consumed and produced; the order service counts the shipped saga', async () => {
    const sku = uniqueSku('metrics');
    await saga.setStock(sku, 10);
    const before = await scrapeAll();
    const orderId = await placeViaHttp(sku);
    expect((await saga.waitForTerminal(orderId)).status).toBe('shipped');
    // The order is terminal in Redis as soon as its state commits; the OrderShipped record (and its counters) follow
    // once the produce is acknowledged, a few milliseconds later.
    const after = await pollUntil(
      async () => {
        const a = await scrapeAll();
        const shipped = (x: typeof a) =>
          x.order.value('saga_events_produced_total', { service: 'order', type: 'OrderShipped' });
        return shipped(a) > shipped(before) ? a : undefined;
      },
      { timeoutMs: 10_000, description: 'the order service counting its OrderShipped' },
    );

    const delta = (s: ServiceName, name: string, labels: Record<string, string>) =>
      after[s].value(name, { service: s, ...labels }) - before[s].value(name, { service: s, ...labels });
    const consumed = (s: ServiceName, type: string) => delta(s, 'saga_events_consumed_total', { type });
    const produced = (s: ServiceName, type: string) => delta(s, 'saga_events_produced_total', { type });

    // Only this client calls this order service's API: exactly one request published.
    expect(produced('order', 'OrderRequested')).toBe(1);
    // At least one each (not exactly: retries left by an earlier suite may finish in these processes meanwhile).
    const moved = {
      'order consumed OrderRequested': consumed('order', 'OrderRequested'),
      'order produced OrderCreated': produced('order', 'OrderCreated'),
      'payment consumed OrderCreated': consumed('payment', 'OrderCreated'),
      'payment produced PaymentAuthorized': produced('payment', 'PaymentAuthorized'),
      'inventory consumed PaymentAuthorized': consumed('inventory', 'PaymentAuthorized'),
      'inventory produced ItemReserved': produced('inventory', 'ItemReserved'),
      'payment consumed ItemReserved': consumed('payment', 'ItemReserved'),
      'payment produced PaymentCaptured': produced('payment', 'PaymentCaptured'),
      'shipping consumed PaymentCaptured': consumed('shipping', 'PaymentCaptured'),
      'shipping produced ShipmentCreated': produced('shipping', 'ShipmentCreated'),
      'order consumed ShipmentCreated': consumed('order', 'ShipmentCreated'),
      'order produced OrderShipped': produced('order', 'OrderShipped'),
      'order sagas shipped': delta('order', 'saga_sagas_total', { outcome: 'shipped' }),
      'payment handler timings of OrderCreated': delta('payment', 'saga_handler_duration_seconds_count', {
        type: 'OrderCreated',
      }),
    };
    expect(Object.entries(moved).filter(([, n]) => n < 1)).toEqual([]);
    // Nothing counted for types a service does not handle.
    expect(consumed('shipping', 'OrderCreated')).toBe(0);
    for (const s of ['order', 'payment', 'inventory', 'shipping'] as const) {
      const { text } = after[s];
      // Default process metrics, the parked gauge (ZCARD at scrape time) and the lag gauge per topic/partition.
      expect(text).toContain('process_cpu_user_seconds_total');
      expect(text).toContain(`saga_parked_sagas{service="${s}"}`);
      expect(text).toMatch(
        new RegExp(`saga_consumer_lag\\{service="${s}",topic="[a-z-]+",partition="\\d+"\\} \\d+`),
      );
    }
  });

  it('one saga is one trace: every record carries the caller trace id (order placed over HTTP)', async () => {
    const sku = uniqueSku('trace-http');
    await saga.setStock(sku, 10);
    const traceId = randomUUID().replace(/-/g, '');
    const orderId = await placeViaHttp(sku, `00-${traceId}-00f067aa0ba902b7-01`);
    expect((await saga.waitForTerminal(orderId)).status).toBe('shipped');
    const records = await sagaRecords(orderId, 7);
    expect(records.map((r) => r.headers['saga-event-type']).sort()).toEqual(
      [
        'OrderRequested',
        'OrderCreated',
        'PaymentAuthorized',
        'ItemReserved',
        'PaymentCaptured',
        'ShipmentCreated',
        'OrderShipped',
      ].sort(),
    );
    expect(records.map((r) => traceIdOf(r.headers.traceparent))).toEqual(records.map(() => traceId));
  });

  it('a request published without trace context gets one trace from the order service on', async () => {
    const sku = uniqueSku('trace-kafka');
    await saga.setStock(sku, 10);
    const req = await saga.place({ sku, shippingAddress: address() });
    const orderId = req.metadata.orderId;
    expect((await saga.waitForTerminal(orderId)).status).toBe('shipped');
    const records = await sagaRecords(orderId, 7);
    const downstream = records.filter((r) => r.topic !== Topics.orderRequests);
    expect(downstream).toHaveLength(6);
    const ids = new Set(downstream.map((r) => traceIdOf(r.headers.traceparent)));
    expect(ids.size).toBe(1);
    expect([...ids][0]).toMatch(/^[0-9a-f]{32}$/);
  });
});

interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  attributes: { key: string; value: { stringValue?: string; intValue?: string | number } }[];
}

/** A real OTLP/HTTP JSON receiver (what a collector does first): keeps every span it is sent. */
async function startReceiver(): Promise<{ url: string; spans: OtlpSpan[]; server: Server }> {
  const spans: OtlpSpan[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (req.url === '/v1/traces') {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
          resourceSpans?: { scopeSpans?: { spans?: OtlpSpan[] }[] }[];
        };
        for (const rs of body.resourceSpans ?? [])
          for (const ss of rs.scopeSpans ?? []) spans.push(...(ss.spans ?? []));
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, spans, server };
}

describe('with OTEL_EXPORTER_OTLP_ENDPOINT set', () => {
  let receiver: Awaited<ReturnType<typeof startReceiver>>;

  beforeAll(async () => {
    receiver = await startReceiver();
    // Same ports, same groups: the services of the tests above make way for SDK-enabled ones.
    await system.stop();
    system = new SystemUnderTest({
      timeScale: 0.01,
      basePort: 3500,
      env: {
        OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
        OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
        OTEL_BSP_SCHEDULE_DELAY: '100',
      },
    });
    await system.start();
  });

  afterAll(async () => {
    await system?.stop();
    await new Promise((resolve) => receiver?.server.close(resolve));
  });

  it('exports one trace per saga over OTLP: a span per step, each the child of the one before', async () => {
    const sku = uniqueSku('otlp');
    await saga.setStock(sku, 10);
    const traceId = randomUUID().replace(/-/g, '');
    const orderId = await placeViaHttp(sku, `00-${traceId}-00f067aa0ba902b7-01`);
    expect((await saga.waitForTerminal(orderId)).status).toBe('shipped');
    // Each step's span and the span that produced its input record (its parent): the saga's causal tree.
    const parentOf: Record<string, string | undefined> = {
      'order publish OrderRequested': undefined, // under the caller's span
      'order process OrderRequested': 'order publish OrderRequested',
      'payment process OrderCreated': 'order process OrderRequested',
      'inventory process PaymentAuthorized': 'payment process OrderCreated',
      'order process PaymentAuthorized': 'payment process OrderCreated',
      'payment process ItemReserved': 'inventory process PaymentAuthorized',
      'order process ItemReserved': 'inventory process PaymentAuthorized',
      'shipping process PaymentCaptured': 'payment process ItemReserved',
      'order process PaymentCaptured': 'payment process ItemReserved',
      'order process ShipmentCreated': 'shipping process PaymentCaptured',
    };
    const expected = Object.keys(parentOf);
    const spans = await pollUntil(
      () => {
        const mine = receiver.spans.filter((s) => s.traceId === traceId);
        if (mine.length >= expected.length) return mine;
        throw new Error(`${mine.length} spans of this trace so far: ${mine.map((x) => x.name).join(', ')}`);
      },
      { timeoutMs: 30_000, description: 'the saga spans to be exported' },
    );
    expect(spans.map((s) => s.name).sort()).toEqual([...expected].sort());
    const byName = new Map(spans.map((s) => [s.name, s]));
    for (const [name, parent] of Object.entries(parentOf)) {
      const expectedParent = parent ? byName.get(parent)!.spanId : '00f067aa0ba902b7';
      expect([name, byName.get(name)!.parentSpanId]).toEqual([name, expectedParent]);
    }
    const payment = byName.get('payment process OrderCreated')!;
    const attr = (k: string) => payment.attributes.find((a) => a.key === k)?.value;
    expect(attr('orderId')).toEqual({ stringValue: orderId });
    expect(Number(attr('attempt')?.intValue)).toBe(1);
    // The records themselves name the exporting spans, so a collector-less consumer still sees one trace.
    const records = await sagaRecords(orderId, 7);
    expect(new Set(records.map((r) => traceIdOf(r.headers.traceparent)))).toEqual(new Set([traceId]));
  });
});
