export interface TimelineLike {
  eventId: string;
  type: string;
  occurredAt: number;
  causationId?: string | null;
  ignored?: string | null;
}

/**
 * The saga's events in causal order (each event after the one that caused it), leaving out entries the order
 * service ignored. The order service reads several topics, so arrival order may interleave; causality may not.
 */
export function causalSequence(timeline: readonly TimelineLike[]): string[] {
  const live = timeline.filter((t) => !t.ignored);
  const ids = new Set(live.map((t) => t.eventId));
  const children = new Map<string, TimelineLike[]>();
  const roots: TimelineLike[] = [];
  for (const t of live) {
    if (t.causationId && ids.has(t.causationId)) {
      const list = children.get(t.causationId) ?? [];
      list.push(t);
      children.set(t.causationId, list);
    } else roots.push(t);
  }
  const out: string[] = [];
  const visit = (t: TimelineLike) => {
    out.push(t.type);
    for (const c of (children.get(t.eventId) ?? []).sort((a, b) => a.occurredAt - b.occurredAt)) visit(c);
  };
  for (const r of roots.sort((a, b) => a.occurredAt - b.occurredAt)) visit(r);
  return out;
}
