import type { Redis } from 'ioredis';
import { getStock } from '@saga/inventory-service';
import { readPaymentLedger } from '@saga/payment-service';
import type { BenchContext } from './context.js';
import { BENCH_AMOUNT } from './orders.js';
import { EXPECTED_OUTCOME } from './schedule.js';
import type { TrackedOrder } from './tracker.js';

export interface AuditResult {
  ok: boolean;
  /** Orders whose money and outcome were checked (every order of the session that ended). */
  checked: number;
  /** Orders still without a terminal event: not checked, and the reason a stock check may be skipped. */
  unfinished: number;
  stock: { initial: number; available: number; reserved: number; shippedOnSku: number };
  /** The first problems found (at most 20), one line each. */
  problems: string[];
  problemCount: number;
}

const CONCURRENCY = 256;

/** Problems with one finished order: wrong outcome, or money that does not add up for that outcome. */
async function auditOrder(redis: Redis, o: TrackedOrder): Promise<string[]> {
  const problems: string[] = [];
  const expected = EXPECTED_OUTCOME[o.kind];
  if (o.outcome !== expected)
    problems.push(`${o.orderId} (${o.kind}): ended ${o.outcome}, expected ${expected}`);
  const ledger = (await readPaymentLedger(redis, o.orderId))?.ledger;
  const captured = ledger?.captured ?? 0;
  const refunded = ledger?.refunded ?? 0;
  if (o.outcome === 'shipped' && (captured !== BENCH_AMOUNT || refunded !== 0))
    problems.push(
      `${o.orderId}: shipped but captured ${captured}, refunded ${refunded} (amount ${BENCH_AMOUNT})`,
    );
  if (o.outcome !== 'shipped' && captured - refunded !== 0)
    problems.push(`${o.orderId}: ${o.outcome} but captured ${captured} − refunded ${refunded} ≠ 0`);
  return problems;
}

/**
 * After the run, from Redis: every shipped order captured exactly its amount, every cancelled or rejected one
 * nets to zero, each ended the way its path should, and the stocked SKU conserved its units (available +
 * reserved = initial, and reserved = orders shipped from it, since a shipped order keeps its reservation).
 */
export async function audit(ctx: BenchContext): Promise<AuditResult> {
  const all = [...ctx.tracker.orders.values()];
  const finished = all.filter((o) => o.outcome !== undefined);
  const problems: string[] = [];
  for (let i = 0; i < finished.length; i += CONCURRENCY) {
    const chunk = finished.slice(i, i + CONCURRENCY);
    for (const p of await Promise.all(chunk.map((o) => auditOrder(ctx.redis, o)))) problems.push(...p);
  }
  const level = (await getStock(ctx.redis, ctx.skus.stocked)) ?? { available: 0, reserved: 0 };
  // Out-of-stock orders use the sold-out SKU, so every shipped order took one unit of the stocked one.
  const shippedOnSku = finished.filter((o) => o.outcome === 'shipped').length;
  if (level.available + level.reserved !== ctx.initialStock)
    problems.push(
      `stock not conserved: available ${level.available} + reserved ${level.reserved} ≠ initial ${ctx.initialStock}`,
    );
  const unfinished = all.length - finished.length;
  // With orders still in flight, some reservations are legitimately held by unfinished sagas.
  if (unfinished === 0 && level.reserved !== shippedOnSku)
    problems.push(`reserved ${level.reserved} ≠ shipped ${shippedOnSku}`);
  return {
    ok: problems.length === 0,
    checked: finished.length,
    unfinished,
    stock: { initial: ctx.initialStock, ...level, shippedOnSku },
    problems: problems.slice(0, 20),
    problemCount: problems.length,
  };
}
