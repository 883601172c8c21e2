import type { SagaEvent } from '@saga/contracts';
import { decide, type DecideDeps } from './decide.js';
import { inputOf, react } from './reactions.js';
import { evolve, type OrderState } from './state.js';
import { appendEntries, timelineEntry, type TimelineEntry } from './timeline.js';

/** What is kept per order: its state and its history, written together in one compare-and-set. */
export interface StoredOrder {
  state: OrderState;
  timeline: TimelineEntry[];
}

export type OrderStepResult =
  | { kind: 'ignored'; reason: string }
  /** `ignored` set: nothing emitted and the state unchanged, but the late event was kept on the timeline. */
  | { kind: 'changed'; stored: StoredOrder; events: SagaEvent[]; ignored?: string };

/**
 * One input event against one stored order: react, decide, fold the input and the emitted events into the state,
 * and record all of them on the timeline. Pure; the handler runs it inside processOnce.
 */
export function orderStep(
  stored: StoredOrder | undefined,
  input: SagaEvent,
  deps: DecideDeps,
): OrderStepResult {
  const command = react(input);
  if (!command) return { kind: 'ignored', reason: `${input.type} is not consumed by the order service` };
  if (stored?.timeline.some((e) => e.eventId === input.metadata.eventId)) {
    return { kind: 'ignored', reason: `${input.type} ${input.metadata.eventId} already on the timeline` };
  }
  const receivedAt = deps.clock.now();
  const decision = decide(command, stored?.state, deps);
  if (decision.kind === 'ignored') {
    if (!decision.late || !stored) return { kind: 'ignored', reason: decision.reason };
    if (stored.timeline.some((e) => e.eventId === input.metadata.eventId)) {
      return { kind: 'ignored', reason: `${decision.reason}; already on the timeline` };
    }
    const timeline = appendEntries(stored.timeline, [timelineEntry(input, receivedAt, decision.reason)]);
    return { kind: 'changed', stored: { ...stored, timeline }, events: [], ignored: decision.reason };
  }
  const seen = inputOf(command);
  let state = evolve(stored?.state, seen);
  for (const event of decision.events) state = evolve(state, event);
  if (!state) return { kind: 'ignored', reason: `${input.type} does not start an order` };
  const entries = [seen, ...decision.events].map((e) => timelineEntry(e, receivedAt));
  return {
    kind: 'changed',
    stored: { state, timeline: appendEntries(stored?.timeline ?? [], entries) },
    events: decision.events,
  };
}
