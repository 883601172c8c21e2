import { setTimeout as tick } from 'node:timers/promises';
import type { OrderRequested } from '@saga/contracts';
import { readOrder } from '@saga/order-service';
import { address, orderRequested, type OrderInput, type SagaDriver } from '../../support/saga-driver.js';

/**
 * A steady open-loop load: order i is due at i / rate seconds, whatever happened to earlier ones, published in
 * one batch per tick. A publish that fails (the broker is down) is retried with the same events — the orderId is
 * the idempotency key, so a request that did get through before the error is still one saga.
 */
export interface LoadOptions {
  rate: number;
  seconds: number;
  /** The order for index i (its path through the saga). */
  orderFor: (i: number) => OrderInput;
}

export interface Load {
  /** orderId → when the broker acknowledged its request (epoch ms). */
  readonly requested: Map<string, number>;
  /** Resolves when every due order was published. */
  readonly done: Promise<void>;
  /** How many publishes failed and were retried (the fault as the client saw it). */
  readonly publishErrors: () => number;
}

const TICK_MS = 50;
/** A client that cannot publish for this long after the schedule ended is broken: fail, never spin forever. */
export const PUBLISH_GIVE_UP_MS = 120_000;

export function startLoad(driver: SagaDriver, opts: LoadOptions): Load {
  const requested = new Map<string, number>();
  const total = Math.round(opts.rate * opts.seconds);
  let errors = 0;
  const run = async (): Promise<void> => {
    const t0 = Date.now();
    const giveUpAt = t0 + opts.seconds * 1000 + PUBLISH_GIVE_UP_MS;
    let sent = 0;
    let batch: OrderRequested[] = [];
    while (sent < total || batch.length > 0) {
      const due = Math.min(total, Math.floor(((Date.now() - t0) * opts.rate) / 1000) + 1);
      for (; sent < due; sent++) batch.push(orderRequested(opts.orderFor(sent)));
      if (batch.length > 0) {
        try {
          await driver.client.publish(batch);
          const at = Date.now();
          for (const e of batch) requested.set(e.metadata.orderId, at);
          batch = [];
        } catch (err) {
          errors += 1; // kept in `batch`: published again on the next tick
          if (Date.now() > giveUpAt) {
            const detail = err instanceof Error ? err.message : String(err);
            throw new Error(
              `the load could not publish ${batch.length} orders for ${PUBLISH_GIVE_UP_MS} ms after its schedule: ${detail}`,
              { cause: err },
            );
          }
        }
      }
      // Pacing of the schedule, not a wait for a condition.
      if (sent < total || batch.length > 0) await tick(TICK_MS);
    }
  };
  const done = run();
  done.catch(() => undefined); // awaited by the scenario; this only keeps an early failure from being unhandled
  return { requested, done, publishErrors: () => errors };
}

/** Paths of a realistic mix, by index: 75 % happy, 10 % declined, 5 % each of ship-fails, out-of-stock, capture-fails. */
export function mixedOrder(runId: string, skus: { stocked: string; soldOut: string }) {
  return (i: number): OrderInput => {
    const slot = i % 20;
    const base: OrderInput = { orderId: `chaos-${runId}-${i}`, sku: skus.stocked, amount: 1_000 };
    if (slot === 15 || slot === 16) return { ...base, paymentToken: 'tok_insufficient_funds' };
    if (slot === 17) return { ...base, shippingAddress: address({ country: 'AQ', city: 'McMurdo' }) };
    if (slot === 18) return { ...base, sku: skus.soldOut };
    if (slot === 19) return { ...base, paymentToken: 'tok_capture_fails' };
    return base;
  };
}

const TERMINAL = new Set(['shipped', 'cancelled', 'rejected']);
const READ_SLICE = 200;

/** The ids of `ids` whose order is not terminal yet (one read each, in slices). */
export async function unfinished(driver: SagaDriver, ids: readonly string[]): Promise<string[]> {
  const out: string[] = [];
  for (let i = 0; i < ids.length; i += READ_SLICE) {
    const slice = ids.slice(i, i + READ_SLICE);
    const views = await Promise.all(slice.map((id) => readOrder(driver.redis, id)));
    views.forEach((v, j) => {
      if (!v || !TERMINAL.has(v.state.status)) out.push(slice[j]!);
    });
  }
  return out;
}

/**
 * Polls until every order of `ids` is terminal or `timeoutMs` passes; returns the ones still open (an empty list
 * when all ended). Never throws on timeout: the audit then says whether they are stuck, in flight or lost.
 */
export async function settle(
  driver: SagaDriver,
  ids: readonly string[],
  timeoutMs: number,
  exempt: (openIds: string[]) => Promise<string[]> = (open) => Promise.resolve(open),
): Promise<string[]> {
  const deadline = Date.now() + timeoutMs;
  let open = [...ids];
  let nextNote = 0;
  for (;;) {
    open = await unfinished(driver, open).catch(() => open); // Redis may be restarting
    const blocking = await exempt(open).catch(() => open);
    if (process.env.SAGA_CHAOS_DEBUG && Date.now() > nextNote) {
      nextNote = Date.now() + 5_000;
      process.stdout.write(
        `[chaos] ${new Date().toISOString()} open ${open.length}, blocking ${blocking.length}: ${blocking.slice(0, 3).join(' ')}\n`,
      );
    }
    if (blocking.length === 0 || Date.now() > deadline) return open;
    await tick(200); // poll interval
  }
}
