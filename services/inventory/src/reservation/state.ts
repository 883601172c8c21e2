import type { FailureReason, ItemReleased, ItemReservationFailed, ItemReserved } from '@saga/contracts';

/**
 * One order's reservation of one SKU. `rejected` is kept (not just "no reservation") so a later compensation or a
 * duplicate authorization with a new eventId is recognised as a no-op rather than guessed at.
 */
export type ReservationState =
  | { status: 'reserved'; sku: string; quantity: number; reservationId: string; at: number }
  | { status: 'rejected'; sku: string; quantity: number; reason: FailureReason; at: number }
  | { status: 'released'; sku: string; quantity: number; reservationId: string; at: number };

export type InventoryEvent = ItemReserved | ItemReservationFailed | ItemReleased;

/** The state after `event`; pure, so the same fold serves the decider and the tests. */
export function evolve(
  state: ReservationState | undefined,
  event: InventoryEvent,
): ReservationState | undefined {
  switch (event.type) {
    case 'ItemReserved':
      return {
        status: 'reserved',
        sku: event.order.sku,
        quantity: event.order.quantity,
        reservationId: event.reservationId,
        at: event.metadata.occurredAt,
      };
    case 'ItemReservationFailed':
      return {
        status: 'rejected',
        sku: event.sku,
        quantity: event.quantity,
        reason: event.failure.reason,
        at: event.metadata.occurredAt,
      };
    case 'ItemReleased':
      // Only a live reservation can be released; anything else leaves the state as it was.
      if (state?.status !== 'reserved') return state;
      return { ...state, status: 'released', at: event.metadata.occurredAt };
    default: {
      const unreachable: never = event;
      return unreachable;
    }
  }
}
