import type { EventType } from '@saga/contracts';
import type { TimelineEntry } from '@saga/order-service';
import type { OrderRecord, SkuRecord, Standing } from './types.js';

/**
 * The saga's invariants, one pure function each. Every function returns the problems of one order (or SKU) as
 * human lines; an empty list means the invariant holds. They read only what the services recorded, never what a
 * test expected, so the same checks judge a chaos run, a bench run or a production database.
 */

const TERMINAL_EVENTS: ReadonlySet<EventType> = new Set(['OrderShipped', 'OrderCancelled', 'OrderRejected']);

/**
 * What the order service records after its terminal event without an `ignored` mark: a step's report that
 * overtook nothing but arrived late (topics are read in parallel). These are the RecordProgress events of
 * services/order/src/order/reactions.ts: facts for the timeline that never decide anything.
 */
const INFORMATIONAL_AFTER_END: ReadonlySet<EventType> = new Set([
  'PaymentAuthorized',
  'ItemReserved',
  'PaymentCaptured',
  'PaymentCaptureFailed',
  'PaymentRefunded',
  'ItemReservationFailed',
  'ShipmentFailed',
]);

/** Events that stand for an effect in the world (money moved, stock held, parcel booked): one eventId each at most. */
const EFFECT_EVENTS: readonly EventType[] = [
  'PaymentAuthorized',
  'PaymentCaptured',
  'PaymentRefunded',
  'ItemReserved',
  'ItemReleased',
  'ShipmentCreated',
];

/** The last time anything happened to the order, as far as its record shows. */
export function lastActivity(o: OrderRecord): number | undefined {
  if (!o.order) return undefined;
  const seen = o.order.timeline.map((t) => t.receivedAt);
  return Math.max(o.order.state.updatedAt, o.order.state.createdAt, ...seen);
}

/**
 * Terminal, stuck (a parked retry makes it visible), in flight (a retry is pending, or it moved within the grace
 * period) or lost: not terminal, nothing scheduled to move it, and quiet for longer than the grace period. An
 * order the caller requested but the order service never recorded is lost once the grace period is over.
 */
export function standingOf(o: OrderRecord, now: number, graceMs: number): Standing {
  if (o.order && o.order.state.status !== 'pending') return 'terminal';
  if (o.parkedRetries > 0) return 'stuck';
  if (o.pendingRetries > 0) return 'in-flight';
  const last = lastActivity(o);
  if (last !== undefined && now - last < graceMs) return 'in-flight';
  return 'lost';
}

/** captured − refunded = amount when shipped, 0 otherwise. Only judged once the order is terminal. */
export function moneyProblems(o: OrderRecord): string[] {
  const state = o.order?.state;
  if (!state || state.status === 'pending') return [];
  const captured = o.payment?.ledger.captured ?? 0;
  const refunded = o.payment?.ledger.refunded ?? 0;
  const net = captured - refunded;
  const expected = state.status === 'shipped' ? state.order.amount : 0;
  if (net === expected) return [];
  return [
    `${o.orderId}: ${state.status} but captured ${captured} − refunded ${refunded} = ${net}, expected ${expected}`,
  ];
}

/** A cancelled (or rejected) order has no parcel on its way; a shipped one has exactly the one it reports. */
export function shipmentProblems(o: OrderRecord): string[] {
  const state = o.order?.state;
  if (!state) return [];
  const shipped = o.shipment?.status === 'shipped';
  if ((state.status === 'cancelled' || state.status === 'rejected') && shipped)
    return [
      `${o.orderId}: ${state.status} but shipment ${o.shipment?.status === 'shipped' ? o.shipment.shipmentId : ''} exists`,
    ];
  if (state.status === 'shipped' && !shipped)
    return [
      `${o.orderId}: shipped but the shipping service has no shipment (${o.shipment?.status ?? 'none'})`,
    ];
  return [];
}

function duplicates<T>(items: readonly T[]): T[] {
  const seen = new Set<T>();
  const dup = new Set<T>();
  for (const i of items) (seen.has(i) ? dup : seen).add(i);
  return [...dup];
}

