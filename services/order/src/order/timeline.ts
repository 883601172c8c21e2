import type { EventType, SagaEvent } from '@saga/contracts';

/** One line of an order's history: every event seen for it, and every event it emitted, once each. */
export interface TimelineEntry {
  eventId: string;
  /** The event that caused this one: the timeline can be read in causal order across topics. */
  causationId: string | null;
  type: EventType;
  producer: string;
  occurredAt: number;
  attempt: number;
  /** When the order service recorded it (for its own events: when it decided them). */
  receivedAt: number;
  summary: string;
  /** Why it changed nothing, when it arrived too late (after a terminal state). */
  ignored?: string;
}

/** A short human line per event. Never includes the payment token. */
export function summarize(event: SagaEvent): string {
  switch (event.type) {
    case 'OrderRequested':
      return `requested ${event.quantity} x ${event.sku} for ${event.amount} ${event.currency} by ${event.customerId}`;
    case 'OrderCreated':
      return `order created (pending): ${event.order.quantity} x ${event.order.sku}`;
    case 'OrderRejected':
      return `order rejected: ${event.errors.map((e) => `${e.field} ${e.code}`).join(', ')}`;
    case 'OrderShipped':
      return `order shipped, tracking ${event.trackingNumber}`;
    case 'OrderCancelled':
      return `order cancelled after ${event.failure.step} ${event.failure.reason}; compensations: ${
        event.compensations.join(', ') || 'none'
      }`;
    case 'PaymentAuthorized':
      return `payment authorized (${event.authorizationId})`;
    case 'PaymentAuthorizationFailed':
      return `payment authorization failed: ${event.failure.reason}`;
    case 'PaymentAuthorizationReleased':
      return `authorization ${event.authorizationId} released`;
    case 'PaymentCaptured':
      return `payment captured (${event.captureId}): ${event.amount} ${event.currency}`;
    case 'PaymentCaptureFailed':
      return `payment capture failed: ${event.failure.reason}${event.authorizationVoided ? ', authorization voided' : ''}`;
    case 'PaymentRefunded':
      return `payment refunded (${event.refundId}): ${event.amount} ${event.currency}`;
    case 'ItemReserved':
      return `item reserved (${event.reservationId})`;
    case 'ItemReservationFailed':
      return `item reservation failed: ${event.failure.reason}`;
    case 'ItemReleased':
      return `item released: ${event.quantity} x ${event.sku}`;
    case 'ShipmentCreated':
      return `shipment ${event.shipmentId} created with ${event.carrier}, tracking ${event.trackingNumber}`;
    case 'ShipmentFailed':
      return `shipment failed: ${event.failure.reason}`;
    default: {
      const unreachable: never = event;
      return unreachable;
    }
  }
}

export function timelineEntry(event: SagaEvent, receivedAt: number, ignored?: string): TimelineEntry {
  const { eventId, causationId, producer, occurredAt, attempt } = event.metadata;
  return {
    eventId,
    causationId,
    type: event.type,
    producer,
    occurredAt,
    attempt,
    receivedAt,
    summary: summarize(event),
    ...(ignored !== undefined ? { ignored } : {}),
  };
}

/**
 * The candidates not on the timeline yet, in arrival order (a redelivery is one entry, not two), and the timeline's
 * ids once they are appended.
 */
export function newEntries(
  timelineIds: readonly string[],
  candidates: readonly TimelineEntry[],
): { entries: TimelineEntry[]; timelineIds: string[] } {
  const seen = new Set(timelineIds);
  const entries: TimelineEntry[] = [];
  for (const entry of candidates) {
    if (seen.has(entry.eventId)) continue;
    seen.add(entry.eventId);
    entries.push(entry);
  }
  return { entries, timelineIds: [...timelineIds, ...entries.map((e) => e.eventId)] };
}
