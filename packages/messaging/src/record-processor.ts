import type { SagaEvent } from '@saga/contracts';
import { deadLetterRecord } from './dead-letter.js';
import { describeError, type ErrorInfo } from './errors.js';
import type { EventHandler, HandlerContext } from './handler.js';
import type { Logger } from './logger.js';
import { Headers, toOutboundRecords, type EventCodec, type OutboundRecord } from './publisher.js';
import { decideRetry, PARKED_RETRY_INTERVAL_MS } from './retry-policy.js';
import { retryItemId, type RawRecord, type RetryItem, type RetryStore } from './retry-store.js';

export type Disposition =
  | { kind: 'published'; events: SagaEvent[] }
  | { kind: 'ignored'; reason: string }
  | { kind: 'dead-lettered'; error: ErrorInfo }
  | { kind: 'retry-scheduled'; item: RetryItem }
  | { kind: 'parked'; item: RetryItem };

export interface Processed {
  disposition: Disposition;
  /** Records to send before the input counts as done (its offset committed, its retry row removed). */
  outbound: OutboundRecord[];
}

export interface RecordProcessorDeps {
  handler: EventHandler;
  codec: EventCodec;
  retries: RetryStore;
  logger: Logger;
  timeScale: number;
  now?: () => number;
  /** Lets the retry loop wake up early when a retry is scheduled sooner than it planned to look. */
  onScheduled?: (dueAt: number) => void;
}

/**
 * One record, one decision: decode it, hand it to the service, and turn the result — or the failure — into what to
 * publish. Retriable failures become durable retry rows (never a blocked partition); non-retriable ones and
 * undecodable bytes become dead letters; the offset moves on in every case but a fault of the messaging path itself
 * (Kafka, Redis or the registry unreachable), which throws so the whole batch is retried uncommitted.
 */
export class RecordProcessor {
  private readonly now: () => number;

  constructor(private readonly deps: RecordProcessorDeps) {
    this.now = deps.now ?? Date.now;
  }

  async process(raw: RawRecord, retry?: RetryItem): Promise<Processed> {
    const { handler, codec } = this.deps;
    const headerType = raw.headers[Headers.eventType];
    if (headerType && !handler.consumes.has(headerType as SagaEvent['type'])) {
      return { disposition: { kind: 'ignored', reason: `not consumed by ${handler.service}` }, outbound: [] };
    }
    let event: SagaEvent;
    try {
      event = await codec.decode(Buffer.from(raw.value, 'base64'));
    } catch (err) {
      const info = describeError(err);
      if (info.retriable) throw err;
      return this.deadLetter(raw, info);
    }
    if (!handler.consumes.has(event.type)) {
      return { disposition: { kind: 'ignored', reason: `not consumed by ${handler.service}` }, outbound: [] };
    }
    const attempt = retry?.attempt ?? 1;
    const log = this.deps.logger.child({
      orderId: event.metadata.orderId,
      eventId: event.metadata.eventId,
      correlationId: event.metadata.correlationId,
      eventType: event.type,
      attempt,
    });
    const ctx: HandlerContext = { attempt, log };
    try {
      const outcome = await handler.handle(event, ctx);
      if (outcome.kind === 'ignored') {
        log.info({ reason: outcome.reason }, 'ignored');
        return { disposition: outcome, outbound: [] };
      }
      return this.publish(outcome.events);
    } catch (err) {
      const info = describeError(err);
      if (!info.retriable) {
        log.warn({ err: info }, 'non-retriable failure, dead-lettering');
        return this.deadLetter(raw, info);
      }
      return this.onRetriableFailure(raw, event, info, ctx, retry);
    }
  }

  private async onRetriableFailure(
    raw: RawRecord,
    event: SagaEvent,
    error: ErrorInfo,
    ctx: HandlerContext,
    retry: RetryItem | undefined,
  ): Promise<Processed> {
    const { retries, timeScale, handler } = this.deps;
    const now = this.now();
    const decision = decideRetry(error.code, ctx.attempt, timeScale);
    const base: RetryItem = retry ?? {
      id: retryItemId(event.metadata.orderId, event.metadata.eventId),
      service: handler.service,
      orderId: event.metadata.orderId,
      eventId: event.metadata.eventId,
      eventType: event.type,
      attempt: 1,
      policy: decision.policy.name,
      lastError: error,
      firstFailedAt: now,
      dueAt: now,
      parked: false,
      record: raw,
    };
    if (decision.kind === 'retry') {
      const item: RetryItem = {
        ...base,
        attempt: ctx.attempt + 1,
        lastError: error,
        dueAt: now + decision.delayMs,
      };
      ctx.log.warn({ err: error, nextAttempt: item.attempt, delayMs: decision.delayMs }, 'retry scheduled');
      if (retry) await retries.reschedule(item);
      else if (!(await retries.scheduleFirst(item))) {
        return {
          disposition: { kind: 'ignored', reason: 'a retry of this event is already pending' },
          outbound: [],
        };
      }
      this.deps.onScheduled?.(item.dueAt);
      return { disposition: { kind: 'retry-scheduled', item }, outbound: [] };
    }
    const exhausted = await handler.onRetriesExhausted(event, error, ctx);
    if (exhausted.kind === 'park') {
      const item: RetryItem = {
        ...base,
        lastError: error,
        parked: true,
        parkedAt: base.parkedAt ?? now,
        dueAt: now + Math.round(PARKED_RETRY_INTERVAL_MS * timeScale),
      };
      ctx.log.error(
        { err: error, attempts: ctx.attempt },
        'compensation retries exhausted: saga parked as stuck',
      );
      await retries.park(item);
      return { disposition: { kind: 'parked', item }, outbound: [] };
    }
    ctx.log.warn({ err: error, attempts: ctx.attempt }, 'retries exhausted');
    if (exhausted.kind === 'ignored') return { disposition: exhausted, outbound: [] };
    return this.publish(exhausted.events);
  }

  private async publish(events: SagaEvent[]): Promise<Processed> {
    const outbound = await toOutboundRecords(this.deps.codec, events);
    return { disposition: { kind: 'published', events }, outbound };
  }

  private deadLetter(raw: RawRecord, error: ErrorInfo): Processed {
    this.deps.logger.warn(
      { topic: raw.topic, partition: raw.partition, offset: raw.offset, err: error },
      'dead-lettered',
    );
    return {
      disposition: { kind: 'dead-lettered', error },
      outbound: [deadLetterRecord(this.deps.handler.service, raw, error, this.now())],
    };
  }
}
