import type { TimelineEntry } from './timeline.js';
import { causalOrder } from './causal-order.js';

const entry = (
  eventId: string,
  type: string,
  causationId: string | null,
  occurredAt: number,
): TimelineEntry =>
  ({
    eventId,
    type,
    causationId,
    occurredAt,
    producer: 'x',
    attempt: 1,
    receivedAt: occurredAt,
    summary: '',
  }) as TimelineEntry;

describe('causal order of a timeline', () => {
  it('puts an effect after its cause even when it arrived first', () => {
    const arrived = [
      entry('r', 'OrderRequested', null, 0),
      entry('c', 'OrderCreated', 'r', 80),
      entry('i', 'ItemReserved', 'a', 400),
      entry('a', 'PaymentAuthorized', 'c', 373),
    ];
    expect(causalOrder(arrived).map((e) => e.eventId)).toEqual(['r', 'c', 'a', 'i']);
  });

  it('keeps entries whose cause is unknown, by time', () => {
    const t = [entry('b', 'ItemReleased', 'gone', 20), entry('a', 'OrderRequested', null, 10)];
    expect(causalOrder(t).map((e) => e.eventId)).toEqual(['a', 'b']);
  });
});
