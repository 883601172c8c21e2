import type { FailureReason, ShipmentCreated, ShipmentFailed } from '@saga/contracts';

/** One order's shipment: decided once, either shipped or failed. */
export type ShipmentState =
  | { status: 'shipped'; shipmentId: string; trackingNumber: string; carrier: string; at: number }
  | { status: 'failed'; reason: FailureReason; at: number };

export type ShippingEvent = ShipmentCreated | ShipmentFailed;

export function evolve(_state: ShipmentState | undefined, event: ShippingEvent): ShipmentState {
  switch (event.type) {
    case 'ShipmentCreated':
      return {
        status: 'shipped',
        shipmentId: event.shipmentId,
        trackingNumber: event.trackingNumber,
        carrier: event.carrier,
        at: event.metadata.occurredAt,
      };
    case 'ShipmentFailed':
      return { status: 'failed', reason: event.failure.reason, at: event.metadata.occurredAt };
    default: {
      const unreachable: never = event;
      return unreachable;
    }
  }
}
