import { causalOrder, type TimelineEntry } from '@saga/order-service';

/**
 * The saga's event types in causal order (each event after the one that caused it), leaving out entries the order
 * service ignored. The order service reads several topics, so arrival order may interleave; causality may not.
 */
export function causalSequence(timeline: readonly TimelineEntry[]): string[] {
  return causalOrder(timeline.filter((t) => !t.ignored)).map((t) => t.type);
}

/**
 * Every entry's cause is on the timeline too. The order service reads each step's topic on its own, so it can reach
 * a terminal state (ShipmentCreated → shipped) before an earlier step's report (PaymentCaptured) arrives; the
 * order consumes every event of its saga, so a cause missing from the timeline is one still on its way.
 */
export function causallyClosed(timeline: readonly TimelineEntry[]): boolean {
  const ids = new Set(timeline.map((t) => t.eventId));
  return timeline.every((t) => !t.causationId || t.causationId === t.eventId || ids.has(t.causationId));
}
