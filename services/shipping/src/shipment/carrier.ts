import { SagaError, type ShippingAddress } from '@saga/contracts';

/** What shipping asks a carrier for. The carrier deduplicates on orderId: asking twice books once. */
export interface ShipmentRequest {
  orderId: string;
  sku: string;
  quantity: number;
  address: ShippingAddress;
}

export type CarrierBooking =
  | { kind: 'booked'; shipmentId: string; trackingNumber: string; carrier: string }
  /** A business answer, not an error: the carrier was reached and refused the destination. */
  | { kind: 'undeliverable'; message: string };

/** The carrier port. Throws CarrierUnavailableError (retriable) when the carrier cannot be reached. */
export interface Carrier {
  createShipment(request: ShipmentRequest): Promise<CarrierBooking>;
}

export class CarrierUnavailableError extends SagaError {
  constructor(message: string) {
    super('CARRIER_UNAVAILABLE', message, true);
  }
}

/** How the simulated carrier treats an address; the triggers are documented in README.md. */
export type SimulatedBehaviour =
  | { kind: 'ships' }
  | { kind: 'undeliverable'; message: string }
  | { kind: 'unavailable'; firstAttempts: number | 'always'; then: 'ships' | 'undeliverable' };

export const UNDELIVERABLE_COUNTRIES: ReadonlySet<string> = new Set(['AQ']);
const UNAVAILABLE = /^carrier-unavailable:(\d+|always)$/;

export function simulatedBehaviour(address: ShippingAddress): SimulatedBehaviour {
  const country = address.country.trim().toUpperCase();
  const destination: SimulatedBehaviour = UNDELIVERABLE_COUNTRIES.has(country)
    ? { kind: 'undeliverable', message: `the carrier does not deliver to ${country}` }
    : { kind: 'ships' };
  const match = UNAVAILABLE.exec(address.line2?.trim() ?? '');
  if (!match?.[1]) return destination;
  const firstAttempts = match[1] === 'always' ? 'always' : Number(match[1]);
  if (firstAttempts === 0) return destination;
  // An unreachable carrier cannot judge the destination yet: unavailability comes first, the answer after.
  return { kind: 'unavailable', firstAttempts, then: destination.kind };
}

/** Is the simulated carrier reachable on its `attempt`-th call (1-based) for this order? */
export function isReachable(behaviour: SimulatedBehaviour, attempt: number): boolean {
  if (behaviour.kind !== 'unavailable') return true;
  return behaviour.firstAttempts !== 'always' && attempt > behaviour.firstAttempts;
}
