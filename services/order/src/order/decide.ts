import { causedBy, type Clock, type IdGenerator, type SagaEvent } from '@saga/contracts';
import { evolve, type OrderState } from './state.js';
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
  if (state.status !== 'pending') return ignoredBecause(`order already ${state.status}`, true);
  switch (command.kind) {
    case 'RecordProgress':
      return { kind: 'emit', events: [] };
    case 'MarkShipped':
      return emit({
        type: 'OrderShipped',
        metadata: meta(command.event),
        trackingNumber: command.event.trackingNumber,
      });
    case 'CancelOrder': {
      // Compensations come from everything seen so far plus this last event (folded in first).
      const seen = evolve(state, command.event);
      const compensations = seen?.status === 'pending' ? seen.progress.compensations : [];
      return emit({
        type: 'OrderCancelled',
        metadata: meta(command.event),
        failure: command.event.failure,
        compensations,
      });
    }
    default: {
      const unreachable: never = command;
      return unreachable;
    }
  }
}

/** Whether an OrderRequested can even be stored: an invalid orderId cannot name an aggregate. */
export function hasUsableOrderId(event: SagaEvent): boolean {
  return isValidOrderId(event.metadata.orderId);
}

const emit = (...events: SagaEvent[]): Decision => ({ kind: 'emit', events });
const ignoredBecause = (reason: string, late: boolean): Decision => ({ kind: 'ignored', reason, late });
