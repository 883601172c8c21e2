import { allEventTypes, FailureReasons, SagaSteps } from '@saga/contracts';
import { react } from './reactions.js';
import { summarize, newEntries, timelineEntry } from './timeline.js';
import { ev, failure, orderRequested } from './fixtures.spec.js';

describe('react', () => {
  it.each([
    [orderRequested(), 'CreateOrder'],
    [ev.shipmentCreated(), 'MarkShipped'],
    [ev.paymentAuthorizationFailed(), 'CancelOrder'],
    [ev.authorizationReleased(), 'CancelOrder'],
    [ev.itemReleased(failure(SagaSteps.CAPTURE_PAYMENT, FailureReasons.CAPTURE_DECLINED)), 'CancelOrder'],
    [ev.paymentAuthorized(), 'RecordProgress'],
    [ev.itemReserved(), 'RecordProgress'],
    [ev.paymentCaptured(), 'RecordProgress'],
    [ev.captureFailed(false), 'RecordProgress'],
    [ev.itemReservationFailed(), 'RecordProgress'],
    [ev.shipmentFailed(), 'RecordProgress'],
  ])('%s → %s', (event, kind) => {
    expect(react(event)?.kind).toBe(kind);
  });

  it('has a command for every event not emitted by the order service itself', () => {
    const own = ['OrderCreated', 'OrderRejected', 'OrderShipped', 'OrderCancelled'];
    expect(allEventTypes().filter((t) => !own.includes(t))).toHaveLength(12);
  });
});

describe('timeline', () => {
  it('summarizes a request without its payment token', () => {
    const summary = summarize(orderRequested());
    expect(summary).toBe('requested 2 x SKU-1 for 2500 EUR by cust-1');
    expect(summary).not.toContain('tok_');
  });

  it('deduplicates entries by eventId, keeping arrival order', () => {
    const a = timelineEntry(ev.paymentAuthorized(), 1);
    const b = timelineEntry(ev.itemReserved(), 2);
    const added = newEntries([a.eventId], [b, a, b]);
    expect(added.entries.map((e) => e.eventId)).toEqual([b.eventId]);
    expect(added.timelineIds).toEqual([a.eventId, b.eventId]);
  });

  it('marks late entries with the reason', () => {
    expect(timelineEntry(ev.itemReserved(), 5, 'order already shipped')).toMatchObject({
      receivedAt: 5,
      ignored: 'order already shipped',
    });
  });
});
