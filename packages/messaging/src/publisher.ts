import { messageKey, topicOf, type SagaEvent } from '@saga/contracts';
import type { Producer } from 'kafkajs';
import type { TraceContextHeaders } from './tracing.js';

/** Encodes events to the registry's wire format; the runtime never sees Avro. */
export interface EventCodec {
  encode(event: SagaEvent): Promise<Buffer>;
  decode(bytes: Buffer): Promise<SagaEvent>;
}

export interface OutboundRecord {
  topic: string;
  key: string | null;
  value: Buffer;
  headers: Record<string, string>;
}

export const Headers = {
  eventType: 'saga-event-type',
  eventId: 'saga-event-id',
  orderId: 'saga-order-id',
  correlationId: 'saga-correlation-id',
} as const;

/** `trace`: the W3C headers of the span that produced the events, so the next hop continues the same trace. */
export async function toOutboundRecords(
  codec: EventCodec,
  events: readonly SagaEvent[],
  trace: TraceContextHeaders = {},
): Promise<OutboundRecord[]> {
  return Promise.all(
    events.map(async (event) => ({
      topic: topicOf(event.type),
      key: messageKey(event.metadata.orderId),
      value: await codec.encode(event),
      headers: {
        [Headers.eventType]: event.type,
        [Headers.eventId]: event.metadata.eventId,
        [Headers.orderId]: event.metadata.orderId,
        [Headers.correlationId]: event.metadata.correlationId,
        ...trace,
      },
    })),
  );
}

/** One round trip for everything a batch produced; resolves only when every record is acknowledged by all ISRs. */
export async function sendRecords(producer: Producer, records: readonly OutboundRecord[]): Promise<void> {
  if (records.length === 0) return;
  const byTopic = new Map<string, { key: string | null; value: Buffer; headers: Record<string, string> }[]>();
  for (const r of records) {
    let list = byTopic.get(r.topic);
    if (!list) byTopic.set(r.topic, (list = []));
    list.push({ key: r.key, value: r.value, headers: r.headers });
  }
  await producer.sendBatch({
    acks: -1,
    topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })),
  });
}
