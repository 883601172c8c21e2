import { describe, expect, it } from '@jest/globals';
import type { TimelineEntry } from '@saga/order-service';
import { causallyClosed, causalSequence } from './support/sequence.js';

const entry = (eventId: string, type: TimelineEntry['type'], causationId: string | null): TimelineEntry => ({
  eventId,
  causationId,
  type,
  producer: 'test',
  occurredAt: 0,
  attempt: 1,
  receivedAt: 0,
  summary: '',
});

const requested = entry('e1', 'OrderRequested', null);
const created = entry('e2', 'OrderCreated', 'e1');
const authorized = entry('e3', 'PaymentAuthorized', 'e2');
const reserved = entry('e4', 'ItemReserved', 'e3');
const captured = entry('e5', 'PaymentCaptured', 'e4');
const shipment = entry('e6', 'ShipmentCreated', 'e5');
const shipped = entry('e7', 'OrderShipped', 'e6');

describe('causallyClosed (when a terminal order has every report on its timeline)', () => {
  it('holds for a whole saga, in any arrival order', () => {
    const saga = [requested, created, authorized, reserved, captured, shipment, shipped];
    expect(causallyClosed(saga)).toBe(true);
    expect(causallyClosed([...saga].reverse())).toBe(true);
  });

  it('fails while a cause is still on its way (shipped before PaymentCaptured arrived)', () => {
    const early = [requested, created, authorized, reserved, shipment, shipped];
    expect(causallyClosed(early)).toBe(false);
    // What the e2e test 12 saw in CI: the same status, a sequence without PaymentCaptured.
    expect(causalSequence(early)).not.toContain('PaymentCaptured');
  });

  it('accepts a root that names itself as its cause', () => {
    expect(causallyClosed([entry('r', 'OrderRequested', 'r'), entry('c', 'OrderCreated', 'r')])).toBe(true);
  });
});
