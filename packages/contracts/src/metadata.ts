import type { EventMetadata } from './generated/events.js';

/** Time, injected: deciders never read the wall clock themselves. */
export interface Clock {
  now(): number;
}

/** Ids, injected, so tests can make them predictable. */
export interface IdGenerator {
  next(): string;
}

export interface CausationDeps {
  clock: Clock;
  ids: IdGenerator;
  producer: string;
  /** Attempt of the step that produced the event (1 = first try). */
  attempt?: number;
}

/** Metadata of an event caused by `cause`: same saga, same correlation, a fresh id. */
export function causedBy(cause: { metadata: EventMetadata }, deps: CausationDeps): EventMetadata {
  return {
    eventId: deps.ids.next(),
    orderId: cause.metadata.orderId,
    correlationId: cause.metadata.correlationId,
    causationId: cause.metadata.eventId,
    occurredAt: deps.clock.now(),
    producer: deps.producer,
    attempt: deps.attempt ?? 1,
  };
}
