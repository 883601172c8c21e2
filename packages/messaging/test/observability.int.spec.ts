/**
 * Metrics and trace context through the record processor against the real registry and Redis: the first try,
 * a retry run from the durable schedule (which must continue the original trace), a parked saga (the gauge), and
 * a dead letter (which keeps the original headers).
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Redis } from 'ioredis';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { SagaError } from '@saga/contracts';
import {
  createLogger,
  createTracing,
  DeadLetterHeaders,
  RecordProcessor,
  RetryStore,
  ServiceMetrics,
  TraceHeaders,
  type EventHandler,
} from '@saga/messaging';
import { codec, conn, flakyHandler, orderCreated, rawOf } from './record-fixtures.js';

const PARENT_SPAN = '00f067aa0ba902b7';
const parentOf = (traceId: string) => `00-${traceId}-${PARENT_SPAN}-01`;
let redis: Redis;

beforeAll(async () => {
  redis = new Redis(conn.redis.url, { lazyConnect: true });
  await redis.connect();
});
afterAll(() => redis.quit());

function setup(handler: EventHandler) {
  const service = `obs-${randomUUID().slice(0, 8)}`;
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  const retries = new RetryStore(redis, service);
  const metrics = new ServiceMetrics(service, {
    defaultMetrics: false,
    parkedCount: () => retries.parkedCount(),
  });
  const processor = new RecordProcessor({
    handler,
    codec,
    retries,
    logger: createLogger(service, 'silent'),
    timeScale: 0.001,
    metrics,
    tracing: createTracing(provider),
  });
  return { service, exporter, retries, metrics, processor };
}

const sample = async (metrics: ServiceMetrics, name: string, labels: Record<string, string>) => {
  const m = await metrics.registry.getSingleMetric(name)!.get();
  return m.values.find((v) => Object.entries(labels).every(([k, x]) => v.labels[k] === x))?.value ?? 0;
};

describe('record processor observability', () => {
  it('a retry from the durable schedule continues the original trace', async () => {
    const { exporter, retries, metrics, processor } = setup(
      flakyHandler(1, new SagaError('GATEWAY_UNAVAILABLE', 'gateway down', true)),
    );
    const traceId = randomUUID().replace(/-/g, '');
    const event = orderCreated(`ord-${randomUUID()}`);
    const first = await processor.process(await rawOf(event, parentOf(traceId)));
    expect(first.disposition.kind).toBe('retry-scheduled');
    expect(await sample(metrics, 'saga_retries_scheduled_total', { policy: 'gatewayUnavailable' })).toBe(1);

    const [item] = await retries.claimDue(Date.now() + 60_000, 30_000, 10);
    expect(item?.record.headers[TraceHeaders.traceparent]).toBe(parentOf(traceId));
    const second = await processor.process(item!.record, item);
    expect(second.disposition.kind).toBe('published');
    await retries.complete(item!.id);

    const spans = exporter.getFinishedSpans();
    expect(spans.map((s) => [s.name, s.attributes.attempt])).toEqual([
      ['payment process OrderCreated', 1],
      ['payment process OrderCreated', 2],
    ]);
    for (const s of spans) {
      expect(s.spanContext().traceId).toBe(traceId);
      expect(s.parentSpanContext?.spanId).toBe(PARENT_SPAN);
      expect(s.attributes).toMatchObject({
        orderId: event.metadata.orderId,
        eventId: event.metadata.eventId,
      });
    }
    const [out] = second.outbound;
    expect(out!.headers[TraceHeaders.traceparent]).toBe(`00-${traceId}-${spans[1]!.spanContext().spanId}-01`);
    expect(await sample(metrics, 'saga_events_consumed_total', { type: 'OrderCreated' })).toBe(2);
    metrics.sent(second.outbound);
    expect(await sample(metrics, 'saga_events_produced_total', { type: 'PaymentAuthorized' })).toBe(1);
    const text = await metrics.text();
    expect(text).toMatch(/saga_handler_duration_seconds_count\{service="obs-[^"]+",type="OrderCreated"} 2/);
  });

  it('counts a parked saga in the gauge, read from the retry store at scrape time', async () => {
    const { retries, metrics, processor } = setup(
      flakyHandler(99, new SagaError('BOOM', 'redis blinked', true)),
    );
    const event = orderCreated(`ord-${randomUUID()}`);
    const raw = await rawOf(event, parentOf(randomUUID().replace(/-/g, '')));
    expect((await processor.process(raw)).disposition.kind).toBe('retry-scheduled');
    // Run the schedule until the infrastructure policy (6 retries) is exhausted and the handler parks.
    for (let i = 0; i < 10; i++) {
      const [item] = await retries.claimDue(Date.now() + 60 * 60_000, 30_000, 1);
      if (!item) break;
      if ((await processor.process(item.record, item)).disposition.kind === 'parked') break;
    }
    expect(await sample(metrics, 'saga_parked_sagas', {})).toBe(1);
    const [parked] = await retries.listParked();
    await retries.complete(parked!.id);
    expect(await sample(metrics, 'saga_parked_sagas', {})).toBe(0);
  });

  it('a dead letter keeps the original trace headers and is counted by error code', async () => {
    const { exporter, metrics, processor } = setup(
      flakyHandler(1, new SagaError('RULE_BROKEN', 'no', false)),
    );
    const traceId = randomUUID().replace(/-/g, '');
    const done = await processor.process(await rawOf(orderCreated(`ord-${randomUUID()}`), parentOf(traceId)));
    expect(done.disposition.kind).toBe('dead-lettered');
    expect(done.outbound[0]!.headers).toMatchObject({
      [TraceHeaders.traceparent]: parentOf(traceId),
      [DeadLetterHeaders.errorCode]: 'RULE_BROKEN',
    });
    expect(await sample(metrics, 'saga_dead_lettered_total', { code: 'RULE_BROKEN' })).toBe(1);
    metrics.sent(done.outbound);
    expect(await sample(metrics, 'saga_events_produced_total', {})).toBe(0);
    expect(exporter.getFinishedSpans()[0]!.status.message).toBe('RULE_BROKEN');
  });
});
