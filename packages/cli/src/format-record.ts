import type { SagaEvent } from '@saga/contracts';
import { DeadLetterHeaders } from '@saga/messaging';

/** Pure helpers for `saga tail` and `saga dlq`: record ids, dead-letter headers, the redrive plan, one-line text. */

/** Set on a redriven record (and carried into its next dead letter, which copies headers) as the loop guard. */
export const REDRIVE_COUNT_HEADER = 'saga-redrive-count';
/** A record that came back to the DLQ this many times is not redriven again: it needs a code or data fix. */
export const MAX_REDRIVES = 3;
/** DLQ record ids already redriven, so a second `dlq redrive` run does not publish the same record twice. */
export const REDRIVEN_SET_KEY = '{dlq}:redriven';

export interface RecordRef {
  topic: string;
  partition: number;
  offset: string;
}

export const recordId = (r: RecordRef): string => `${r.topic}:${r.partition}:${r.offset}`;

/** `dlq.order:3:17` → its parts; undefined when malformed (topics may contain dots, never colons). */
export function parseRecordId(id: string): RecordRef | undefined {
  const m = /^([A-Za-z0-9._-]+):(\d+):(\d+)$/.exec(id.trim());
  return m ? { topic: m[1]!, partition: Number(m[2]), offset: m[3]! } : undefined;
}

export interface DeadLetterInfo {
  originalTopic: string;
  originalPartition: number | undefined;
  originalOffset: string;
  errorCode: string;
  errorMessage: string;
  service: string;
  failedAt: string;
  redriveCount: number;
}

export function deadLetterInfo(headers: Record<string, string>): DeadLetterInfo {
  const partition = headers[DeadLetterHeaders.originalPartition];
  const count = Number(headers[REDRIVE_COUNT_HEADER] ?? '0');
  return {
    originalTopic: headers[DeadLetterHeaders.originalTopic] ?? '?',
    originalPartition: partition === undefined || partition === '' ? undefined : Number(partition),
    originalOffset: headers[DeadLetterHeaders.originalOffset] ?? '?',
    errorCode: headers[DeadLetterHeaders.errorCode] ?? 'UNKNOWN',
    errorMessage: headers[DeadLetterHeaders.errorMessage] ?? '',
    service: headers[DeadLetterHeaders.service] ?? '?',
    failedAt: headers[DeadLetterHeaders.failedAt] ?? '?',
    redriveCount: Number.isSafeInteger(count) && count > 0 ? count : 0,
  };
}

/** The headers a redriven record goes back with: the original ones, the count bumped, the DLQ's own ones dropped. */
export function redriveHeaders(headers: Record<string, string>): Record<string, string> {
  const dlq = new Set<string>(Object.values(DeadLetterHeaders));
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) if (!dlq.has(k)) out[k] = v;
  out[REDRIVE_COUNT_HEADER] = String(deadLetterInfo(headers).redriveCount + 1);
  return out;
}

export interface RedrivePlan<T> {
  redrive: T[];
  /** Already redriven by an earlier run (its id is in the redriven set). */
  done: T[];
  /** Loop guard: came back MAX_REDRIVES times or more. */
  refused: T[];
}

export function planRedrive<T extends { id: string; info: DeadLetterInfo }>(
  records: readonly T[],
  redriven: ReadonlySet<string>,
  maxRedrives = MAX_REDRIVES,
): RedrivePlan<T> {
  const plan: RedrivePlan<T> = { redrive: [], done: [], refused: [] };
  for (const r of records) {
    if (redriven.has(r.id)) plan.done.push(r);
    else if (r.info.redriveCount >= maxRedrives) plan.refused.push(r);
    else plan.redrive.push(r);
  }
  return plan;
}

export function dlqLine(id: string, info: DeadLetterInfo, redriven: boolean): string {
  const origin = `${info.originalTopic}:${info.originalPartition ?? '?'}:${info.originalOffset}`;
  return [
    id,
    `from ${origin}`,
    `failed ${info.failedAt}`,
    `${info.errorCode}: ${info.errorMessage}`,
    `redrives ${info.redriveCount}${redriven ? ' (redriven)' : ''}`,
  ].join('  ');
}

/** A short, token-free description of any saga event (the payment token is never printed). */
export function eventSummary(e: SagaEvent): string {
  switch (e.type) {
    case 'OrderRequested':
      return `${e.quantity} x ${e.sku}, ${e.amount} ${e.currency}, ship to ${e.shippingAddress.country}`;
    case 'OrderCreated':
      return `${e.order.quantity} x ${e.order.sku}, ${e.order.amount} ${e.order.currency}`;
    case 'OrderRejected':
      return e.errors.map((x) => `${x.field} ${x.code}`).join(', ');
    case 'OrderShipped':
      return `tracking ${e.trackingNumber}`;
    case 'OrderCancelled':
      return `${e.failure.step} ${e.failure.reason}; compensations: ${e.compensations.join(', ') || 'none'}`;
    case 'PaymentAuthorized':
      return `authorization ${e.authorizationId}`;
    case 'PaymentCaptured':
      return `capture ${e.captureId}: ${e.amount} ${e.currency}`;
    case 'PaymentRefunded':
      return `refund ${e.refundId}: ${e.amount} ${e.currency} (${e.failure.reason})`;
    case 'PaymentAuthorizationReleased':
      return `authorization ${e.authorizationId} released (${e.failure.reason})`;
    case 'PaymentCaptureFailed':
      return `${e.failure.reason}${e.authorizationVoided ? ', authorization voided' : ''}`;
    case 'ItemReserved':
      return `${e.order.quantity} x ${e.order.sku}, reservation ${e.reservationId}`;
    case 'ItemReleased':
    case 'ItemReservationFailed':
      return `${e.quantity} x ${e.sku} (${e.failure.reason})`;
    case 'ShipmentCreated':
      return `${e.shipmentId} with ${e.carrier}, tracking ${e.trackingNumber}`;
    case 'PaymentAuthorizationFailed':
    case 'ShipmentFailed':
      return e.failure.reason;
    default: {
      const unreachable: never = e;
      return String(unreachable);
    }
  }
}

export interface TailView {
  timestamp: number;
  topic: string;
  type: string;
  orderId: string;
  eventId: string;
  summary: string;
}

/** `14:03:12.345  payments  PaymentAuthorized  ord-1  1a2b3c4d  authorization auth-1`. */
export function tailLine(v: TailView): string {
  const time = new Date(v.timestamp).toISOString().slice(11, 23);
  return [
    time,
    v.topic.padEnd(14),
    v.type.padEnd(28),
    v.orderId,
    v.eventId.slice(0, 8) || '-',
    v.summary,
  ].join('  ');
}
