import { SagaError, type EventType, type SagaEvent } from '@saga/contracts';
import {
  emit,
  ignored,
  processOnce,
  type EventHandler,
  type ExhaustedOutcome,
  type HandlerContext,
  type HandlerOutcome,
  type ErrorInfo,
  type RedisStateStore,
  type ServiceDeps,
} from '@saga/messaging';
import type { Redis } from 'ioredis';
import {
  createOrderStore,
  encodeEntries,
  indexOrder,
  orderKey,
  type PersistedOrder,
} from './adapters/order-repository.js';
import { decide, hasUsableOrderId, type DecideDeps } from './order/decide.js';
import { orderStep } from './order/step.js';

export type OrderHandlerDeps = Pick<ServiceDeps, 'redis' | 'clock' | 'ids'> &
  Partial<Pick<ServiceDeps, 'retentionMs'>>;

export class OrderHandler implements EventHandler {
  readonly service = 'order' as const;
  private readonly store: RedisStateStore<PersistedOrder>;
  private readonly redis: Redis;

  constructor(
    readonly consumes: ReadonlySet<EventType>,
    private readonly deps: OrderHandlerDeps,
  ) {
    this.redis = deps.redis;
    this.store = createOrderStore(deps.redis, deps.retentionMs);
  }

  async handle(event: SagaEvent, ctx: HandlerContext): Promise<HandlerOutcome> {
    const decideDeps: DecideDeps = { clock: this.deps.clock, ids: this.deps.ids, attempt: ctx.attempt };
    if (event.type === 'OrderRequested' && !hasUsableOrderId(event)) {
      // An unusable orderId cannot name a Redis key, so there is nothing to store: reject statelessly. A
      // redelivery rejects again with a new eventId, which is harmless (no saga ever starts for it).
      const decision = decide({ kind: 'CreateOrder', request: event }, undefined, decideDeps);
      return decision.kind === 'emit' ? emit(...decision.events) : ignored(decision.reason);
    }
    let lateReason: string | undefined;
    const outcome = await processOnce(
      this.store,
      orderKey(event.metadata.orderId),
      event.metadata.eventId,
      (stored) => {
        const result = orderStep(stored, event, decideDeps);
        if (result.kind === 'ignored') return result;
        lateReason = result.ignored;
        return {
          kind: 'changed',
          // An order from before the timeline's own key keeps its old entries where readOrder finds them.
          state: stored?.timeline ? { ...result.stored, timeline: stored.timeline } : result.stored,
          events: result.events,
          append: encodeEntries(result.entries),
        };
      },
    );
    if (outcome.kind === 'ignored') return outcome;
    // Also on a replay: the index write may be what a crash interrupted.
    for (const e of outcome.events) {
      if (e.type === 'OrderCreated' || e.type === 'OrderRejected') {
        await indexOrder(this.redis, e.metadata.orderId, e.metadata.occurredAt, this.deps.retentionMs);
      }
    }
    if (lateReason !== undefined) return ignored(`${lateReason} (kept on the timeline)`);
    return outcome;
  }

  /**
   * The order service's only retriable failures are its own storage (Redis). It has no failure event to answer
   * with (an order must not be rejected or cancelled because Redis blinked, and the saga's end must not be lost),
   * so it tries once more and otherwise parks the event: retried slowly and by `saga order retry`.
   */
  async onRetriesExhausted(
    event: SagaEvent,
    error: ErrorInfo,
    ctx: HandlerContext,
  ): Promise<ExhaustedOutcome> {
    try {
      return await this.handle(event, ctx);
    } catch (err) {
      ctx.log.error(
        {
          err: err instanceof SagaError ? { code: err.code, message: err.message } : String(err),
          last: error,
        },
        'order step still failing after retries; parking',
      );
      return { kind: 'park' };
    }
  }
}
