import type { SagaEvent } from '@saga/contracts';
import type { ReservationCommand } from './decide.js';

export type ReactionCommand = Extract<ReservationCommand, { kind: 'ReserveItem' | 'ReleaseItem' }>;

/** Which inventory command an event asks for; undefined for events inventory does not act on. */
export function reactTo(event: SagaEvent): ReactionCommand | undefined {
  switch (event.type) {
    case 'PaymentAuthorized':
      return { kind: 'ReserveItem', cause: event };
    case 'PaymentCaptureFailed':
    case 'PaymentRefunded':
      return { kind: 'ReleaseItem', cause: event };
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
    case 'PaymentCaptured':
    case 'ShipmentCreated':
    case 'ShipmentFailed':
      return undefined;
    default: {
      const unreachable: never = event;
      return unreachable;
    }
  }
}

/** The event types `reactTo` answers, for the runtime to skip everything else before decoding. */
export const CONSUMED = new Set(['PaymentAuthorized', 'PaymentCaptureFailed', 'PaymentRefunded'] as const);

/** The SKU whose stock (and hash slot) a command touches. */
export function skuOf(command: ReservationCommand): string {
  return command.kind === 'ReleaseItem' ? command.cause.sku : command.cause.order.sku;
}
