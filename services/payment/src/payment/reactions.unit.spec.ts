import { describe, expect, it } from '@jest/globals';
import type { SagaEvent } from '@saga/contracts';
import {
  itemReservationFailed,
  itemReserved,
  meta,
  orderCreated,
  shipmentFailed,
} from '../../test/fixtures.js';
import { commandFor, exhaustionCommandFor, exhaustionReason } from './reactions.js';

const O = 'o-1';
const down = { code: 'GATEWAY_UNAVAILABLE', message: 'down' };

describe('reactions', () => {
  it('maps each consumed event to its command', () => {
    expect(commandFor(orderCreated(O))?.type).toBe('AuthorizePayment');
    expect(commandFor(itemReservationFailed(O))?.type).toBe('ReleaseAuthorization');
    expect(commandFor(itemReserved(O))?.type).toBe('CapturePayment');
    expect(commandFor(shipmentFailed(O))?.type).toBe('RefundPayment');
  });

  it('has nothing to do with other events', () => {
    const shipped: SagaEvent = { type: 'OrderShipped', metadata: meta(O, 'e'), trackingNumber: 't' };
    expect(commandFor(shipped)).toBeUndefined();
    expect(exhaustionCommandFor(shipped, down)).toBeUndefined();
  });

  it('forward steps fail when their retries run out', () => {
    expect(exhaustionCommandFor(orderCreated(O), down)).toEqual(
      expect.objectContaining({ type: 'FailAuthorization', reason: 'GATEWAY_UNAVAILABLE', message: 'down' }),
    );
    expect(exhaustionCommandFor(itemReserved(O), down)).toEqual(
      expect.objectContaining({ type: 'FailCapture', reason: 'GATEWAY_UNAVAILABLE' }),
    );
  });

  it('compensations are parked, never dropped', () => {
    expect(exhaustionCommandFor(itemReservationFailed(O), down)).toEqual({ type: 'park' });
    expect(exhaustionCommandFor(shipmentFailed(O), down)).toEqual({ type: 'park' });
  });

  it('an exhausted infrastructure fault is not blamed on the gateway', () => {
    expect(exhaustionReason('GATEWAY_UNAVAILABLE')).toBe('GATEWAY_UNAVAILABLE');
    expect(exhaustionReason('INFRASTRUCTURE_FAULT')).toBe('INFRASTRUCTURE_FAILURE');
  });
});
