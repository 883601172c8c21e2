import type { SagaEvent } from '@saga/contracts';
import { decide, type DecideDeps } from './decide.js';
import { inputOf, react } from './reactions.js';
import { evolve, type OrderState } from './state.js';
import { newEntries, timelineEntry, type TimelineEntry } from './timeline.js';

/**
 * What a step needs of an order: its state and the ids of the events on its timeline. The timeline's entries are
 * only ever appended (the step returns its new ones), so the step never reads them back.
 */
export interface StoredOrder {
  state: OrderState;
  timelineIds: string[];
}

export type OrderStepResult =
  | { kind: 'ignored'; reason: string }
  /**
   * `entries`: what this step adds to the timeline, written with the state in one compare-and-set. `ignored` set:
   * nothing emitted and the state unchanged, but the late event was kept on the timeline.
   */
  | { kind: 'changed'; stored: StoredOrder; entries: TimelineEntry[]; events: SagaEvent[]; ignored?: string };

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
  if (stored?.timelineIds.includes(input.metadata.eventId)) {
    return { kind: 'ignored', reason: `${input.type} ${input.metadata.eventId} already on the timeline` };
  }
  const receivedAt = deps.clock.now();
  const decision = decide(command, stored?.state, deps);
  if (decision.kind === 'ignored') {
    if (!decision.late || !stored) return { kind: 'ignored', reason: decision.reason };
    const added = newEntries(stored.timelineIds, [timelineEntry(input, receivedAt, decision.reason)]);
    return {
      kind: 'changed',
      entries: added.entries,
      stored: { ...stored, timelineIds: added.timelineIds },
      events: [],
      ignored: decision.reason,
    };
  }
  const seen = inputOf(command);
  let state = evolve(stored?.state, seen);
  for (const event of decision.events) state = evolve(state, event);
  if (!state) return { kind: 'ignored', reason: `${input.type} does not start an order` };
  const added = newEntries(
    stored?.timelineIds ?? [],
    [seen, ...decision.events].map((e) => timelineEntry(e, receivedAt)),
  );
  return {
    kind: 'changed',
    entries: added.entries,
    stored: { state, timelineIds: added.timelineIds },
    events: decision.events,
  };
}
