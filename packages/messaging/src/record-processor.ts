import type { SagaEvent } from '@saga/contracts';
import { deadLetterRecord } from './dead-letter.js';
import { describeError, type ErrorInfo } from './errors.js';
import type { EventHandler, HandlerContext } from './handler.js';
import { lazyChild, type Logger } from './logger.js';
import { noMetrics, type MetricsHooks } from './metrics.js';
import { Headers, toOutboundRecords, type EventCodec, type OutboundRecord } from './publisher.js';
import { decideRetry, PARKED_RETRY_INTERVAL_MS } from './retry-policy.js';
import { retryItemId, type RawRecord, type RetryItem, type RetryStore } from './retry-store.js';
import { createTracing, type ConsumeSpan, type TraceContextHeaders, type Tracing } from './tracing.js';

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

export interface PendingLookup {
  checked: ReadonlySet<string>;
  pending: ReadonlySet<string>;
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
  metrics?: MetricsHooks;
  /** Default: the OpenTelemetry API as registered (a no-op that still passes `traceparent` through). */
  tracing?: Tracing;
  /**
   * Default: `codec.decode` of the record's bytes. Several services in one process share one decoding per record
   * (`decodeOnce`); handlers treat their input as read-only.
   */
  decode?: (raw: RawRecord) => Promise<SagaEvent>;
}

const decodeRecord = (codec: EventCodec, raw: RawRecord): Promise<SagaEvent> =>
  codec.decode(Buffer.from(raw.value, 'base64'));

/** A decoder that decodes each record object once, however many services of the process read it. */
export function decodeOnce(codec: EventCodec): (raw: RawRecord) => Promise<SagaEvent> {
  const decoded = new WeakMap<RawRecord, Promise<SagaEvent>>();
  return (raw) => {
    let event = decoded.get(raw);
    if (!event) decoded.set(raw, (event = decodeRecord(codec, raw)));
    return event;
  };
}

/**
 * One record, one decision: decode it, hand it to the service, and turn the result — or the failure — into what to
 * publish. Retriable failures become durable retry rows (never a blocked partition); non-retriable ones and
 * undecodable bytes become dead letters; the offset moves on in every case but a fault of the messaging path itself
 * (Kafka, Redis or the registry unreachable), which throws so the whole batch is retried uncommitted.
 */
export class RecordProcessor {
  private readonly now: () => number;
  private readonly metrics: MetricsHooks;
  private readonly tracing: Tracing;
  private readonly decode: (raw: RawRecord) => Promise<SagaEvent>;

  constructor(private readonly deps: RecordProcessorDeps) {
    this.now = deps.now ?? Date.now;
    this.metrics = deps.metrics ?? noMetrics;
    this.tracing = deps.tracing ?? createTracing();
    this.decode = deps.decode ?? ((raw) => decodeRecord(deps.codec, raw));
  }

  /**
   * `pending`: the retry ids the event processor already looked up for the whole batch (by the ids in the headers);
   * an input whose id was not looked up (no headers, or headers that disagree with the payload) is asked for here.
   */
  async process(raw: RawRecord, retry?: RetryItem, pending?: PendingLookup): Promise<Processed> {
    const { handler } = this.deps;
    const headerType = raw.headers[Headers.eventType];
    if (headerType && !handler.consumes.has(headerType as SagaEvent['type'])) {
      return { disposition: { kind: 'ignored', reason: `not consumed by ${handler.service}` }, outbound: [] };
    }
    let event: SagaEvent;
    try {
      event = await this.decode(raw);
    } catch (err) {
      const info = describeError(err);
      if (info.retriable) throw err;
      return this.deadLetter(raw, info);
    }
    if (!handler.consumes.has(event.type)) {
      return { disposition: { kind: 'ignored', reason: `not consumed by ${handler.service}` }, outbound: [] };
    }
    const attempt = retry?.attempt ?? 1;
    this.metrics.consumed(event.type);
    // A redelivery (offsets are committed every 200 ms, so a crash replays the last ones) of an input whose retry
    // is already scheduled must not run the side effect again beside it: the durable retry owns that input now.
    const id = retryItemId(event.metadata.orderId, event.metadata.eventId);
    const pendingHere = pending?.checked.has(id) ? pending.pending.has(id) : undefined;
    if (!retry && (pendingHere ?? (await this.deps.retries.isPending(id)))) {
      return {
        disposition: { kind: 'ignored', reason: 'a retry of this event is already pending' },
        outbound: [],
      };
    }
    // A retry's raw record is the original one, headers included: the retry continues the original trace.
    return this.tracing.consume(
      `${handler.service} process ${event.type}`,
      raw.headers,
      {
        orderId: event.metadata.orderId,
        eventId: event.metadata.eventId,
        attempt,
        'messaging.system': 'kafka',
        'messaging.destination.name': raw.topic,
        'messaging.kafka.offset': Number(raw.offset),
      },
      (span) => this.handle(raw, event, attempt, span, retry),
    );
  }

  private async handle(
    raw: RawRecord,
    event: SagaEvent,
    attempt: number,
    span: ConsumeSpan,
    retry: RetryItem | undefined,
  ): Promise<Processed> {
    const { handler } = this.deps;
    const log = lazyChild(this.deps.logger, {
      orderId: event.metadata.orderId,
      eventId: event.metadata.eventId,
      correlationId: event.metadata.correlationId,
      eventType: event.type,
      attempt,
      traceId: span.traceId,
    });
    const ctx: HandlerContext = { attempt, log };
    const started = performance.now();
    try {
      const outcome = await handler.handle(event, ctx);
      this.metrics.handled(event.type, (performance.now() - started) / 1000);
      if (outcome.kind === 'ignored') {
        log.info({ reason: outcome.reason }, 'ignored');
        return { disposition: outcome, outbound: [] };
      }
      return this.publish(outcome.events, span.outgoing);
    } catch (err) {
      this.metrics.handled(event.type, (performance.now() - started) / 1000);
      const info = describeError(err);
      span.fail(err, info.code);
      if (!info.retriable) {
        log.warn({ err: info }, 'non-retriable failure, dead-lettering');
        return this.deadLetter(raw, info);
      }
      return this.onRetriableFailure(raw, event, info, ctx, span, retry);
    }
  }

  private async onRetriableFailure(
    raw: RawRecord,
    event: SagaEvent,
    error: ErrorInfo,
    ctx: HandlerContext,
    span: ConsumeSpan,
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
      this.metrics.retryScheduled(decision.policy.name);
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
    return this.publish(exhausted.events, span.outgoing);
  }

  private async publish(events: SagaEvent[], trace: TraceContextHeaders): Promise<Processed> {
    const outbound = await toOutboundRecords(this.deps.codec, events, trace);
    return { disposition: { kind: 'published', events }, outbound };
  }

  /** The raw headers (trace context included) travel with the dead letter untouched. */
  private deadLetter(raw: RawRecord, error: ErrorInfo): Processed {
    this.metrics.deadLettered(error.code);
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
