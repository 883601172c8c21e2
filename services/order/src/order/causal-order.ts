import type { TimelineEntry } from './timeline.js';

/**
 * The timeline in causal order: each event after the one that caused it, siblings by time. The order service reads
 * several topics in parallel, so arrival order can show an effect before its cause; causality cannot. Entries whose
 * cause is not on the timeline start their own branch, in time order.
 */
export function causalOrder(timeline: readonly TimelineEntry[]): TimelineEntry[] {
  const ids = new Set(timeline.map((t) => t.eventId));
  const children = new Map<string, TimelineEntry[]>();
  const roots: TimelineEntry[] = [];
  for (const t of timeline) {
    if (t.causationId && t.causationId !== t.eventId && ids.has(t.causationId)) {
      const list = children.get(t.causationId) ?? [];
      list.push(t);
      children.set(t.causationId, list);
    } else roots.push(t);
  }
  const byTime = (a: TimelineEntry, b: TimelineEntry) => a.occurredAt - b.occurredAt;
  const out: TimelineEntry[] = [];
  const seen = new Set<string>();
  const visit = (t: TimelineEntry) => {
    if (seen.has(t.eventId)) return;
    seen.add(t.eventId);
    out.push(t);
    for (const c of (children.get(t.eventId) ?? []).sort(byTime)) visit(c);
  };
  for (const r of roots.sort(byTime)) visit(r);
  return out;
}
