import type {
  ItemReleased,
  ItemReservationFailed,
  ItemReserved,
  OrderRequested,
  PaymentAuthorizationFailed,
  PaymentAuthorizationReleased,
  PaymentAuthorized,
  PaymentCaptureFailed,
  PaymentCaptured,
  PaymentRefunded,
  SagaEvent,
  ShipmentCreated,
  ShipmentFailed,
} from '@saga/contracts';

/** Events that only move the order along its timeline; another service reacts to them, not the order. */
export type ProgressEvent =
  | PaymentAuthorized
  | ItemReserved
  | PaymentCaptured
  | PaymentCaptureFailed
  | PaymentRefunded
  | ItemReservationFailed
  | ShipmentFailed;

/** The last event of each unwinding path: once it is seen, nothing else will happen for the order. */
export type CancellingEvent = PaymentAuthorizationFailed | PaymentAuthorizationReleased | ItemReleased;

export type OrderCommand =
  | { kind: 'CreateOrder'; request: OrderRequested }
  | { kind: 'RecordProgress'; event: ProgressEvent }
  | { kind: 'MarkShipped'; event: ShipmentCreated }
  | { kind: 'CancelOrder'; event: CancellingEvent };

/** Which command an incoming event means for the order; undefined for the order's own outputs (not consumed). */
export function react(event: SagaEvent): OrderCommand | undefined {
  switch (event.type) {
    case 'OrderRequested':
      return { kind: 'CreateOrder', request: event };
    case 'ShipmentCreated':
      return { kind: 'MarkShipped', event };
    case 'PaymentAuthorizationFailed':
    case 'PaymentAuthorizationReleased':
    case 'ItemReleased':
      return { kind: 'CancelOrder', event };
    case 'PaymentAuthorized':
    case 'ItemReserved':
    case 'PaymentCaptured':
    case 'PaymentCaptureFailed':
    case 'PaymentRefunded':
    case 'ItemReservationFailed':
    case 'ShipmentFailed':
      return { kind: 'RecordProgress', event };
    case 'OrderCreated':
    case 'OrderRejected':
    case 'OrderShipped':
    case 'OrderCancelled':
      return undefined;
    default: {
      const unreachable: never = event;
      return unreachable;
    }
  }
}

/** The event a command was made from (what goes on the timeline as "seen"). */
export function inputOf(command: OrderCommand): SagaEvent {
  return command.kind === 'CreateOrder' ? command.request : command.event;
}
