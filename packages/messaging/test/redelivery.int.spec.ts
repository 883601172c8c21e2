/**
 * Redelivery after a crash: offsets are committed every 200 ms, so a restarted consumer reads again the records of
 * its last moments. An input whose first try failed and whose retry is now scheduled must not run its side effect
 * a second time beside that retry (found by e2e test 16: a SIGKILL spent one extra gateway call).
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Redis } from 'ioredis';
import { SagaError } from '@saga/contracts';
import { createLogger, RecordProcessor, retryItemId, RetryStore, type EventHandler } from '@saga/messaging';
import { codec, conn, orderCreated, rawOf } from './record-fixtures.js';

let redis: Redis;
beforeAll(async () => {
  redis = new Redis(conn.redis.url, { lazyConnect: true });
  await redis.connect();
});
afterAll(() => redis.quit());

function counting(): EventHandler & { calls: number } {
  const handler = {
    calls: 0,
    service: 'payment' as const,
    consumes: new Set(['OrderCreated'] as const),
    handle() {
      handler.calls++;
      return Promise.reject(new SagaError('GATEWAY_UNAVAILABLE', 'gateway down', true));
    },
    onRetriesExhausted: () => Promise.resolve({ kind: 'park' as const }),
  };
  return handler;
}

/** A processor for a fresh service name (its own retry schedule) around a handler that always fails retriably. */
function setup() {
  const service = `redeliver-${randomUUID().slice(0, 8)}`;
  const retries = new RetryStore(redis, service);
  const handler = counting();
  const processor = new RecordProcessor({
    handler,
    codec,
    retries,
    logger: createLogger(service, 'silent'),
    timeScale: 0.001,
  });
  return { retries, handler, processor };
}

describe('record processor: redelivered input', () => {
  it('is ignored without calling the handler while its retry is pending, and handled again once it is done', async () => {
    const { retries, handler, processor } = setup();
    const raw = await rawOf(orderCreated(`ord-${randomUUID()}`), `00-${'1'.repeat(32)}-${'2'.repeat(16)}-01`);

    const first = await processor.process(raw);
    expect(first.disposition.kind).toBe('retry-scheduled');
    expect(handler.calls).toBe(1);

    const again = await processor.process(raw);
    expect(again.disposition).toEqual({
      kind: 'ignored',
      reason: 'a retry of this event is already pending',
    });
    expect(handler.calls).toBe(1);

    // The retry itself runs the handler (it is the owner of the input now).
    const [item] = await retries.claimDue(Date.now() + 60_000, 1_000, 10);
    expect(item).toBeDefined();
    await processor.process(item!.record, item);
    expect(handler.calls).toBe(2);

    // Once the schedule holds nothing for it, a delivery is handled as usual.
    await retries.complete(item!.id);
    await processor.process(raw);
    expect(handler.calls).toBe(3);
  });

  it('takes the batch lookup when the processor is given one, and asks Redis for ids it does not cover', async () => {
    const { retries, handler, processor } = setup();
    const event = orderCreated(`ord-${randomUUID()}`);
    const raw = await rawOf(event, `00-${'3'.repeat(32)}-${'4'.repeat(16)}-01`);
    const id = retryItemId(event.metadata.orderId, event.metadata.eventId);
    expect(await retries.pendingAmong([id, 'other|id'])).toEqual(new Set());
    await processor.process(raw);
    expect(await retries.pendingAmong([id, 'other|id'])).toEqual(new Set([id]));

    // Looked up as pending: ignored without a handler call.
    const ignored = await processor.process(raw, undefined, {
      checked: new Set([id]),
      pending: new Set([id]),
    });
    expect(ignored.disposition.kind).toBe('ignored');
    expect(handler.calls).toBe(1);
    // Not covered by the lookup (e.g. no headers): the processor asks Redis itself and still ignores it.
    const asked = await processor.process(raw, undefined, { checked: new Set(), pending: new Set() });
    expect(asked.disposition.kind).toBe('ignored');
    expect(handler.calls).toBe(1);
  });
});
