import { causalOrder, type TimelineEntry } from '@saga/order-service';

/**
 * The saga's event types in causal order (each event after the one that caused it), leaving out entries the order
 * service ignored. The order service reads several topics, so arrival order may interleave; causality may not.
 */
export function causalSequence(timeline: readonly TimelineEntry[]): string[] {
  return causalOrder(timeline.filter((t) => !t.ignored)).map((t) => t.type);
}
