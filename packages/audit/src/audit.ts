import {
  backwardsProblems,
  effectProblems,
  moneyProblems,
  reservationProblems,
  shipmentProblems,
  skuProblems,
  standingOf,
  lastActivity,
} from './checks.js';
import {
  MAX_PROBLEMS,
  type AuditFigures,
  type AuditInput,
  type AuditReport,
  type CheckName,
  type CheckResult,
  type OrderRecord,
  type Standing,
} from './types.js';

function check<T>(name: CheckName, items: readonly T[], problemsOf: (item: T) => string[]): CheckResult {
  const problems: string[] = [];
  let failed = 0;
  for (const item of items) {
    const found = problemsOf(item);
    if (found.length === 0) continue;
    failed += 1;
    problems.push(...found);
  }
  return { name, ok: failed === 0, checked: items.length, failed, problems: problems.slice(0, MAX_PROBLEMS) };
}

/** Every check over the gathered records, with the figures a run reports. Pure. */
export function audit(input: AuditInput): AuditReport {
  const { orders, skus, now, graceMs } = input;
  const standing = new Map<OrderRecord, Standing>(orders.map((o) => [o, standingOf(o, now, graceMs)]));
  const count = (s: Standing) => orders.filter((o) => standing.get(o) === s).length;
  const status = (st: string) => orders.filter((o) => o.order?.state.status === st).length;

  const lost = check('no-order-lost', orders, (o) => {
    if (standing.get(o) !== 'lost') return [];
    return o.order
      ? [`${o.orderId}: pending, no retry scheduled, quiet for ${now - (lastActivity(o) ?? now)} ms`]
      : [`${o.orderId}: requested but never recorded by the order service`];
  });
  const effects = check('effects-at-most-once', orders, effectProblems);
  const checks: CheckResult[] = [
    lost,
    check('money-adds-up', orders, moneyProblems),
    check('nothing-shipped-when-cancelled', orders, shipmentProblems),
    effects,
    // Reservations are judged per order, SKU totals per SKU; one result so a reader sees "stock" once.
    mergeChecks(
      check('stock-consistent', orders, reservationProblems),
      check('stock-consistent', skus, (s) => skuProblems(s, orders)),
    ),
    check('no-order-moved-backwards', orders, backwardsProblems),
  ];
  const figures: AuditFigures = {
    orders: orders.length,
    terminal: count('terminal'),
    shipped: status('shipped'),
    cancelled: status('cancelled'),
    rejected: status('rejected'),
    stuck: count('stuck'),
    inFlight: count('in-flight'),
    lost: lost.failed,
    duplicateEffects: effects.failed,
    skus: skus.length,
  };
  return { ok: checks.every((c) => c.ok), at: now, figures, checks };
}

function mergeChecks(a: CheckResult, b: CheckResult): CheckResult {
  return {
    name: a.name,
    ok: a.ok && b.ok,
    checked: b.checked,
    failed: a.failed + b.failed,
    problems: [...a.problems, ...b.problems].slice(0, MAX_PROBLEMS),
  };
}
