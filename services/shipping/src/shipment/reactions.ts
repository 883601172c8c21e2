import type { SagaEvent } from '@saga/contracts';
import type { ShipmentCommand } from './decide.js';

/** Shipping acts on one event: a captured payment means "ship it". The carrier's answer completes the command. */
export type ShipOrder = {
  kind: 'ShipOrder';
  cause: Extract<ShipmentCommand, { kind: 'RecordBooking' }>['cause'];
};

export function reactTo(event: SagaEvent): ShipOrder | undefined {
  switch (event.type) {
    case 'PaymentCaptured':
      return { kind: 'ShipOrder', cause: event };
    // Listed one by one so a new event type is a compile error here until someone decides about it.
    case 'ItemReleased':
    case 'ItemReservationFailed':
    case 'ItemReserved':
    case 'OrderCancelled':
    case 'OrderCreated':
    case 'OrderRejected':
    case 'OrderRequested':
    case 'OrderShipped':
    case 'PaymentAuthorizationFailed':
    case 'PaymentAuthorizationReleased':
    case 'PaymentAuthorized':
    case 'PaymentCaptureFailed':
    case 'PaymentRefunded':
    case 'ShipmentCreated':
    case 'ShipmentFailed':
      return undefined;
    default: {
      const unreachable: never = event;
      return unreachable;
    }
  }
}

export const CONSUMED = new Set(['PaymentCaptured'] as const);
