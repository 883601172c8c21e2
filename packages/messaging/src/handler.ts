import type { EventType, SagaEvent, ServiceName } from '@saga/contracts';
import type { Logger } from './logger.js';
import type { ErrorInfo } from './errors.js';

/** What a service did with one event. `emit` may carry no events (e.g. a timeline entry only). */
export type HandlerOutcome = { kind: 'emit'; events: SagaEvent[] } | { kind: 'ignored'; reason: string };

/** Retries of a step ran out: a forward step answers with its failure event, a compensation is parked. */
export type ExhaustedOutcome = HandlerOutcome | { kind: 'park' };

export interface HandlerContext {
  /** 1 for the first try, then 2, 3… across retries (kept durably with the retry schedule). */
  attempt: number;
  log: Logger;
}

/** The one thing a service plugs into the messaging runtime. */
export interface EventHandler {
  readonly service: ServiceName;
  /** Event types this service reacts to; other records on its topics are skipped before decoding. */
  readonly consumes: ReadonlySet<EventType>;
  handle(event: SagaEvent, ctx: HandlerContext): Promise<HandlerOutcome>;
  onRetriesExhausted(event: SagaEvent, error: ErrorInfo, ctx: HandlerContext): Promise<ExhaustedOutcome>;
}

export const emit = (...events: SagaEvent[]): HandlerOutcome => ({ kind: 'emit', events });
export const ignored = (reason: string): HandlerOutcome => ({ kind: 'ignored', reason });
