import type { ValidationError } from '@saga/contracts';
import type { RetryItem } from '@saga/messaging';
import { causalOrder, type OrderState, type TimelineEntry } from '@saga/order-service';
import type { PaymentLedgerView } from '@saga/payment-service';
import type { ReservationState } from '@saga/inventory-service';
import type { ShipmentState } from '@saga/shipping-service';

/** Pure text for the order commands; every function here is unit-tested without a stack. */

/** `+0.123s` relative to the first event of the order, so a timeline reads the same whenever it is printed. */
export function offset(ms: number): string {
  return `+${(Math.max(0, ms) / 1000).toFixed(3)}s`;
}

/** One timeline line: `+0.123s  payment    PaymentAuthorized  attempt 1  payment authorized (auth-1)`. */
export function timelineLine(entry: TimelineEntry, startedAt: number): string {
  const parts = [
    offset(entry.occurredAt - startedAt).padStart(9),
    entry.producer.padEnd(9),
    entry.type.padEnd(28),
    `attempt ${entry.attempt}`,
    entry.summary,
  ];
  const line = parts.join('  ');
  return entry.ignored ? `${line}  (ignored: ${entry.ignored})` : line;
}

export function timelineLines(timeline: readonly TimelineEntry[]): string[] {
  const ordered = causalOrder(timeline);
  const start = ordered[0]?.occurredAt ?? 0;
  return ordered.map((e) => timelineLine(e, start));
}

/** What the order's terminal status means for the exit code of `order place --wait`. */
export function exitCodeOf(status: OrderState['status']): number | undefined {
  if (status === 'shipped') return 0;
  if (status === 'cancelled' || status === 'rejected') return 2;
  return undefined; // still pending
}

/** Validation fields named as the CLI flags that set them, so the user knows what to change. */
const FLAG_OF: Record<string, string> = {
  orderId: '--order-id',
  customerId: '--customer',
  sku: '--sku',
  quantity: '--quantity',
  amount: '--amount',
  currency: '--currency',
  paymentToken: '--card',
  shippingAddress: '--recipient/--line1/--city/--postal-code/--country',
  'shippingAddress.recipient': '--recipient',
  'shippingAddress.line1': '--line1',
  'shippingAddress.line2': '--line2',
  'shippingAddress.city': '--city',
  'shippingAddress.postalCode': '--postal-code',
  'shippingAddress.country': '--country',
};

export function validationLines(errors: readonly ValidationError[]): string[] {
  return errors.map((e) => `  ${FLAG_OF[e.field] ?? e.field}: ${e.message} (${e.code})`);
}

/** The reason an order ended the way it did, in one phrase. */
export function outcomeOf(state: OrderState): string {
  switch (state.status) {
    case 'shipped':
      return `tracking ${state.trackingNumber}`;
    case 'cancelled':
      return `${state.failure.step} ${state.failure.reason}`;
    case 'rejected':
      return state.errors.map((e) => `${e.field} ${e.code}`).join(', ');
    case 'pending':
      return state.progress.failure
        ? `unwinding after ${state.progress.failure.step} ${state.progress.failure.reason}`
        : '';
  }
}

export function listLine(state: OrderState, stuck: boolean): string {
  const what =
    state.status === 'rejected'
      ? '-'
      : `${state.order.quantity} x ${state.order.sku}, ${state.order.amount} ${state.order.currency}`;
  const status = stuck ? 'stuck' : state.status;
  return [new Date(state.createdAt).toISOString(), state.orderId, status.padEnd(9), what, outcomeOf(state)]
    .filter(Boolean)
    .join('  ');
}

export function retryLine(item: RetryItem, now: number): string {
  const when = item.parked
    ? `parked since ${new Date(item.parkedAt ?? item.firstFailedAt).toISOString()}`
    : `next attempt in ${Math.max(0, Math.round((item.dueAt - now) / 1000))}s`;
  return `${item.service}: ${item.eventType} attempt ${item.attempt} (${item.policy}), ${when}; last error ${item.lastError.code}: ${item.lastError.message}`;
}

/** A parked step in `order list --stuck`: stalest first, so the oldest problem is on top. */
export function stuckLine(item: RetryItem): string {
  const since = new Date(item.parkedAt ?? item.firstFailedAt).toISOString();
  return `${since}  ${item.orderId}  ${item.service.padEnd(9)}  ${item.eventType} attempt ${item.attempt}  ${item.lastError.code}: ${item.lastError.message}`;
}

export interface OrderReport {
  orderId: string;
  status: OrderState['status'] | 'stuck';
  state: OrderState;
  retries: RetryItem[];
  ledger: PaymentLedgerView | undefined;
  reservation: ReservationState | undefined;
  shipment: ShipmentState | undefined;
  timeline: TimelineEntry[];
}

/** `saga order show`, as text. */
export function reportLines(r: OrderReport, now: number): string[] {
  const s = r.state;
  const out = [`order ${r.orderId}: ${r.status}${r.status === 'stuck' ? ` (saga status ${s.status})` : ''}`];
  out.push(
    `  created ${new Date(s.createdAt).toISOString()}, updated ${new Date(s.updatedAt).toISOString()}`,
  );
  if (s.status !== 'rejected') {
    const o = s.order;
    out.push(`  order: ${o.quantity} x ${o.sku}, ${o.amount} ${o.currency}, customer ${o.customerId}`);
    const a = o.shippingAddress;
    out.push(
      `  ship to: ${[a.recipient, a.line1, a.line2, `${a.postalCode} ${a.city}`, a.country].filter(Boolean).join(', ')}`,
    );
  }
  if (s.status === 'rejected') {
    out.push('  rejected:');
    for (const e of s.errors) out.push(`    ${e.field}: ${e.message} (${e.code})`);
  }
  const failure =
    s.status === 'cancelled' ? s.failure : s.status === 'rejected' ? undefined : s.progress.failure;
  if (failure) out.push(`  failure: ${failure.step} ${failure.reason}: ${failure.message}`);
  const compensations =
    s.status === 'cancelled' ? s.compensations : s.status === 'rejected' ? [] : s.progress.compensations;
  if (s.status !== 'rejected') out.push(`  compensations: ${compensations.join(', ') || 'none'}`);
  if (s.status === 'shipped') out.push(`  tracking: ${s.trackingNumber}`);
  if (r.ledger) {
    const l = r.ledger.ledger;
    out.push(
      `  payment (${r.ledger.status}): authorized ${l.authorized}, captured ${l.captured}, voided ${l.voided}, refunded ${l.refunded} ${l.currency}`,
    );
  } else if (s.status !== 'rejected') out.push('  payment: not seen by the payment service');
  if (r.reservation) {
    const v = r.reservation;
    const effect =
      v.status === 'reserved'
        ? `-${v.quantity} held (${v.reservationId})`
        : v.status === 'released'
          ? `0 (${v.quantity} reserved, then released)`
          : `0 (rejected: ${v.reason})`;
    out.push(`  stock ${v.sku}: ${v.status}, effect ${effect}`);
  } else if (s.status !== 'rejected') out.push('  stock: no reservation');
  if (r.shipment) {
    const sh = r.shipment;
    out.push(
      sh.status === 'shipped'
        ? `  shipment: ${sh.shipmentId} with ${sh.carrier}, tracking ${sh.trackingNumber}`
        : `  shipment: failed (${sh.reason})`,
    );
  }
  if (r.retries.length) {
    out.push('  retries:');
    for (const item of r.retries) out.push(`    ${retryLine(item, now)}`);
  }
  out.push('  timeline:');
  for (const line of timelineLines(r.timeline)) out.push(`    ${line}`);
  return out;
}
