import type { ShippingAddress } from '@saga/contracts';
import { isReachable, simulatedBehaviour } from './carrier.js';
import { CONSUMED, reactTo } from './reactions.js';
import { trackingNumberOf } from '../adapters/simulated-carrier.js';

const address = (country: string, line2: string | null = null): ShippingAddress => ({
  recipient: 'R',
  line1: 'L1',
  line2,
  city: 'C',
  postalCode: 'P',
  country,
});

describe('simulated carrier triggers', () => {
  it('ships to ordinary addresses on the first call', () => {
    const b = simulatedBehaviour(address('GB'));
    expect(b).toEqual({ kind: 'ships' });
    expect(isReachable(b, 1)).toBe(true);
  });

  it('refuses Antarctica (AQ, any case) as a business outcome', () => {
    expect(simulatedBehaviour(address('aq'))).toMatchObject({ kind: 'undeliverable' });
    expect(isReachable(simulatedBehaviour(address('AQ')), 1)).toBe(true);
  });

  it('is unavailable for the first N calls with line2 carrier-unavailable:N, then ships', () => {
    const b = simulatedBehaviour(address('FR', 'carrier-unavailable:2'));
    expect(b).toEqual({ kind: 'unavailable', firstAttempts: 2, then: 'ships' });
    expect([1, 2, 3, 4].map((n) => isReachable(b, n))).toEqual([false, false, true, true]);
  });

  it('is never available with carrier-unavailable:always', () => {
    const b = simulatedBehaviour(address('FR', ' carrier-unavailable:always '));
    expect([1, 10, 1000].map((n) => isReachable(b, n))).toEqual([false, false, false]);
  });

  it('judges the destination only once reachable, and ignores other line2 text', () => {
    expect(simulatedBehaviour(address('AQ', 'carrier-unavailable:1'))).toEqual({
      kind: 'unavailable',
      firstAttempts: 1,
      then: 'undeliverable',
    });
    expect(simulatedBehaviour(address('FR', 'carrier-unavailable:0'))).toEqual({ kind: 'ships' });
    expect(simulatedBehaviour(address('FR', 'Flat 2, carrier-unavailable:3'))).toEqual({ kind: 'ships' });
    expect(simulatedBehaviour(address('FR', 'carrier-unavailable:-1'))).toEqual({ kind: 'ships' });
  });

  it('makes tracking numbers from ids', () => {
    expect(trackingNumberOf('3f2a9c1b-7d40-4e2b-9a7e-1c2d3e4f5a6b')).toBe('TRK3F2A9C1B7D40');
  });
});

describe('shipping reactions', () => {
  it('ships on PaymentCaptured only', () => {
    expect([...CONSUMED]).toEqual(['PaymentCaptured']);
    const metadata = {
      eventId: 'e',
      orderId: 'o',
      correlationId: 'c',
      causationId: null,
      occurredAt: 1,
      producer: 'p',
      attempt: 1,
    };
    const order = {
      customerId: 'c',
      sku: 's',
      quantity: 1,
      amount: 1,
      currency: 'EUR',
      shippingAddress: address('GB'),
    };
    const captured = {
      type: 'PaymentCaptured',
      metadata,
      order,
      captureId: 'x',
      amount: 1,
      currency: 'EUR',
    } as const;
    expect(reactTo(captured)).toEqual({ kind: 'ShipOrder', cause: captured });
    expect(reactTo({ type: 'PaymentAuthorized', metadata, order, authorizationId: 'a' })).toBeUndefined();
  });
});
