import type { EventMetadata, OrderDetails, PaymentCaptured } from '@saga/contracts';
import type { CarrierBooking } from './carrier.js';
import {
  alreadyDecided,
  decide,
  exhaustedReason,
  shipmentRequestOf,
  type Decision,
  type ShipmentCommand,
} from './decide.js';
import { evolve, type ShipmentState, type ShippingEvent } from './state.js';

const metadata: EventMetadata = {
  eventId: 'in-1',
  orderId: 'o-1',
  correlationId: 'c-1',
  causationId: 'e-0',
  occurredAt: 1,
  producer: 'payment',
  attempt: 1,
};
const order: OrderDetails = {
  customerId: 'cust',
  sku: 'SKU-APPLE',
  quantity: 3,
  amount: 900,
  currency: 'EUR',
  shippingAddress: { recipient: 'R', line1: 'L1', line2: null, city: 'C', postalCode: 'P', country: 'GB' },
};
const captured: PaymentCaptured = {
  type: 'PaymentCaptured',
  metadata,
  order,
  captureId: 'cap-1',
  amount: 900,
  currency: 'EUR',
};
const booked: CarrierBooking = {
  kind: 'booked',
  shipmentId: 'shp-1',
  trackingNumber: 'TRK1',
  carrier: 'SIMPOST',
};

function given(...history: ShippingEvent[]) {
  const state = history.reduce<ShipmentState | undefined>(evolve, undefined);
  return {
    when: (command: ShipmentCommand, attempt = 1): Decision => {
      let n = 0;
      return decide(command, state, { clock: { now: () => 42 }, ids: { next: () => `id-${++n}` }, attempt });
    },
  };
}

function eventsOf(d: Decision): ShippingEvent[] {
  if (d.kind !== 'changed') throw new Error(`expected events, got ${d.reason}`);
  return d.events;
}

describe('shipping decide', () => {
  it('records a booking as ShipmentCreated with metadata caused by the capture', () => {
    const d = given().when({ kind: 'RecordBooking', cause: captured, booking: booked }, 2);
    expect(eventsOf(d)).toEqual([
      {
        type: 'ShipmentCreated',
        metadata: {
          eventId: 'id-1',
          orderId: 'o-1',
          correlationId: 'c-1',
          causationId: 'in-1',
          occurredAt: 42,
          producer: 'shipping',
          attempt: 2,
        },
        shipmentId: 'shp-1',
        trackingNumber: 'TRK1',
        carrier: 'SIMPOST',
      },
    ]);
    expect(d).toMatchObject({ state: { status: 'shipped', trackingNumber: 'TRK1', at: 42 } });
  });

  it('turns an undeliverable answer into ShipmentFailed UNDELIVERABLE_DESTINATION', () => {
    const d = given().when({
      kind: 'RecordBooking',
      cause: captured,
      booking: { kind: 'undeliverable', message: 'no AQ' },
    });
    expect(eventsOf(d)).toEqual([
      expect.objectContaining({
        type: 'ShipmentFailed',
        failure: { step: 'SHIP_ORDER', reason: 'UNDELIVERABLE_DESTINATION', message: 'no AQ' },
      }),
    ]);
    expect(d).toMatchObject({ state: { status: 'failed', reason: 'UNDELIVERABLE_DESTINATION' } });
  });

  it('fails the shipment when retries run out', () => {
    const d = given().when({
      kind: 'FailShipment',
      cause: captured,
      reason: 'CARRIER_UNAVAILABLE',
      message: 'm',
    });
    expect(eventsOf(d)[0]).toMatchObject({ failure: { step: 'SHIP_ORDER', reason: 'CARRIER_UNAVAILABLE' } });
  });

  it('ignores anything once the shipment is decided', () => {
    const [shipped] = eventsOf(given().when({ kind: 'RecordBooking', cause: captured, booking: booked }));
    expect(given(shipped!).when({ kind: 'RecordBooking', cause: captured, booking: booked })).toEqual({
      kind: 'ignored',
      reason: 'shipment already shipped',
    });
    expect(
      given(shipped!).when({
        kind: 'FailShipment',
        cause: captured,
        reason: 'CARRIER_UNAVAILABLE',
        message: 'm',
      }),
    ).toEqual({ kind: 'ignored', reason: 'shipment already shipped' });
    const [failed] = eventsOf(
      given().when({ kind: 'FailShipment', cause: captured, reason: 'CARRIER_UNAVAILABLE', message: 'm' }),
    );
    expect(alreadyDecided(evolve(undefined, failed!))).toBe('shipment already failed');
    expect(alreadyDecided(undefined)).toBeUndefined();
  });

  it('maps an exhausted error code to a failure reason', () => {
    expect(exhaustedReason('CARRIER_UNAVAILABLE')).toBe('CARRIER_UNAVAILABLE');
    expect(exhaustedReason('INFRASTRUCTURE_FAULT')).toBe('INFRASTRUCTURE_FAILURE');
  });

  it('asks the carrier for the order by orderId with its address', () => {
    expect(shipmentRequestOf(captured)).toEqual({
      orderId: 'o-1',
      sku: 'SKU-APPLE',
      quantity: 3,
      address: order.shippingAddress,
    });
  });
});
