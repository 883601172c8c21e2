import { FailureReasons, type FailureReason, type SagaEvent } from '@saga/contracts';
import type { PaymentCommand } from './commands.js';

/** Which command an inbound event asks for; undefined when payment has nothing to do with it. */
export function commandFor(event: SagaEvent): PaymentCommand | undefined {
  switch (event.type) {
    case 'OrderCreated':
      return { type: 'AuthorizePayment', cause: event, results: {} };
    case 'ItemReservationFailed':
      return { type: 'ReleaseAuthorization', cause: event, results: {} };
    case 'ItemReserved':
      return { type: 'CapturePayment', cause: event, results: {} };
    case 'ShipmentFailed':
      return { type: 'RefundPayment', cause: event, results: {} };
    // Listed, not defaulted, so a new event type is a compile-time decision for payment.
    case 'ItemReleased':
    case 'OrderCancelled':
    case 'OrderRejected':
    case 'OrderRequested':
    case 'OrderShipped':
    case 'PaymentAuthorizationFailed':
    case 'PaymentAuthorizationReleased':
    case 'PaymentAuthorized':
    case 'PaymentCaptured':
    case 'PaymentCaptureFailed':
    case 'PaymentRefunded':
    case 'ShipmentCreated':
      return undefined;
    default:
      return assertNever(event);
  }
}

/** The failure reason recorded when a forward step's retries run out, from the last error's stable code. */
export function exhaustionReason(code: string): FailureReason {
  return code === 'GATEWAY_UNAVAILABLE'
    ? FailureReasons.GATEWAY_UNAVAILABLE
    : FailureReasons.INFRASTRUCTURE_FAILURE;
}

export type ExhaustionReaction = PaymentCommand | { type: 'park' } | undefined;

/**
 * When retries of an inbound event run out: forward steps (authorize, capture) answer with their failure event;
 * compensations (release, refund) are parked — never dropped — so an operator or the slow schedule finishes them.
 */
export function exhaustionCommandFor(
  event: SagaEvent,
  error: { code: string; message: string },
): ExhaustionReaction {
  const reason = exhaustionReason(error.code);
  switch (event.type) {
    case 'OrderCreated':
      return { type: 'FailAuthorization', cause: event, reason, message: error.message, results: {} };
    case 'ItemReserved':
      return { type: 'FailCapture', cause: event, reason, message: error.message, results: {} };
    case 'ItemReservationFailed':
    case 'ShipmentFailed':
      return { type: 'park' };
    case 'ItemReleased':
    case 'OrderCancelled':
    case 'OrderRejected':
    case 'OrderRequested':
    case 'OrderShipped':
    case 'PaymentAuthorizationFailed':
    case 'PaymentAuthorizationReleased':
    case 'PaymentAuthorized':
    case 'PaymentCaptured':
    case 'PaymentCaptureFailed':
    case 'PaymentRefunded':
    case 'ShipmentCreated':
      return undefined;
    default:
      return assertNever(event);
  }
}

function assertNever(value: never): never {
  throw new Error(`unexpected event ${JSON.stringify(value)}`);
}
