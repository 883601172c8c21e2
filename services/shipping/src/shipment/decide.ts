import {
  causedBy,
  SagaSteps,
  FailureReasons,
  type Clock,
  type FailureReason,
  type IdGenerator,
  type PaymentCaptured,
  type ShipmentCreated,
  type ShipmentFailed,
} from '@saga/contracts';
import type { CarrierBooking, ShipmentRequest } from './carrier.js';
import { evolve, type ShipmentState, type ShippingEvent } from './state.js';

export const PRODUCER = 'shipping';

export type ShipmentCommand =
  /** The carrier answered for this order. */
  | { kind: 'RecordBooking'; cause: PaymentCaptured; booking: CarrierBooking }
  /** Retries of the ship step ran out. */
  | { kind: 'FailShipment'; cause: PaymentCaptured; reason: FailureReason; message: string };

export interface DecideDeps {
  clock: Clock;
  ids: IdGenerator;
  attempt: number;
}

export type Decision =
  { kind: 'ignored'; reason: string } | { kind: 'changed'; state: ShipmentState; events: ShippingEvent[] };

/** Why an order needs no (further) carrier call, or undefined when it does. Checked before calling the carrier. */
export function alreadyDecided(state: ShipmentState | undefined): string | undefined {
  return state ? `shipment already ${state.status}` : undefined;
}

export function shipmentRequestOf(cause: PaymentCaptured): ShipmentRequest {
  const { sku, quantity, shippingAddress } = cause.order;
  return { orderId: cause.metadata.orderId, sku, quantity, address: shippingAddress };
}

export function decide(
  command: ShipmentCommand,
  state: ShipmentState | undefined,
  deps: DecideDeps,
): Decision {
  const done = alreadyDecided(state);
  if (done) return { kind: 'ignored', reason: done };
  const metadata = causedBy(command.cause, { ...deps, producer: PRODUCER });
  switch (command.kind) {
    case 'RecordBooking': {
      const { booking } = command;
      switch (booking.kind) {
        case 'booked': {
          const created: ShipmentCreated = {
            type: 'ShipmentCreated',
            metadata,
            shipmentId: booking.shipmentId,
            trackingNumber: booking.trackingNumber,
            carrier: booking.carrier,
          };
          return changed(state, created);
        }
        case 'undeliverable':
          return changed(state, failed(metadata, FailureReasons.UNDELIVERABLE_DESTINATION, booking.message));
        default: {
          const unreachable: never = booking;
          return unreachable;
        }
      }
    }
    case 'FailShipment':
      return changed(state, failed(metadata, command.reason, command.message));
    default: {
      const unreachable: never = command;
      return unreachable;
    }
  }
}

/** The failure reason when retries run out: the carrier's own code, anything else is infrastructure. */
export function exhaustedReason(errorCode: string): FailureReason {
  return errorCode === 'CARRIER_UNAVAILABLE'
    ? FailureReasons.CARRIER_UNAVAILABLE
    : FailureReasons.INFRASTRUCTURE_FAILURE;
}

function failed(
  metadata: ShipmentFailed['metadata'],
  reason: FailureReason,
  message: string,
): ShipmentFailed {
  return { type: 'ShipmentFailed', metadata, failure: { step: SagaSteps.SHIP_ORDER, reason, message } };
}

function changed(state: ShipmentState | undefined, event: ShippingEvent): Decision {
  return { kind: 'changed', state: evolve(state, event), events: [event] };
}