/** Effects done at most once: as the ledger shows the money, and as the order's timeline shows every step. */
export function effectProblems(o: OrderRecord): string[] {
  const problems: string[] = [];
  const ledger = o.payment?.ledger;
  const amount = o.order && 'order' in o.order.state ? o.order.state.order.amount : undefined;
  if (ledger) {
    if (amount !== undefined && ledger.authorized > amount)
      problems.push(`${o.orderId}: authorized ${ledger.authorized} > amount ${amount}`);
    if (amount !== undefined && ledger.captured > amount)
      problems.push(`${o.orderId}: captured ${ledger.captured} > amount ${amount}`);
    if (ledger.refunded > ledger.captured)
      problems.push(`${o.orderId}: refunded ${ledger.refunded} > captured ${ledger.captured}`);
  }
  const timeline = o.order?.timeline ?? [];
  const dupIds = duplicates(timeline.map((t) => t.eventId));
  if (dupIds.length > 0) problems.push(`${o.orderId}: timeline repeats eventId(s) ${dupIds.join(', ')}`);
  for (const type of [...TERMINAL_EVENTS, ...EFFECT_EVENTS]) {
    // Distinct eventIds: a redelivery replays the same eventId; a second id means the step was decided twice.
    const ids = new Set(timeline.filter((t) => t.type === type).map((t) => t.eventId));
    if (ids.size > 1) problems.push(`${o.orderId}: ${ids.size} × ${type} (${[...ids].join(', ')})`);
  }
  return problems;
}

const STATUS_OF_END: Partial<Record<EventType, string>> = {
  OrderShipped: 'shipped',
  OrderCancelled: 'cancelled',
  OrderRejected: 'rejected',
};

/**
 * No order moved backwards: after its first terminal event the timeline holds only entries marked ignored or the
 * informational late reports; the state agrees with that first terminal event.
 */
export function backwardsProblems(o: OrderRecord): string[] {
  if (!o.order) return [];
  const { state, timeline } = o.order;
  const end = timeline.findIndex((t) => TERMINAL_EVENTS.has(t.type));
  if (end < 0) {
    return state.status === 'pending'
      ? []
      : [`${o.orderId}: ${state.status} without a terminal event on its timeline`];
  }
  const problems: string[] = [];
  const first = timeline[end]!;
  if (STATUS_OF_END[first.type] !== state.status)
    problems.push(`${o.orderId}: timeline ended with ${first.type} but the state is ${state.status}`);
  const after: TimelineEntry[] = timeline.slice(end + 1);
  for (const t of after) {
    if (t.ignored !== undefined || INFORMATIONAL_AFTER_END.has(t.type)) continue;
    problems.push(`${o.orderId}: ${t.type} (${t.eventId}) acted on after ${first.type}`);
  }
  return problems;
}

/** A live reservation on a cancelled order is stock nobody will ever ship or release. */
export function reservationProblems(o: OrderRecord): string[] {
  const state = o.order?.state;
  if (state?.status === 'cancelled' && o.reservation?.status === 'reserved')
    return [`${o.orderId}: cancelled but ${o.reservation.quantity} × ${o.reservation.sku} still reserved`];
  return [];
}

/**
 * Per SKU: never negative; with a known initial count, initial = available + reserved and the reserved units are
 * exactly the live reservations of the audited orders (the caller then owns the SKU: nobody else orders it).
 */
export function skuProblems(s: SkuRecord, orders: readonly OrderRecord[]): string[] {
  if (!s.level) return [];
  const { available, reserved } = s.level;
  const problems: string[] = [];
  if (available < 0) problems.push(`${s.sku}: available ${available} < 0`);
  if (reserved < 0) problems.push(`${s.sku}: reserved ${reserved} < 0`);
  if (s.initial !== undefined) {
    if (available + reserved !== s.initial)
      problems.push(`${s.sku}: available ${available} + reserved ${reserved} ≠ initial ${s.initial}`);
    const live = orders
      .filter((o) => o.reservation?.status === 'reserved' && o.reservation.sku === s.sku)
      .reduce((sum, o) => sum + (o.reservation?.quantity ?? 0), 0);
    if (live !== reserved) problems.push(`${s.sku}: reserved ${reserved} ≠ live reservations ${live}`);
  }
  return problems;
}
