import {
  Compensations,
  type EventType,
  type Compensation,
  type Failure,
  type OrderDetails,
  type SagaEvent,
  type ValidationError,
} from '@saga/contracts';

/** What the saga has reported so far while the order is in flight (ids of completed steps, the first failure). */
export interface Progress {
  authorizationId?: string;
  reservationId?: string;
  captureId?: string;
  shipmentId?: string;
  /** The first failure reported by any step: the reason the order is being unwound. */
  failure?: Failure;
  /** Compensations reported done, in the order they were seen. */
  compensations: Compensation[];
  /** Types of the saga events seen while pending: the order cancels only once its unwinding chain is complete. */
  seen?: EventType[];
}

interface Common {
  orderId: string;
  /** When the order service accepted or rejected the request (epoch ms); the listing index score. */
  createdAt: number;
  updatedAt: number;
}

export type OrderState =
  | (Common & { status: 'pending'; order: OrderDetails; progress: Progress })
  | (Common & { status: 'shipped'; order: OrderDetails; progress: Progress; trackingNumber: string })
  | (Common & {
      status: 'cancelled';
      order: OrderDetails;
      progress: Progress;
      failure: Failure;
      compensations: Compensation[];
    })
  | (Common & { status: 'rejected'; errors: ValidationError[] });

export type OrderStatus = OrderState['status'];
export const ORDER_STATUSES: readonly OrderStatus[] = ['pending', 'shipped', 'cancelled', 'rejected'];

export function isTerminal(state: OrderState): boolean {
  return state.status !== 'pending';
}

/** Adds a compensation once, keeping the order in which they were reported. */
export function withCompensation(list: readonly Compensation[], c: Compensation): Compensation[] {
  return list.includes(c) ? [...list] : [...list, c];
}

/**
 * Folds one event (observed or emitted) into the order. Pure and total: events that do not apply to the current
 * status leave it unchanged, so a terminal order never moves backwards.
 */
export function evolve(state: OrderState | undefined, event: SagaEvent): OrderState | undefined {
  const at = event.metadata.occurredAt;
  if (state === undefined) {
    // Only the order's own first decision creates it; anything else for an unknown order changes nothing.
    if (event.type === 'OrderCreated') {
      const { orderId } = event.metadata;
      return {
        status: 'pending',
        orderId,
        createdAt: at,
        updatedAt: at,
        order: event.order,
        progress: { compensations: [] },
      };
    }
    if (event.type === 'OrderRejected') {
      return {
        status: 'rejected',
        orderId: event.metadata.orderId,
        createdAt: at,
        updatedAt: at,
        errors: event.errors,
      };
    }
    return undefined;
  }
  if (state.status !== 'pending') return state;
  const p = state.progress;
  const seen = p.seen?.includes(event.type) ? p.seen : [...(p.seen ?? []), event.type];
  const progressed = (progress: Progress): OrderState => ({
    ...state,
    updatedAt: at,
    progress: { ...progress, seen },
  });
  const failed = (failure: Failure, extra?: Compensation): OrderState =>
    progressed({
      ...p,
      failure: p.failure ?? failure,
      compensations: extra ? withCompensation(p.compensations, extra) : p.compensations,
    });
  switch (event.type) {
    case 'PaymentAuthorized':
      return progressed({ ...p, authorizationId: event.authorizationId });
    case 'ItemReserved':
      return progressed({ ...p, reservationId: event.reservationId });
    case 'PaymentCaptured':
      return progressed({ ...p, captureId: event.captureId });
    case 'ShipmentCreated':
      return progressed({ ...p, shipmentId: event.shipmentId });
    case 'PaymentAuthorizationFailed':
    case 'ItemReservationFailed':
    case 'ShipmentFailed':
      return failed(event.failure);
    case 'PaymentCaptureFailed':
      return failed(
        event.failure,
        event.authorizationVoided ? Compensations.AUTHORIZATION_VOIDED : undefined,
      );
    case 'PaymentAuthorizationReleased':
      return failed(event.failure, Compensations.AUTHORIZATION_RELEASED);
    case 'PaymentRefunded':
      return failed(event.failure, Compensations.PAYMENT_REFUNDED);
    case 'ItemReleased':
      return failed(event.failure, Compensations.ITEM_RELEASED);
    case 'OrderShipped':
      return { ...state, status: 'shipped', updatedAt: at, trackingNumber: event.trackingNumber };
    case 'OrderCancelled':
      return {
        ...state,
        status: 'cancelled',
        updatedAt: at,
        failure: event.failure,
        compensations: event.compensations,
      };
    case 'OrderRequested':
    case 'OrderCreated':
    case 'OrderRejected':
      // A second creation of a live order is decided away before it gets here.
      return state;
    default: {
      const unreachable: never = event;
      return unreachable;
    }
  }
}
