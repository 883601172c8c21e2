/** Records and handlers shared by the record processor's int tests (real registry and Redis). */
import { randomUUID } from 'node:crypto';
import { createSerde, type SagaError, type OrderCreated, type SagaEvent } from '@saga/contracts';
import {
  Headers,
  loadConnectionConfig,
  TraceHeaders,
  type EventHandler,
  type RawRecord,
} from '@saga/messaging';

export const conn = loadConnectionConfig();
export const codec = createSerde(conn.schemaRegistry);

export function orderCreated(orderId: string): OrderCreated {
  return {
    type: 'OrderCreated',
    metadata: {
      eventId: randomUUID(),
      orderId,
      correlationId: orderId,
      causationId: null,
      occurredAt: Date.now(),
      producer: 'order',
      attempt: 1,
    },
    order: {
      customerId: 'c',
      sku: 'SKU-1',
      quantity: 1,
      amount: 100,
      currency: 'EUR',
      shippingAddress: { recipient: 'A', line1: 'l', line2: null, city: 'c', postalCode: 'p', country: 'DE' },
    },
    paymentToken: 'tok_approve',
  };
}

export async function rawOf(event: SagaEvent, traceparent: string): Promise<RawRecord> {
  return {
    topic: 'orders',
    partition: 0,
    offset: '7',
    key: event.metadata.orderId,
    value: (await codec.encode(event)).toString('base64'),
    headers: { [Headers.eventType]: event.type, [TraceHeaders.traceparent]: traceparent },
  };
}

/** Fails `failures` times with `error`, then answers with one PaymentAuthorized. */
export function flakyHandler(failures: number, error: SagaError): EventHandler {
  let calls = 0;
  return {
    service: 'payment',
    consumes: new Set(['OrderCreated']),
    handle(event) {
      if (calls++ < failures) return Promise.reject(error);
      const e = event as OrderCreated;
      return Promise.resolve({
        kind: 'emit' as const,
        events: [
          {
            type: 'PaymentAuthorized',
            metadata: {
              ...e.metadata,
              eventId: randomUUID(),
              causationId: e.metadata.eventId,
              producer: 'payment',
            },
            order: e.order,
            authorizationId: 'auth-1',
          },
        ],
      });
    },
    onRetriesExhausted: () => Promise.resolve({ kind: 'park' }),
  };
}
