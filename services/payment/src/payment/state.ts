import type {
  Failure,
  OrderDetails,
  PaymentAuthorizationFailed,
  PaymentAuthorizationReleased,
  PaymentAuthorized,
  PaymentCaptured,
  PaymentCaptureFailed,
  PaymentRefunded,
} from '@saga/contracts';

/** Events the payment aggregate emits; its state is the fold of them (see evolve). */
export type PaymentEvent =
  | PaymentAuthorized
  | PaymentAuthorizationFailed
  | PaymentAuthorizationReleased
  | PaymentCaptured
  | PaymentCaptureFailed
  | PaymentRefunded;

/** Money moved for one order, in minor units. Amounts only ever grow: the ledger never moves backwards. */
export interface Ledger {
  currency: string;
  authorized: number;
  captured: number;
  voided: number;
  refunded: number;
  authorizationId: string | null;
  captureId: string | null;
  refundId: string | null;
}

/** Every state after a successful authorization knows the order and the gateway's authorization id. */
interface WithOrder {
  order: OrderDetails;
  authorizationId: string;
  ledger: Ledger;
}

export type PaymentState =
  | ({ status: 'authorized' } & WithOrder)
  | { status: 'authorizationFailed'; failure: Failure; ledger: Ledger }
  | ({ status: 'released'; failure: Failure } & WithOrder)
  | ({ status: 'captured' } & WithOrder)
  | ({ status: 'captureFailed'; failure: Failure; authorizationVoided: boolean } & WithOrder)
  | ({ status: 'refunded'; failure: Failure } & WithOrder);

export type PaymentStatus = PaymentState['status'];

export const emptyLedger = (currency: string): Ledger => ({
  currency,
  authorized: 0,
  captured: 0,
  voided: 0,
  refunded: 0,
  authorizationId: null,
  captureId: null,
  refundId: null,
});

/** Thrown only on a programming error: an event applied to a state it cannot follow. */
export class InvalidTransitionError extends Error {
  readonly code = 'PAYMENT_INVALID_TRANSITION';
  readonly retriable = false;
  constructor(status: PaymentStatus | 'none', eventType: string) {
    super(`cannot apply ${eventType} to payment state ${status}`);
    this.name = 'InvalidTransitionError';
  }
}

function requireOrder(state: PaymentState | undefined, eventType: string): WithOrder {
  if (!state || !('order' in state)) throw new InvalidTransitionError(state?.status ?? 'none', eventType);
  return state;
}

/** The state after `event`. Pure; the decider only emits events this accepts. */
export function evolve(state: PaymentState | undefined, event: PaymentEvent): PaymentState {
  switch (event.type) {
    case 'PaymentAuthorized': {
      if (state) throw new InvalidTransitionError(state.status, event.type);
      const { order } = event;
      const ledger = {
        ...emptyLedger(order.currency),
        authorized: order.amount,
        authorizationId: event.authorizationId,
      };
      return { status: 'authorized', order, authorizationId: event.authorizationId, ledger };
    }
    case 'PaymentAuthorizationFailed': {
      if (state) throw new InvalidTransitionError(state.status, event.type);
      return { status: 'authorizationFailed', failure: event.failure, ledger: emptyLedger('') };
    }
    case 'PaymentAuthorizationReleased': {
      const { order, authorizationId, ledger } = requireOrder(state, event.type);
      return {
        status: 'released',
        order,
        authorizationId,
        failure: event.failure,
        ledger: { ...ledger, voided: event.amount },
      };
    }
    case 'PaymentCaptured': {
      const { order, authorizationId, ledger } = requireOrder(state, event.type);
      return {
        status: 'captured',
        order,
        authorizationId,
        ledger: { ...ledger, captured: event.amount, captureId: event.captureId },
      };
    }
    case 'PaymentCaptureFailed': {
      const { order, authorizationId, ledger } = requireOrder(state, event.type);
      const voided = event.authorizationVoided ? ledger.authorized : ledger.voided;
      return {
        status: 'captureFailed',
        order,
        authorizationId,
        failure: event.failure,
        authorizationVoided: event.authorizationVoided,
        ledger: { ...ledger, voided },
      };
    }
    case 'PaymentRefunded': {
      const { order, authorizationId, ledger } = requireOrder(state, event.type);
      return {
        status: 'refunded',
        order,
        authorizationId,
        failure: event.failure,
        ledger: { ...ledger, refunded: event.amount, refundId: event.refundId },
      };
    }
    default: {
      const never: never = event;
      throw new Error(`unhandled payment event ${JSON.stringify(never)}`);
    }
  }
}
