import { randomBytes } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { Topics } from '@saga/contracts';
import { setStock } from '@saga/inventory-service';
import { readOrder } from '@saga/order-service';
import {
  createEventClient,
  createLogger,
  Headers,
  loadConnectionConfig,
  type EventClient,
} from '@saga/messaging';
import { BenchError } from './errors.js';
import { benchOrder, benchSkus, orderIdPrefix, type BenchSkus } from './orders.js';
import type { Outcome } from './schedule.js';
import { outcomeOf, Tracker } from './tracker.js';

/** Units of the stocked SKU: more than any run sends, so only the out-of-stock path ever runs out. */
export const BENCH_INITIAL_STOCK = 100_000_000;

/** One bench session: the Kafka client with its tail on `orders`, Redis for setup and audit, and the tracker. */
export interface BenchContext {
  runId: string;
  skus: BenchSkus;
  initialStock: number;
  client: EventClient;
  redis: Redis;
  tracker: Tracker;
  close(): Promise<void>;
}

export async function openContext(say: (line: string) => void): Promise<BenchContext> {
  const conn = loadConnectionConfig();
  const runId = `${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
  const skus = benchSkus(runId);
  const redis = new Redis(conn.redis.url, {
    enableAutoPipelining: true,
    maxRetriesPerRequest: 3,
    ...(conn.redis.tls ? { tls: conn.redis.tls } : {}),
  });
  await setStock(redis, skus.stocked, BENCH_INITIAL_STOCK);
  await setStock(redis, skus.soldOut, 0);
  // The client's logs would land on stdout, which is the summary's; a broker outage shows in the progress lines
  // (completions stall) and in the figures, so they stay off unless LOG_LEVEL asks for them.
  const logger = createLogger('saga-bench', process.env.LOG_LEVEL ?? 'silent');
  const client = await createEventClient(conn, { clientId: `saga-bench-${runId}`, logger });
  const tracker = new Tracker();
  const prefix = orderIdPrefix(runId);
  // Only this run's terminal events are decoded: the key (orderId) and the type header filter the rest cheaply.
  const stopTail = await client.tail({
    topics: [Topics.orders],
    onRecord: async (r) => {
      const now = performance.now();
      if (!r.key?.startsWith(prefix) || !outcomeOf(r.headers[Headers.eventType])) return;
      if (!tracker.isInFlight(r.key)) return; // redelivery
      const event = await client.codec.decode(r.bytes);
      const outcome = outcomeOf(event.type);
      if (outcome) tracker.complete(event.metadata.orderId, outcome, now);
    },
  });
  const ctx: BenchContext = {
    runId,
    skus,
    initialStock: BENCH_INITIAL_STOCK,
    client,
    redis,
    tracker,
    async close() {
      await stopTail();
      await client.close();
      redis.disconnect();
    },
  };
  try {
    await waitUntilTailSeesOrders(ctx, say);
  } catch (err) {
    await ctx.close();
    throw err;
  }
  return ctx;
}

/**
 * A new tail group starts at the latest offsets once it is assigned its partitions, which happens some time
 * after tail() returns; terminal events published before that would be missed and counted as lost. So one happy
 * probe order is sent per second until the tail reports a terminal event for one of them (also a warm-up of the
 * whole chain and of the registry caches).
 */
async function waitUntilTailSeesOrders(ctx: BenchContext, say: (line: string) => void): Promise<void> {
  const deadline = Date.now() + 90_000;
  let n = 0;
  say('waiting until the tail on `orders` sees a probe order end');
  while (Date.now() < deadline) {
    const event = benchOrder(ctx.runId, 0, 'happy', ctx.skus);
    const orderId = `${event.metadata.orderId}probe${n++}`;
    event.metadata.orderId = event.metadata.correlationId = orderId;
    ctx.tracker.register({ orderId, kind: 'happy', phase: 'probe', scheduledAt: performance.now() });
    await ctx.client.publish([event]);
    for (let i = 0; i < 20; i++) {
      if ([...ctx.tracker.orders.values()].some((o) => o.phase === 'probe' && o.outcome)) return;
      await delay(50);
    }
  }
  throw new BenchError(
    'BENCH_NO_TERMINAL_EVENTS',
    'no probe order reached a terminal event in 90 s: are the services consuming? (saga stack status, service logs)',
    true,
  );
}

const TERMINAL_STATUSES: ReadonlySet<string> = new Set<Outcome>(['shipped', 'cancelled', 'rejected']);

/**
 * Settles in-flight orders whose terminal state the order service has recorded in Redis although the tail never
 * delivered the event (a tail group that restarts after a broker outage resumes at the latest offset). Without
 * this, such orders would count as lost. Returns how many were settled.
 */
export async function reconcileWithRedis(ctx: BenchContext): Promise<number> {
  const ids = ctx.tracker.inFlightIds();
  let settled = 0;
  for (let i = 0; i < ids.length; i += 256) {
    const views = await Promise.all(ids.slice(i, i + 256).map((id) => readOrder(ctx.redis, id)));
    for (const view of views) {
      const status = view?.state.status;
      if (view && status && TERMINAL_STATUSES.has(status)) {
        if (ctx.tracker.completeUnseen(view.state.orderId, status as Outcome)) settled++;
      }
    }
  }
  return settled;
}
