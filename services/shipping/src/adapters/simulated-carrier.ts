import type { Redis } from 'ioredis';
import type { IdGenerator } from '@saga/contracts';
import { luaScript } from '@saga/messaging';
import {
  CarrierUnavailableError,
  isReachable,
  simulatedBehaviour,
  type Carrier,
  type CarrierBooking,
  type ShipmentRequest,
} from '../shipment/carrier.js';
import { carrierKey } from './keys.js';

export const SIMULATED_CARRIER_NAME = 'SIMPOST';

/*
 * The carrier's own books, kept in Redis so they survive restarts like a real carrier's would: `attempts` counts
 * calls per order (the unavailability trigger counts them), `booking` is the one booking per order.
 * ATTEMPT: an existing booking is returned as is (idempotent by orderId); otherwise the call is counted.
 * BOOK: first booking wins, so two concurrent calls for one order still book once. KEYS[1] = carrier:{orderId}.
 * The books expire ARGV[last] ms after the last call ('0' keeps them), with the saga's own state.
 */
const CREATE_SHIPMENT = `
local booking = redis.call('HGET', KEYS[1], 'booking')
if booking then return {'booked', booking} end
local attempts = redis.call('HINCRBY', KEYS[1], 'attempts', 1)
if ARGV[1] ~= '0' then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return {'attempt', tostring(attempts)}
`;
const BOOK = `
if redis.call('HSETNX', KEYS[1], 'booking', ARGV[1]) == 0 then return redis.call('HGET', KEYS[1], 'booking') end
if ARGV[2] ~= '0' then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return ARGV[1]
`;

/** A carrier simulated from the shipping address (triggers in README.md), idempotent by orderId. */
export class SimulatedCarrier implements Carrier {
  private readonly attempt: (
    key: string,
    retentionMs: number,
  ) => Promise<[kind: 'booked' | 'attempt', value: string]>;
  private readonly book: (key: string, booking: string, retentionMs: number) => Promise<string>;

  constructor(
    redis: Redis,
    private readonly ids: IdGenerator,
    private readonly retentionMs = 0,
  ) {
    this.attempt = luaScript(redis, 'carrierAttempt', 1, CREATE_SHIPMENT);
    this.book = luaScript(redis, 'carrierBook', 1, BOOK);
  }

  async createShipment(request: ShipmentRequest): Promise<CarrierBooking> {
    const key = carrierKey(request.orderId);
    const [kind, value] = await this.attempt(key, this.retentionMs);
    if (kind === 'booked') return JSON.parse(value) as CarrierBooking;
    const attempt = Number(value);
    const behaviour = simulatedBehaviour(request.address);
    if (!isReachable(behaviour, attempt)) {
      throw new CarrierUnavailableError(`carrier unavailable for order ${request.orderId} (call ${attempt})`);
    }
    const outcome = behaviour.kind === 'unavailable' ? behaviour.then : behaviour.kind;
    if (outcome === 'undeliverable') {
      // Refusals are not booked: the same address gets the same answer on every call anyway.
      return { kind: 'undeliverable', message: `the carrier does not deliver to ${request.address.country}` };
    }
    // A concurrent call may have booked first; BOOK keeps the first booking and returns it.
    const booking: CarrierBooking = {
      kind: 'booked',
      shipmentId: `shp-${this.ids.next()}`,
      trackingNumber: trackingNumberOf(this.ids.next()),
      carrier: SIMULATED_CARRIER_NAME,
    };
    return JSON.parse(await this.book(key, JSON.stringify(booking), this.retentionMs)) as CarrierBooking;
  }
}

/** `TRK` + the first 12 hex/alphanumeric characters of a fresh id, upper-cased, e.g. TRK3F2A9C1B7D40. */
export function trackingNumberOf(id: string): string {
  return `TRK${id
    .replace(/[^a-zA-Z0-9]/g, '')
    .slice(0, 12)
    .toUpperCase()}`;
}
