import type { Redis } from 'ioredis';
import { Topics } from '@saga/contracts';
import { RedisStateStore, type ServiceModule } from '@saga/messaging';
import { shipmentKey } from './adapters/keys.js';
import { createShippingHandler } from './handler.js';
import type { ShipmentState } from './shipment/state.js';

export const shippingService: ServiceModule = {
  name: 'shipping',
  topics: [Topics.payments],
  createHandler: (deps) => createShippingHandler(deps),
};

/** The recorded shipment of an order, undefined when shipping has not decided on it yet. */
export function readShipment(redis: Redis, orderId: string): Promise<ShipmentState | undefined> {
  return new RedisStateStore<ShipmentState>(redis).read(shipmentKey(orderId));
}

export { createShippingHandler, type ShippingOptions } from './handler.js';
export { SimulatedCarrier, SIMULATED_CARRIER_NAME } from './adapters/simulated-carrier.js';
export { carrierKey, shipmentKey } from './adapters/keys.js';
export type { Carrier, CarrierBooking, ShipmentRequest } from './shipment/carrier.js';
export type { ShipmentState } from './shipment/state.js';
