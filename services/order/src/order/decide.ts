import {
  causedBy,
  type Clock,
  type EventType,
  type IdGenerator,
  type SagaEvent,
  type SagaStep,
} from '@saga/contracts';
import { evolve, type OrderState, type Progress } from './state.js';
import type { OrderCommand } from './reactions.js';
import { isValidOrderId, orderRequestInput, validateOrderRequest } from './validation.js';

export interface DecideDeps {
  clock: Clock;
  ids: IdGenerator;
  /** Attempt of the step being processed; stamped on emitted events. */
  attempt: number;
}

export type Decision =
  | { kind: 'emit'; events: SagaEvent[] }
  /** `late`: the order exists and is terminal, so the event is kept on its timeline as ignored. */
  | { kind: 'ignored'; reason: string; late: boolean };

const PRODUCER = 'order';

/** The order's decisions. Pure: time and ids come from `deps`. */
export function decide(command: OrderCommand, state: OrderState | undefined, deps: DecideDeps): Decision {
  const meta = (cause: SagaEvent) =>
    causedBy(cause, { clock: deps.clock, ids: deps.ids, producer: PRODUCER, attempt: deps.attempt });
  if (command.kind === 'CreateOrder') {
    const request = command.request;
    // The orderId is the client's idempotency key: a second request for it is one saga, whatever it contains.
    if (state) return ignoredBecause(`order already requested (status ${state.status})`, false);
    const errors = validateOrderRequest(orderRequestInput(request));
    if (errors.length > 0) return emit({ type: 'OrderRejected', metadata: meta(request), errors });
    const { customerId, sku, quantity, amount, currency, shippingAddress, paymentToken } = request;
    return emit({
      type: 'OrderCreated',
      metadata: meta(request),
      order: { customerId, sku, quantity, amount, currency, shippingAddress },
      paymentToken,
    });
  }
  if (!state) return ignoredBecause('unknown order', false);
  if (state.status !== 'pending') {
    // A step's report that arrives after the end (topics are read in parallel) is a fact for the timeline;
    // anything that would decide again is ignored and never moves the order backwards.
    if (command.kind === 'RecordProgress') return { kind: 'emit', events: [] };
    return ignoredBecause(`order already ${state.status}`, true);
  }
  switch (command.kind) {
    case 'RecordProgress':
    case 'CancelOrder': {
      // The order listens to several topics, so the last compensation may overtake an earlier one: it cancels
      // when every event of the unwinding chain for the failed step has been seen, in whatever order.
      const seen = evolve(state, command.event);
      if (seen?.status !== 'pending' || !seen.progress.failure) return { kind: 'emit', events: [] };
      if (!unwindingComplete(seen.progress, command)) return { kind: 'emit', events: [] };
      return emit({
        type: 'OrderCancelled',
        metadata: meta(command.event),
        failure: seen.progress.failure,
        compensations: seen.progress.compensations,
      });
    }
    case 'MarkShipped':
      return emit({
        type: 'OrderShipped',
        metadata: meta(command.event),
        trackingNumber: command.event.trackingNumber,
      });
    default: {
      const unreachable: never = command;
      return unreachable;
    }
  }
}

/** The events that end each unwinding path of the reference flow, by the step that failed. */
const UNWINDING: Record<SagaStep, readonly EventType[] | undefined> = {
  AUTHORIZE_PAYMENT: ['PaymentAuthorizationFailed'],
  RESERVE_ITEM: ['ItemReservationFailed', 'PaymentAuthorizationReleased'],
  CAPTURE_PAYMENT: ['PaymentCaptureFailed', 'ItemReleased'],
  SHIP_ORDER: ['ShipmentFailed', 'PaymentRefunded', 'ItemReleased'],
  CREATE_ORDER: undefined,
  UNKNOWN: undefined,
};

function unwindingComplete(progress: Progress, command: OrderCommand): boolean {
  const required = progress.failure ? UNWINDING[progress.failure.step] : undefined;
  // A step this order does not know (a newer producer): the path's last event decides, as the reference does.
  if (!required) return command.kind === 'CancelOrder';
  const seen = progress.seen ?? [];
  return required.every((t) => seen.includes(t));
}

/** Whether an OrderRequested can even be stored: an invalid orderId cannot name an aggregate. */
export function hasUsableOrderId(event: SagaEvent): boolean {
  return isValidOrderId(event.metadata.orderId);
}

const emit = (...events: SagaEvent[]): Decision => ({ kind: 'emit', events });
const ignoredBecause = (reason: string, late: boolean): Decision => ({ kind: 'ignored', reason, late });
