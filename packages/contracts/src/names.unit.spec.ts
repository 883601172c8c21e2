import {
  allEventTypes,
  allTopics,
  deadLetterTopic,
  EventTypes,
  messageKey,
  subjectOf,
  TOPIC_PARTITIONS,
  topicOf,
  Topics,
} from './index.js';

describe('naming', () => {
  it('routes each event type to its bounded-context topic', () => {
    expect(topicOf('OrderRequested')).toBe('order-requests');
    expect(topicOf('OrderCreated')).toBe('orders');
    expect(topicOf('OrderCancelled')).toBe('orders');
    expect(topicOf('OrderShipped')).toBe('orders');
    expect(topicOf('PaymentAuthorized')).toBe('payments');
    expect(topicOf('PaymentRefunded')).toBe('payments');
    expect(topicOf('ItemReserved')).toBe('inventory');
    expect(topicOf('ItemReleased')).toBe('inventory');
    expect(topicOf('ShipmentCreated')).toBe('shipping');
    expect(topicOf('ShipmentFailed')).toBe('shipping');
  });

  it('has a topic for every event type', () => {
    const topics = new Set<string>(Object.values(Topics));
    for (const t of allEventTypes()) expect(topics.has(topicOf(t))).toBe(true);
    expect(allEventTypes()).toHaveLength(16);
  });

  it('keys by orderId and names subjects by TopicRecordNameStrategy', () => {
    expect(messageKey('o-1')).toBe('o-1');
    expect(subjectOf('payments', EventTypes.PaymentCaptured)).toBe(
      'payments-ordersaga.events.PaymentCaptured',
    );
  });

  it('lists event topics and the four dead-letter topics', () => {
    expect(deadLetterTopic('payment')).toBe('dlq.payment');
    expect(allTopics()).toEqual([
      'order-requests',
      'orders',
      'payments',
      'inventory',
      'shipping',
      'dlq.order',
      'dlq.payment',
      'dlq.inventory',
      'dlq.shipping',
    ]);
    expect(TOPIC_PARTITIONS).toBeGreaterThanOrEqual(6);
  });
});
