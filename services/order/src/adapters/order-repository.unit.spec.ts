import { describe, expect, it } from '@jest/globals';
import { orderStep, type StoredOrder } from '../order/step.js';
import { ev, fixedDeps, orderRequested } from '../order/fixtures.spec.js';
import { joinDetails, splitDetails } from './order-repository.js';

function stored(result: ReturnType<typeof orderStep>): StoredOrder {
  if (result.kind !== 'changed') throw new Error(`expected a change, got ${result.reason}`);
  return result.stored;
}

describe('the order details kept apart from the state every step rewrites', () => {
  it('split off a pending order and joined back unchanged, at every step', () => {
    const created = stored(orderStep(undefined, orderRequested(), fixedDeps(1)));
    const authorized = stored(orderStep(created, ev.paymentAuthorized(), fixedDeps(1, 'next-')));
    for (const s of [created, authorized]) {
      const { rest, constant } = splitDetails(s);
      expect(JSON.stringify(rest)).not.toContain('"order":');
      expect(constant).toEqual(s.state.status === 'rejected' ? undefined : s.state.order);
      expect(joinDetails(rest, constant)).toEqual(s);
    }
    // What every later step writes again is the same JSON: the store can tell it is already stored.
    expect(JSON.stringify(splitDetails(authorized).constant)).toBe(
      JSON.stringify(splitDetails(created).constant),
    );
  });

  it('leaves a rejected order (it has no details) whole', () => {
    const rejected = stored(orderStep(undefined, orderRequested({ quantity: 0 }), fixedDeps(1)));
    expect(rejected.state.status).toBe('rejected');
    expect(splitDetails(rejected)).toEqual({ rest: rejected });
    expect(joinDetails(rejected, undefined)).toEqual(rejected);
  });
});
