/**
 * Redelivery after a crash: offsets are committed every 200 ms, so a restarted consumer reads again the records of
 * its last moments. An input whose first try failed and whose retry is now scheduled must not run its side effect
 * a second time beside that retry (found by e2e test 16: a SIGKILL spent one extra gateway call).
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Redis } from 'ioredis';
import { SagaError } from '@saga/contracts';
import { createLogger, RecordProcessor, RetryStore, type EventHandler } from '@saga/messaging';
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

describe('record processor: redelivered input', () => {
  it('is ignored without calling the handler while its retry is pending, and handled again once it is done', async () => {
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
});
